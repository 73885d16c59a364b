import Index
import IndexTestSupport
import Testing

@Suite struct IndexAnalyzerTests {
    @Test func termsAndFieldValuesComeFromTheOneAnalyzer() {
        let a = IndexAnalyzer()
        let t = a.words("Running std::vec")
        #expect(t.map(\.term) == ["run", "stdvec", "std", "vec"])
        #expect(t.map(\.position) == [0, 1, 1, 2])
        #expect(a.termList("Running std::vec", language: nil).length == 3)
        #expect(a.urlTerms("https://example.org/a") == ["exampleorg", "example", "org", "a"])
        #expect(a.keyword("#Café") == "cafe")
    }
}
