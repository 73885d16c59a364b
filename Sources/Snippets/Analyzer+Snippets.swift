import Analysis
import Query

/// The index's analyzer drives highlighting, so marks agree with what the index matched.
extension Analyzer: SnippetAnalyzer {
    /// A reusable term buffer (with its 200 KB stem cache, worth keeping across documents)
    /// and the current document's stemming.
    public struct SnippetScratch {
        var buffer = TermBuffer()
        var stemming = Analyzer.Stemming.english
    }

    public func makeScratch() -> SnippetScratch { SnippetScratch() }

    public func prepare(_ scratch: inout SnippetScratch, language: String?) {
        scratch.stemming = Stemming(language: language)
    }

    public func forEachTerm(
        of utf8: UnsafeRawBufferPointer, scratch: inout SnippetScratch,
        _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        scratch.buffer.removeAll()
        analyze(utf8, stemming: scratch.stemming, into: &scratch.buffer)
        scratch.buffer.bytes.withUnsafeBytes { all in
            for i in 0..<scratch.buffer.count { body(UnsafeRawBufferPointer(rebasing: all[scratch.buffer.range(i)])) }
        }
    }

    public func forEachSpan(
        of utf8: UnsafeRawBufferPointer, scratch: inout SnippetScratch,
        _ body: (Range<Int>, UnsafeRawBufferPointer) -> Void
    ) {
        // Pieces are cut on scalar boundaries, so decoding keeps every byte and offset.
        for span in spans(String(decoding: utf8, as: UTF8.self), stemming: scratch.stemming) {
            var term = span.term
            term.withUTF8 { body(span.utf8Range, UnsafeRawBufferPointer($0)) }
        }
    }
}

extension HighlightTerms {
    /// The highlight terms of `query` for a document in `language`: its positive words and
    /// phrases analyzed as that document was (stemmed for English or unknown languages,
    /// unstemmed otherwise), and its prefixes folded without stemming.
    public init(query: QueryNode, analyzer: Analyzer, language: String?) {
        let stemming = Analyzer.Stemming(language: language)
        self.init(
            query: query,
            analyze: { analyzer.tokens($0, stemming: stemming).map(\.term) },
            normalizePrefix: Analyzer.foldForPrefix)
    }
}
