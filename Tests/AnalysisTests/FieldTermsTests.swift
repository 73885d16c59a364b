import Testing
@testable import Analysis

@Suite struct FieldTermsTests {
    @Test func hashtags() {
        #expect(Analyzer.hashtags(in: "Loving #SwiftLang and #swift_lang, #Café! #日本語 #1 #2024年 C# a#b &#38; ##x #") ==
            ["swiftlang", "swift_lang", "cafe", "日本語", "2024年", "x"])
        #expect(Analyzer.hashtags(in: "(#tag) [#Two]") == ["tag", "two"])
        #expect(Analyzer.hashtags(in: "#" + String(repeating: "a", count: 65)).isEmpty)
    }

    @Test func mentions() {
        #expect(Analyzer.mentions(in: "hi @Alice, @bob@Mastodon.Social and @carol.bsky.social. mail x@y.com @ @_u") ==
            ["alice", "bob@mastodon.social", "carol.bsky.social", "_u"])
        #expect(Analyzer.mentions(in: "@Zoë-") == ["zoe"])
    }

    @Test func fieldValues() {
        #expect(Analyzer.fieldValueTerm("#SwiftLang") == "swiftlang")
        #expect(Analyzer.fieldValueTerm("@Bob@Example.Social") == "bob@example.social")
    }

    @Test func urls() {
        let t = Analyzer.urlTerms("https://user@www.Example.com:8080/Blog/2024/hello-world%20Ünï.html?q=secret#frag")
        #expect(t.map(\.term) == ["examplecom", "example", "com", "blog", "2024", "helloworld", "hello", "world",
                                  "unihtml", "uni", "html"])
        #expect(!t.contains { $0.term == "secret" || $0.term == "frag" || $0.term == "https" || $0.term == "8080" })
        #expect(Analyzer.urlTerms("example.org/a_b").map(\.term) == ["exampleorg", "example", "org", "ab", "a", "b"])
    }

    @Test func sites() {
        #expect(Analyzer.siteTerms("https://blog.Example.co.uk:443/x") == ["blog.example.co.uk", "example.co.uk", "co.uk"])
        #expect(Analyzer.siteTerms("www.example.com") == ["example.com"])
        #expect(Analyzer.siteTerms("http://localhost:8000/") == ["localhost"])
        #expect(Analyzer.siteTerms("http://192.168.1.2/") == ["192.168.1.2"])
        #expect(Analyzer.siteTerms("http://[::1]:80/") == ["[::1]"])
        #expect(Analyzer.siteTerms("file:///tmp/x").isEmpty)
    }

    @Test func languages() {
        #expect(Analyzer.languageTerm("en-GB") == "en")
        #expect(Analyzer.languageTerm("zh_Hant_TW") == "zh")
        #expect(Analyzer.languageTerm(" FR ") == "fr")
        #expect(Analyzer.languageTerm("fil") == "fil")
        #expect(Analyzer.languageTerm("english") == nil)
        #expect(Analyzer.languageTerm("x") == nil)
        #expect(Analyzer.languageTerm(nil) == nil)
    }
}
