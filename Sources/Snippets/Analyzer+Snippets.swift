// The wasm build (`make wasm`) compiles Analysis, Query and Snippets as one module.
#if canImport(Analysis)
    import Analysis
    import Query
#endif

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
            analyze: { text in
                // Per position: a compound shares its first part's position.
                var positions: [Int: [String]] = [:]
                for t in analyzer.tokens(text, stemming: stemming) { positions[t.position, default: []].append(t.term) }
                return positions.keys.sorted().map { positions[$0]! }
            },
            normalizePrefix: Analyzer.foldForPrefix)
    }
}

extension HighlightTerms {
    /// The highlight terms of a search hit: `searched`, the terms the evaluator looked up
    /// (prefix expansions included), with each phrase clause of `query` (of two or more words)
    /// marked only where it occurs, unless its word was also typed alone.
    public init(query: QueryNode, searched: [String], prefixes: [String], analyzer: Analyzer) {
        // Per position, both forms a document may hold (as the evaluator's phrases look them up).
        func positions(_ text: String) -> [[String]] {
            Dictionary(grouping: analyzer.analyzeQuery(text), by: { $0.position }).sorted { $0.key < $1.key }
                .map { $0.value.flatMap { [$0.stemmed, $0.unstemmed] } }
        }
        let phrases = query.positiveTexts.filter { $0.kind == .phrase }.map { positions($0.text) }
        let phraseTerms = Set(phrases.joined().joined())
        let wordTerms = Set(query.positiveTexts.filter { $0.kind == .term }.flatMap { positions($0.text).joined() })
        self.init(
            terms: searched.filter { !phraseTerms.contains($0) || wordTerms.contains($0) }, prefixes: prefixes, phrases: phrases)
    }
}
