import Testing

@testable import Analysis

@Suite struct FieldTermsTests {
    @Test func hashtags() {
        #expect(
            Analyzer.hashtags(in: "Loving #SwiftLang and #swift_lang, #Café! #日本語 #1 #2024年 C# a#b &#38; ##x #") == [
                "swiftlang", "swift_lang", "cafe", "日本語", "2024年", "x",
            ])
        #expect(Analyzer.hashtags(in: "(#tag) [#Two]") == ["tag", "two"])
        #expect(Analyzer.hashtags(in: "#" + String(repeating: "a", count: 65)).isEmpty)
    }

    @Test func mentions() {
        #expect(
            Analyzer.mentions(in: "hi @Alice, @bob@Mastodon.Social and @carol.bsky.social. mail x@y.com @ @_u") == [
                "alice", "bob@mastodon.social", "carol.bsky.social", "_u",
            ])
        #expect(Analyzer.mentions(in: "@Zoë-") == ["zoe"])
    }

    @Test(arguments: [("#SwiftLang", "swiftlang"), ("@Bob@Example.Social", "bob@example.social")])
    func fieldValues(_ value: String, _ term: String) {
        #expect(Analyzer.fieldValueTerm(value) == term)
    }

    @Test func urls() {
        let t = Analyzer.urlTerms("https://user@www.Example.com:8080/Blog/2024/hello-world%20Ünï.html?q=secret#frag")
        #expect(
            t.map(\.term) == [
                "examplecom", "example", "com", "blog", "2024", "helloworld", "hello", "world",
                "unihtml", "uni", "html",
            ])
        #expect(!t.contains { $0.term == "secret" || $0.term == "frag" || $0.term == "https" || $0.term == "8080" })
        #expect(Analyzer.urlTerms("example.org/a_b").map(\.term) == ["exampleorg", "example", "org", "ab", "a", "b"])
    }

    @Test(
        arguments: [
            ("https://blog.Example.co.uk:443/x", ["blog.example.co.uk", "example.co.uk", "co.uk"]),
            ("www.example.com", ["www.example.com", "example.com"]),
            ("https://example.iana.org/x", ["example.iana.org", "iana.org"]),
            ("http://localhost:8000/", ["localhost"]),
            ("http://192.168.1.2/", ["192.168.1.2"]),
            ("http://[::1]:80/", ["[::1]"]),
            ("file:///tmp/x", []),
        ] as [(String, [String])])
    func sites(_ url: String, _ terms: [String]) {
        #expect(Analyzer.siteTerms(url) == terms)
    }

    @Test func urlSequences() {
        #expect(Analyzer.urlValueIsSequence("docs/saving"))
        #expect(!Analyzer.urlValueIsSequence("saving"))
        #expect(Analyzer.urlContainsSequence("https://ex.org/arch/x86_64/", "x86_64"))
        #expect(!Analyzer.urlContainsSequence("https://ex.org/64/x86/", "x86_64"))
        #expect(Analyzer.urlContainsSequence("https://ex.org/en/docs/saving.html", "docs/saving"))
        #expect(Analyzer.urlContainsSequence("https://ex.org/Docs/Saving/", "\"docs saving\""))
        #expect(Analyzer.urlContainsSequence("https://www.ex.org/docs/saving", "ex.org/docs"))
        #expect(!Analyzer.urlContainsSequence("https://ex.org/docs/x/saving", "docs/saving"))
        #expect(!Analyzer.urlContainsSequence("https://ex.org/saving/docs", "docs/saving"))
        #expect(Analyzer.urlContainsSequence("https://ex.org/anything", "docs"))
    }

    @Test(
        arguments: [
            ("en-GB", "en"), ("zh_Hant_TW", "zh"), (" FR ", "fr"), ("fil", "fil"),
            ("english", nil), ("x", nil), (nil, nil),
        ] as [(String?, String?)])
    func languages(_ tag: String?, _ term: String?) {
        #expect(Analyzer.languageTerm(tag) == term)
    }
}
