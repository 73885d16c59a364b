/// A document as the index receives it from ingest.
package struct IndexDocument: Sendable {
    package var url: String
    package var title: String
    /// The extracted main text (the body field and the snippet source).
    package var text: String
    /// Seconds since 1970 UTC: capture time for archives, publication time for posts.
    package var date: Int64?
    package var lang: String?
    package var mime: String
    /// Content digest; identical captures collapse on it at query time.
    package var digest: [UInt8]
    /// `file@offset` of the record it came from.
    package var source: String
    package var tags: [String]
    package var mentions: [String]
    package var parent: String?

    package init(
        url: String, title: String, text: String, date: Int64? = nil, lang: String? = nil, mime: String = "text/html",
        digest: [UInt8], source: String, tags: [String] = [], mentions: [String] = [], parent: String? = nil
    ) {
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

/// Terms in flat arrays: term i is `bytes[ends[i-1]..<ends[i]]` at `positions[i]`.
package struct TermList: Sendable {
    package var bytes: [UInt8] = []
    package var ends: [Int32] = []
    package var positions: [Int32] = []
    /// The field length for BM25 (positions used).
    package var length = 0

    package init() {}

    package init(bytes: [UInt8], ends: [Int32], positions: [Int32], length: Int) {
        self.bytes = bytes
        self.ends = ends
        self.positions = positions
        self.length = length
    }

    package var count: Int { ends.count }

    @inline(__always) package func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i]) }
}
