import Analysis
import Query
import Testing
import TextTestSupport

@testable import Snippets

/// Snippets driven by the real analyzer: marks follow its stemming, folding, identifiers and
/// CJK bigrams, because the query is analyzed the way the document was.
@Suite struct AnalyzerSnippetTests {
    let analyzer = Analyzer()

    func snippet(_ text: String, _ query: String, language: String? = nil, columns: Int = 200) throws -> Snippet {
        let q = try QueryParser.parse(query)
        return SnippetBuilder(maxColumns: columns).snippet(
            for: text, language: language, terms: HighlightTerms(query: q, analyzer: analyzer, language: language), analyzer: analyzer)
    }

    @Test func stemmingMatchesInflectedForms() throws {
        let s = try snippet("She was running late. The runner runs daily; he ran yesterday.", "run")
        #expect(s.highlightedTexts == ["running", "runs"], "runner and ran stem differently: \(s.highlightedTexts)")
        let plural = try snippet("Connections are pooled; each connection is reused.", "connected")
        #expect(plural.highlightedTexts == ["Connections", "connection"])
    }

    @Test func nonEnglishDocumentsAreNotStemmed() throws {
        let s = try snippet("Die Läufer laufen. Running ist Englisch, runs auch.", "running", language: "de")
        #expect(s.highlightedTexts == ["Running"])
    }

    @Test func foldingIgnoresCaseAndDiacritics() throws {
        let s = try snippet("Ein ÜBER-Beispiel: über alles, Uber nicht?", "uber", language: "de")
        #expect(s.highlightedTexts == ["ÜBER", "über", "Uber"])
    }

    @Test func identifierPartsAndCompounds() throws {
        let s = try snippet("Use std::vec or Vec::new; text is UTF-8 on x86_64.", "vec utf8 x86_64")
        #expect(s.highlightedTexts == ["vec", "Vec", "UTF-8", "x86_64"])
    }

    @Test func prefixes() throws {
        let s = try snippet("Analysis of analyzers: we analyze what an analyst does.", "analy*")
        #expect(s.highlightedTexts == ["Analysis", "analyzers", "analyze", "analyst"])
    }

    @Test func phrasesAndNegationsAndFilters() throws {
        let s = try snippet("The quick brown fox jumps over the lazy dog near the fox den.", "\"brown fox\" -dog site:x.org")
        #expect(s.highlightedTexts == ["brown fox"], "the phrase is marked, not its words elsewhere, nor the negated word")
    }

    @Test func cjkBigrams() throws {
        let text = "東京都は日本の首都です。大阪は西日本の中心都市です。"
        let s = try snippet(text, "東京")
        #expect(s.highlightedTexts == ["東京"])
        let both = try snippet(text, "東京都")
        #expect(both.highlightedTexts == ["東京都"], "bigrams 東京 and 京都 merge into one mark")
        let osaka = try snippet(String(repeating: "日本の歴史は長いです。", count: 40) + "大阪は西日本の中心都市です。", "大阪 都市", columns: 60)
        #expect(osaka.highlightedTexts == ["大阪", "都市"])
        #expect(osaka.text.hasPrefix("大阪は"), "\(osaka.text)")
    }

    @Test func mixedScripts() throws {
        let s = try snippet("Tokyo (東京) hosts the Tokyo Tower — 東京タワー.", "東京 tower")
        #expect(s.highlightedTexts == ["東京", "Tower", "東京"])
    }

    @Test func noMatchGivesTheFirstSentence() throws {
        let s = try snippet("Cargo is Rust's build system. It downloads dependencies. " + String(repeating: "More text. ", count: 50), "zebra")
        #expect(!s.matched)
        #expect(s.text == "Cargo is Rust's build system. It downloads dependencies.")
    }

    @Test func htmlRenderingEscapesDocumentText() throws {
        let s = try snippet("Use <script>alert('x')</script> & escape output.", "script escape")
        #expect(
            s.rendered(.html) == "Use &lt;<mark>script</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>script</mark>&gt; &amp; <mark>escape</mark> output.")
    }

    @Test func longDocumentsStayFast() throws {
        // 2 MB of text with the match near the end: the opening is analyzed, then raw probes.
        let filler = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 36_000)
        let clock = ContinuousClock()
        var s: Snippet?
        let elapsed = try clock.measure { s = try snippet(filler + "The kernel scheduler decides. " + filler, "scheduler") }
        #expect(s?.highlightedTexts == ["scheduler"])
        #expect(elapsed < .seconds(2), "bounded work: \(elapsed)")
    }
}

@Suite struct MatchFinderPropertyTests {
    /// Checking pieces in groups (and analyzing only matching groups for spans) finds exactly
    /// the matching spans of analyzing the whole text at once.
    @Test(arguments: [7, 8] as [UInt64])
    func groupedAnalysisEqualsWholeText(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let vocabulary = [
            "the", "running", "Runs", "ran", "std::vec", "UTF-8", "東京都", "大阪", "café", "(x86_64),",
            "—", "don't", "c++", "#tag", "@bob", "Über", "e.g.", "3.14", "\n\n", "\t", "a.b.c",
        ]
        let analyzer = Analyzer()
        var found = 0
        for _ in 0..<60 {
            let words = (0..<Int.random(in: 1...900, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! }
            let text = words.joined(separator: Bool.random(using: &rng) ? " " : "  ")
            let query = (0..<Int.random(in: 1...3, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! }
            let terms = HighlightTerms(terms: query.flatMap { analyzer.tokens($0, stemming: .english).map(\.term) })
            let bytes = Array(text.utf8)
            let grouped = bytes.withUnsafeBufferPointer { b in
                var finder = MatchFinder(analyzer: analyzer, language: nil, terms: terms, scratch: analyzer.makeScratch())
                return finder.matches(in: b, 0..<b.count).map { [$0.start, $0.end, $0.item] }
            }
            let whole = analyzer.spans(text, stemming: .english).compactMap { span in
                terms.item(for: span.term).map { [span.utf8Range.lowerBound, span.utf8Range.upperBound, $0] }
            }.sorted { $0[0] < $1[0] }
            #expect(Set(grouped) == Set(whole), "\(query)")
            found += grouped.count
        }
        #expect(found > 1000, "the generator should produce many matches")
    }
}
