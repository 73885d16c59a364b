// The wasm build (`make wasm`) compiles Analysis, Query and Snippets as one module.
#if canImport(Query)
    import Query
#endif

/// A short passage of a document with the query's terms marked.
///
/// `text` is display-ready: whitespace runs collapsed to one space, control and bidi-override
/// characters removed (document text must not drive the terminal), `…` where the passage cuts
/// into a sentence. `highlights` are UTF-8 byte ranges into `text`, sorted, non-overlapping and
/// non-adjacent (touching matches, as CJK bigrams are, merge into one).
public struct Snippet: Hashable, Sendable {
    public var text: String
    public var highlights: [Range<Int>]
    /// False when no query term occurs in the scanned text and this is the document's opening.
    public var matched: Bool

    public init(text: String, highlights: [Range<Int>], matched: Bool) {
        self.text = text
        self.highlights = highlights
        self.matched = matched
    }

    /// The highlighted substrings, in order (for tests and `--json` consumers).
    public var highlightedTexts: [String] {
        let bytes = Array(text.utf8)
        return highlights.map { String(decoding: bytes[$0], as: UTF8.self) }
    }
}

/// The query side of highlighting: analyzed terms, phrases and prefixes, as the index stores
/// them.
///
/// For a document in a language the index does not stem, use the query's unstemmed terms.
///
/// Build it from the same analyzer output the evaluator uses: every term of every positive
/// term clause, the positions of every phrase clause, and every analyzed `prefix*` text
/// (normalized but not stemmed: a stemmed prefix would miss the terms it should expand to).
/// Each distinct term and each prefix is one "item" for passage coverage. A term that only
/// comes from phrases of two or more words is marked only inside an occurrence of its phrase:
/// `"memory barrier"` marks `memory barriers`, not a lone `memory` elsewhere.
public struct HighlightTerms: Sendable {
    public let terms: [String]
    public let prefixes: [String]
    private let index: [String: Int]
    /// UTF-8 of `terms` then `prefixes`, for matching analyzer output without making Strings.
    private let needles: [[UInt8]]
    /// Per phrase of two or more positions: per position, the items any of which may stand there.
    let phrases: [[Set<Int>]]
    /// Items marked only inside a phrase occurrence (indexed like `terms`).
    let phraseOnly: [Bool]

    /// `terms` and `prefixes` are marked wherever they occur; each phrase (per position, the
    /// terms that may stand there, as `IndexAnalyzer.queryTerms` gives them) where it occurs.
    public init(terms: some Sequence<String>, prefixes: some Sequence<String> = [], phrases: [[[String]]] = []) {
        var unique: [String] = []
        var index: [String: Int] = [:]
        for t in terms where !t.isEmpty && index[t] == nil {
            index[t] = unique.count
            unique.append(t)
        }
        let words = unique.count
        var seen = Set<String>()
        let prefixes = prefixes.filter { !$0.isEmpty && seen.insert($0).inserted }
        var phraseItems: [[Set<Int>]] = []
        for phrase in phrases {
            var positions: [Set<Int>] = []
            for alternatives in phrase {
                var items = Set<Int>()
                for t in alternatives where !t.isEmpty {
                    if index[t] == nil {
                        index[t] = unique.count
                        unique.append(t)
                    }
                    items.insert(index[t]!)
                }
                if !items.isEmpty { positions.append(items) }
            }
            if positions.count > 1 { phraseItems.append(positions) }
        }
        // A phrase word typed alone too, or one a prefix would mark, is marked everywhere.
        var phraseOnly = (0..<unique.count).map { $0 >= words && !prefixes.contains(where: unique[$0].hasPrefix) }
        let inLongPhrases = Set(phraseItems.flatMap { $0.flatMap { $0 } })
        for i in phraseOnly.indices where !inLongPhrases.contains(i) { phraseOnly[i] = false }
        self.terms = unique
        self.prefixes = prefixes
        self.index = index
        self.needles = (unique + prefixes).map { Array($0.utf8) }
        self.phrases = phraseItems
        self.phraseOnly = phraseOnly + Array(repeating: false, count: prefixes.count)
    }

    /// The highlight terms of a parsed query: every positive term, phrase and prefix clause
    /// (not those under a `not`, nor filters), analyzed by `analyze` (the index's analyzer on
    /// query text: per position, the terms that may stand there) and, for prefixes, by
    /// `normalizePrefix` (folding without stemming).
    public init(query: QueryNode, analyze: (String) -> [[String]], normalizePrefix: (String) -> String) {
        var terms: [String] = []
        var phrases: [[[String]]] = []
        var prefixes: [String] = []
        for clause in query.positiveTexts {
            switch clause.kind {
            case .term: terms += analyze(clause.text).flatMap { $0 }
            case .phrase: phrases.append(analyze(clause.text))
            case .prefix: prefixes.append(normalizePrefix(clause.text))
            }
        }
        self.init(terms: terms, prefixes: prefixes, phrases: phrases)
    }

    /// Number of distinct items a passage can cover.
    public var itemCount: Int { terms.count + prefixes.count }

    public var isEmpty: Bool { itemCount == 0 }

    /// The item a token's analyzed term matches: the exact term if it is one, else the first
    /// prefix it starts with; nil when it matches nothing.
    public func item(for term: String) -> Int? {
        if let i = index[term] { return i }
        for (k, p) in prefixes.enumerated() where term.hasPrefix(p) { return terms.count + k }
        return nil
    }

    /// `item(for:)` on UTF-8 bytes. Query terms are few, so a scan comparing lengths first
    /// beats hashing (which would need an allocation per document token).
    func item(forUTF8 term: UnsafeRawBufferPointer) -> Int? {
        for k in 0..<terms.count where needles[k].count == term.count {
            if needles[k].withUnsafeBytes({ $0.elementsEqual(term) }) { return k }
        }
        for k in terms.count..<needles.count where needles[k].count <= term.count {
            if needles[k].withUnsafeBytes({ $0.elementsEqual(UnsafeRawBufferPointer(rebasing: term[0..<$0.count])) }) { return k }
        }
        return nil
    }

    /// Raw byte patterns to probe long texts with (see `SnippetBuilder`).
    var probeNeedles: [[UInt8]] { needles }
}

/// What snippets need from the analyzer: the terms of a text, and where each came from.
///
/// The index's analyzer conforms, so a word is highlighted exactly when its analyzed term is
/// a query term (`running` under the query `run` with the English stemmer; CJK bigrams).
/// Snippets call it on pieces of a document cut at whitespace, which is only sound because no
/// token spans whitespace; `scratch` lets the conformer reuse its buffers across calls.
public protocol SnippetAnalyzer {
    associatedtype Scratch
    /// Fresh scratch state (buffers, caches); reusable across documents via `prepare`.
    func makeScratch() -> Scratch
    /// Sets `scratch` up to analyze text of a document in `language` (which decides stemming)
    /// as indexing that document did.
    func prepare(_ scratch: inout Scratch, language: String?)
    /// Calls `body` with each term (UTF-8 bytes, valid only during the call) of `utf8`. The
    /// fast path: most of a document is only ever checked for terms.
    func forEachTerm(of utf8: UnsafeRawBufferPointer, scratch: inout Scratch, _ body: (UnsafeRawBufferPointer) -> Void)
    /// Calls `body` with each term of `utf8` and the byte range of `utf8` it came from: the
    /// text to mark when the term matches. Called only on pieces known to hold a match.
    func forEachSpan(
        of utf8: UnsafeRawBufferPointer, scratch: inout Scratch,
        _ body: (Range<Int>, UnsafeRawBufferPointer) -> Void)
}
