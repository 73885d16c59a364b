/// A document as the index receives it from ingest.
public struct IndexDocument: Sendable {
    public var url: String
    public var title: String
    /// The extracted main text (the body field and the snippet source).
    public var text: String
    /// Seconds since 1970 UTC: capture time for archives, publication time for posts.
    public var date: Int64?
    public var lang: String?
    public var mime: String
    /// Content digest; identical captures collapse on it at query time.
    public var digest: [UInt8]
    /// `file@offset` of the record it came from.
    public var source: String
    public var tags: [String]
    public var mentions: [String]
    public var parent: String?

    public init(url: String, title: String, text: String, date: Int64? = nil, lang: String? = nil, mime: String = "text/html",
                digest: [UInt8], source: String, tags: [String] = [], mentions: [String] = [], parent: String? = nil) {
        self.url = url
        self.title = title
        self.text = text
        self.date = date
        self.lang = lang
        self.mime = mime
        self.digest = digest
        self.source = source
        self.tags = tags
        self.mentions = mentions
        self.parent = parent
    }
}

/// What the index and the search need from the analyzer. `Analysis.Analyzer` is the one
/// implementation the tool ships; the same one analyzes documents and queries.
public protocol TermAnalyzer: Sendable {
    /// Name and version, recorded in every manifest: indexes analyzed differently never merge.
    var identifier: String { get }
    /// Index terms of `text` in order with their positions, and the field's length (positions
    /// used) for BM25.
    func terms(_ text: String, language: String?) -> (terms: [(term: String, position: UInt32)], length: Int)
    /// The same terms in flat arrays, without a string per term (the build's hot loop).
    func termList(_ text: String, language: String?) -> TermList
    /// A query text's terms: per position, the forms a document may hold (stemmed for English
    /// or unknown-language documents, unstemmed for others).
    func queryTerms(_ text: String) -> [(alternatives: [String], position: UInt32)]
    /// A `prefix*` folded like indexed text, without stemming.
    func prefixTerm(_ text: String) -> String
    /// Words of a URL's host and path (the url field).
    func urlTerms(_ url: String) -> [String]
    /// The host and its parent domains (the site field).
    func siteTerms(_ url: String) -> [String]
    /// The language field's term for a language tag (`en` for `en-GB`).
    func languageTerm(_ tag: String?) -> String?
    /// A tag or mention folded for exact matching.
    func keyword(_ text: String) -> String
}

/// Terms in flat arrays: term i is `bytes[ends[i-1]..<ends[i]]` at `positions[i]`.
public struct TermList: Sendable {
    public var bytes: [UInt8] = []
    public var ends: [Int32] = []
    public var positions: [Int32] = []
    /// The field length for BM25 (positions used).
    public var length = 0

    public init() {}

    public init(bytes: [UInt8], ends: [Int32], positions: [Int32], length: Int) {
        self.bytes = bytes
        self.ends = ends
        self.positions = positions
        self.length = length
    }

    public var count: Int { ends.count }

    @inline(__always) public func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i]) }
}

extension TermAnalyzer {
    /// Builds the flat form from `terms` (for analyzers without a faster path).
    public func termList(_ text: String, language: String?) -> TermList {
        let t = terms(text, language: language)
        var list = TermList()
        for (term, position) in t.terms {
            list.bytes.append(contentsOf: term.utf8)
            list.ends.append(Int32(list.bytes.count))
            list.positions.append(Int32(position))
        }
        list.length = t.length
        return list
    }
}
