import Analysis
import Query
import Testing
import TextTestSupport

@testable import Snippets

/// Snippets cut only between words (with `…` where they cut), and a phrase's words are marked
/// only where the phrase occurs.
@Suite struct SnippetBoundaryTests {
    static let vocabulary = [
        "operations", "memory", "barriers", "ordering", "grace", "period", "kernel", "documentation", "spinlock",
        "atomic", "readers", "writers", "callbacks", "quiescent", "sections",
    ]

    /// The snippet's first and last words are whole words of the text: neither follows nor
    /// precedes a letter there.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func passagesStartAndEndAtWordBoundaries(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let separators = [" ", " ", " ", ", ", " (", ") ", "-", "/", "; "]
        for _ in 0..<40 {
            var text = ""
            for k in 0..<Int.random(in: 20...200, using: &rng) {
                if k > 0 { text += separators.randomElement(using: &rng)! }
                text += Self.vocabulary.randomElement(using: &rng)!
            }
            let terms = (0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.vocabulary.randomElement(using: &rng)! }
            let columns = Int.random(in: 20...120, using: &rng)
            let s = snip(text, terms, columns: columns)
            var shown = Substring(s.text)
            let cutBefore = shown.hasPrefix("…"), cutAfter = shown.hasSuffix("…")
            if cutBefore { shown = shown.dropFirst() }
            if cutAfter { shown = shown.dropLast() }
            let words = shown.split { !$0.isLetter }
            guard let first = words.first, let last = words.last else { continue }
            #expect(Self.vocabulary.contains(String(first)) && Self.vocabulary.contains(String(last)), "\(s.text)")
            #expect(cutBefore || text.hasPrefix(shown.prefix(while: { $0 != " " })), "a cut start has an ellipsis: \(s.text)")
        }
    }

    /// The measured case: a wide core leaves little lead, and the word before it was cut.
    @Test func aShortLeadStartsAtTheMatchNotInsideTheWordBefore() {
        let text =
            "The RCU implementation provides this guarantee using a network of lock-based critical sections, "
            + "memory barriers, and per-CPU processing, as is described in the following sections of the documentation."
        for columns in 30...90 {
            let s = snip(text, ["memory", "barriers", "processing"], columns: columns)
            let first = s.text.drop { $0 == "…" }.prefix { $0.isLetter }
            #expect(text.contains(" " + first) || text.hasPrefix(first), "\(columns): \(s.text)")
        }
    }

    @Test func aWordTooLongForTheEndIsLeftOutWithAnEllipsis() {
        let s = snip("match " + String(repeating: "x", count: 80) + " tail", ["match"], columns: 40)
        #expect(s.text == "match…", "\(s.text)")
    }

    @Test func headingPermalinkGlyphsAreLeftOut() {
        let s = snip("Building Blocks¶ The workhorse ¶ for ordering¶", ["workhorse"])
        #expect(s.text == "Building Blocks The workhorse ¶ for ordering", "a pilcrow standing alone is text")
        #expect(s.highlightedTexts == ["workhorse"])
    }

    func analyzed(_ text: String, _ query: String, columns: Int = 200) throws -> Snippet {
        let q = try QueryParser.parse(query)
        let analyzer = Analyzer()
        return SnippetBuilder(maxColumns: columns).snippet(
            for: text, terms: HighlightTerms(query: q, analyzer: analyzer, language: "en"), analyzer: analyzer)
    }

    @Test func phrasesMarkOnlyTheirOccurrences() throws {
        let text = "Memory ordering matters. Use a memory barrier here; memory barriers order stores. Barrier-free code is rare."
        let s = try analyzed(text, "\"memory barrier\"")
        #expect(s.highlightedTexts == ["memory barrier", "memory barriers"], "\(s.rendered(.plain))")
        // A phrase word typed on its own too is marked everywhere.
        let both = try analyzed(text, "\"memory barrier\" ordering")
        #expect(both.highlightedTexts == ["ordering", "memory barrier", "memory barriers order"], "\(both.rendered(.plain))")
        let alone = try analyzed(text, "\"memory barrier\" memory")
        #expect(alone.highlightedTexts.first == "Memory", "\(alone.rendered(.plain))")
        // Punctuation between the words does not break the phrase (the index's positions ignore it).
        #expect(try analyzed("a memory-barrier b", "\"memory barrier\"").highlightedTexts == ["memory-barrier"])
        #expect(try analyzed("the std::vec type; a vec", "\"std::vec\"").highlightedTexts == ["std::vec"])
        // Phrases in CJK: overlapping bigrams chain.
        #expect(try analyzed("京都と東京都", "\"東京都\"").highlightedTexts == ["東京都"])
    }

    @Test func aPhraseFarIntoTheTextIsFoundPastStrayWords() throws {
        let stray = "memory " + String(repeating: "filler words here. ", count: 40)
        let s = try analyzed(stray + "a memory barrier at last.", "\"memory barrier\"", columns: 60)
        #expect(s.highlightedTexts == ["memory barrier"], "\(s.rendered(.plain))")
    }
}
