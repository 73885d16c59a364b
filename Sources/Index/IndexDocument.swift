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
    /// Content digest, a hash (ingest's is BLAKE2b-256); identical captures collapse on it at
    /// query time. The index keeps its first 8 bytes (`DocRecord.digestKey`), so anything not
    /// a hash would collapse documents that merely share a prefix.
    public var digest: [UInt8]
    /// `file:offset` of the record it came from (`DocRecord.source`).
    public var source: String
    /// `WARC-Record-ID`, for documents from WARC records.
    public var recordID: String?
    public var tags: [String]
    public var mentions: [String]
    public var parent: String?
    /// The author, from the profile of the site folder the document came from: `handle@host`
    /// (`SiteAuthor.id`), and the profile's display name.
    public var author: String? = nil
    public var authorName: String? = nil

    public init(
        url: String, title: String, text: String, date: Int64? = nil, lang: String? = nil, mime: String = "text/html",
        digest: [UInt8], source: String, recordID: String? = nil, tags: [String] = [], mentions: [String] = [],
        parent: String? = nil
    ) {
        self.url = url
        self.title = title
        self.text = text
        self.date = date
        self.lang = lang
        self.mime = mime
        self.digest = digest
        self.source = source
        self.recordID = recordID
        self.tags = tags
        self.mentions = mentions
        self.parent = parent
    }
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
