import Query
import Testing

@testable import Snippets

@Suite struct SnippetSelectionTests {
    static let article = """
        The Rust programming language helps you write faster, more reliable software. \
        High-level ergonomics and low-level control are often at odds in programming language design; \
        Rust challenges that conflict. Through balancing powerful technical capacity and a great developer \
        experience, Rust gives you the option to control low-level details (such as memory usage) without \
        all the hassle traditionally associated with such control. Asynchronous programming in Rust uses \
        futures and the async and await keywords; an executor such as tokio polls the futures to completion. \
        Cargo is the Rust build system and package manager.
        """

    @Test func picksThePassageCoveringMostDistinctTerms() {
        let s = snip(Self.article, ["async", "tokio", "rust"])
        #expect(s.matched)
        #expect(s.highlightedTexts.contains("async") && s.highlightedTexts.contains("tokio"))
        #expect(s.text.hasPrefix("Asynchronous programming in Rust"), "starts at the sentence start: \(s.text)")
        #expect(s.text.count <= 200 + 2)
    }

    @Test func prefersEarlierPassagesOnTies() {
        let s = snip(Self.article, ["rust"], columns: 60)
        #expect(s.text.hasPrefix("The Rust programming language"))
        #expect(s.highlightedTexts == ["Rust"])
        #expect(s.text.hasSuffix("…"), "cut mid-sentence at a word: \(s.text)")
        #expect(!s.text.contains("  "))
    }

    @Test func moreMatchesBreakCoverageTies() {
        let text = "alpha beta. " + String(repeating: "filler words here. ", count: 20) + "beta, beta, alpha, alpha, beta."
        let s = snip(text, ["alpha", "beta"], columns: 40)
        #expect(s.highlightedTexts == ["beta", "beta", "alpha", "alpha", "beta"], "\(s.text)")
    }

    @Test func leadsIntoALongSentenceWithContextAndEllipsis() {
        let words = (0..<200).map { "w\($0)" }.joined(separator: " ")
        let s = snip(words + " target " + words, ["target"], columns: 100)
        #expect(s.text.hasPrefix("…w"))
        #expect(s.text.hasSuffix("…"))
        let before = s.text.components(separatedBy: "target")[0]
        #expect(before.count >= 15 && before.count <= 45, "some context before the match: \(s.text)")
        #expect(s.highlightedTexts == ["target"])
    }

    @Test func prefixesMatchAndCountAsOneItem() {
        let s = snip("Parsers, parse, parsed input; lexers lex.", [], prefixes: ["pars"])
        #expect(s.highlightedTexts == ["Parsers", "parse", "parsed"])
        #expect(s.text == "Parsers, parse, parsed input; lexers lex.")
    }

    @Test func noMatchFallsBackToTheOpening() {
        let s = snip("Short heading. " + Self.article, ["zebra"])
        #expect(!s.matched)
        #expect(s.highlights.isEmpty)
        #expect(s.text.hasPrefix("Short heading. The Rust programming language"), "a tiny first sentence is joined by the next: \(s.text)")
        #expect(s.text.hasSuffix("software."), "ends at a sentence: \(s.text)")
        let plain = snip(Self.article, [])
        #expect(plain.text == "The Rust programming language helps you write faster, more reliable software.")
    }

    @Test func emptyAndBlankTexts() {
        #expect(snip("", ["x"]) == Snippet(text: "", highlights: [], matched: false))
        #expect(snip(" \n\t ", ["x"]).text == "")
        #expect(snip("x", ["x"]).rendered(.plain) == "**x**")
    }

    @Test func whitespaceCollapsesAndControlsVanish() {
        let s = snip("  Title\n\n  The\tquick \u{1B}[31m brown\u{7}\u{202E} fox.  ", ["brown"])
        #expect(s.text == "The quick [31m brown fox.", "a line break starts a sentence")
        #expect(s.highlightedTexts == ["brown"])
        #expect(!s.rendered(.terminal).contains("\u{1B}[31m"))
    }

    @Test func cjkBigramsMergeIntoOneHighlight() {
        let text = "東京都は日本の首都です。大阪は西にあります。"
        let s = snip(text, ["東京", "京都"])
        #expect(s.highlightedTexts == ["東京都"])
        #expect(s.text == text)
        let osaka = snip(String(repeating: "日本の歴史は長いです。", count: 30) + "大阪は西にあります。", ["大阪"], columns: 60)
        #expect(osaka.highlightedTexts == ["大阪"])
        #expect(osaka.text.hasPrefix("大阪"), "starts at the sentence after 。: \(osaka.text)")
    }

    @Test func cjkWithoutSentenceBreaksIsCutBetweenCharacters() {
        let text = String(repeating: "漢字", count: 300) + "目標" + String(repeating: "漢字", count: 300)
        let s = snip(text, ["目標"], columns: 60)
        #expect(s.highlightedTexts == ["目標"])
        #expect(s.text.hasPrefix("…") && s.text.hasSuffix("…"))
        let columns = s.text.unicodeScalars.reduce(0) { $0 + TextScan.columns($1.value) }
        #expect(columns <= 62, "\(columns) columns: \(s.text)")
    }

    @Test func longDocumentsAreScannedOnlyUpToTheLimit() {
        let filler = String(repeating: "lorem ipsum dolor sit amet. ", count: 10_000)  // ~280 KB
        let early = snip("needle at the start. " + filler, ["needle"], scan: 4096)
        #expect(early.matched && early.highlightedTexts == ["needle"])
        // Past the analyzed opening, raw occurrences are probed and confirmed by the analyzer.
        let late = snip(filler + "The NEEDLE is here. " + filler, ["needle"], scan: 4096)
        #expect(late.matched && late.highlightedTexts == ["NEEDLE"], "\(late.text)")
        #expect(late.text.hasPrefix("The NEEDLE is here."), "\(late.text)")
        // Raw hits the analyzer rejects (`needles` is not the term `needle` here) are skipped,
        // up to four of them.
        let decoys = String(repeating: "needles ", count: 3)
        let confirmed = snip(filler + decoys + filler + "one needle.", ["needle"], scan: 4096, probeBytes: 1 << 30)
        #expect(confirmed.matched, "the fourth hit is confirmed")
        let tooMany = snip(filler + decoys + decoys + filler + "one needle.", ["needle"], scan: 4096, probeBytes: 1 << 30)
        #expect(!tooMany.matched && tooMany.text.hasPrefix("lorem ipsum"), "gives up after four unconfirmed hits")
        let beyond = snip(filler + "needle", ["needle"], scan: 4096, probeBytes: 100_000)
        #expect(!beyond.matched, "nothing is looked for past maxProbeBytes")
    }

    @Test func highlightTermsComeFromPositiveClauses() throws {
        let q = try QueryParser.parse("Rust \"Async Await\" tok* -Slow site:x.org")
        let h = HighlightTerms(
            query: q, analyze: { $0.lowercased().split(separator: " ").map { [String($0)] } },
            normalizePrefix: { $0.lowercased() })
        #expect(h.terms == ["rust", "async", "await"])
        #expect(h.prefixes == ["tok"])
        #expect(h.item(for: "tokio") == 3 && h.item(for: "await") == 2 && h.item(for: "slow") == nil)
    }

    @Test func matchesNarrowToTheWordInsideAChunk() {
        let s = snip("See std::vec, (running) and foo-bar.", ["vec", "running", "bar"])
        #expect(s.highlightedTexts == ["vec", "running", "bar"])
        let joined = snip("See std::vec, the quick  fox, and foo-bar. Fox again.", ["std", "vec", "quick", "fox", "foo", "bar"])
        #expect(joined.highlightedTexts == ["std::vec", "quick fox", "foo-bar", "Fox"], "neighbours join across spaces and joiners, not sentences")
    }

    @Test func aMatchWiderThanTheBudgetStillShows() {
        let long = String(repeating: "a", count: 300)
        let s = snip("x " + long + " y", [long], columns: 50)
        #expect(s.highlightedTexts == [long])
    }
}

@Suite struct SnippetRenderingTests {
    let s = Snippet(text: "a <b> & \"c\" d's", highlights: [2..<5, 14..<15], matched: true)

    @Test func styles() {
        #expect(s.rendered(.plain) == "a **<b>** & \"c\" d'**s**")
        #expect(s.rendered(.terminal) == "a \u{1B}[1m<b>\u{1B}[22m & \"c\" d'\u{1B}[1ms\u{1B}[22m")
        #expect(s.rendered(.html) == "a <mark>&lt;b&gt;</mark> &amp; &quot;c&quot; d&#39;<mark>s</mark>")
        #expect(s.rendered(.none) == s.text)
    }

    @Test func badRangesAreIgnored() {
        let bad = Snippet(text: "é x", highlights: [1..<2, 3..<4, 9..<12], matched: true)
        #expect(bad.rendered(.plain) == "é **x**")
    }
}
