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

/// The query side of highlighting: analyzed terms and prefixes, as the index stores them.
///
/// Build it from the same analyzer output the evaluator uses: every term of every positive
/// term and phrase clause, and every analyzed `prefix*` text (normalized but not stemmed: a
/// stemmed prefix would miss the terms it should expand to). Each distinct term and each
/// prefix is one "item" for passage coverage.
public struct HighlightTerms: Sendable {
    public let terms: [String]
    public let prefixes: [String]
    private let index: [String: Int]

    public init(terms: some Sequence<String>, prefixes: some Sequence<String> = []) {
        var unique: [String] = []
        var index: [String: Int] = [:]
        for t in terms where !t.isEmpty && index[t] == nil {
            index[t] = unique.count
            unique.append(t)
        }
        self.terms = unique
        var seen = Set<String>()
        self.prefixes = prefixes.filter { !$0.isEmpty && seen.insert($0).inserted }
        self.index = index
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
}

/// What snippets need from the analyzer: the tokens of a text with where they came from.
///
/// The index's analyzer conforms, so a word is highlighted exactly when its analyzed term is
/// a query term (`running` under the query `run` with the English stemmer; CJK bigrams).
public protocol SnippetTokenizer {
    /// Calls `body` for every token of `text` in text order: the token's UTF-8 byte range
    /// relative to the start of `text`, and its analyzed term. Overlapping ranges (bigrams) are
    /// allowed; ranges must lie on scalar boundaries.
    func forEachToken(in text: Substring, _ body: (Range<Int>, String) -> Void)
}
