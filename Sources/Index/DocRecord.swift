import Blocks

/// What the docs tree stores per DocRef: what a result line shows and what scoring and
/// collapsing need. Encoded as a canonical DAG-CBOR map (readable by any IPLD tool).
public struct DocRecord: Equatable, Sendable {
    public var url: String
    public var title: String
    /// Capture or publication time, seconds since 1970 (UTC); nil when unknown.
    public var date: Int64?
    public var lang: String?
    public var mime: String
    /// Terms in the body and title fields (the BM25 lengths).
    public var bodyLength: UInt32
    public var titleLength: UInt32
    /// Content digest: identical captures published by two groups collapse on it. From format 7
    /// its first `digestLength` bytes (`digestKey`); older records hold all 32.
    public var digest: [UInt8]
    /// Where it came from: `file:offset` of the record (`file:offset+inner` when it starts inside
    /// a compressed member; `SourceRef.description`). `file` is named relative to the build's
    /// input (`crawl.warc.gz`, `coll.wacz#archive/data.warc.gz`, `site/a.html`), never a local
    /// absolute path; indexes built before that may hold the path as given.
    public var source: String
    /// `WARC-Record-ID` of the record (`<urn:uuid:…>`), for documents from WARC records. Format 7
    /// keeps it in the text head (`TextChunks.Head.recordID`) when the head is a block of its
    /// own: random, it was a third of a compressed record. A head inline in the record leaves it
    /// here (in the head it would push the head out into a block). Readers showing a hit take
    /// the record's, else the head's (`IndexView.recordsAndTexts`).
    public var recordID: String?
    /// Thread parent of a post (peer-to-peer sites), if any.
    public var parent: String?
    /// Hashtags and mentions as published (kept so a merge can re-derive a document's postings).
    public var tags: [String]
    public var mentions: [String]
    /// The author (`handle@host`) and their display name, from the site's profile (format 2).
    public var author: String? = nil
    public var authorName: String? = nil
    /// The text's head (format 3, `TextChunks.Head`): its block, or the head itself when
    /// short. nil in records of older segments, whose text is the text tree's value under the
    /// DocRef.
    public var text: TextChunks.Stored? = nil

    public init(
        url: String, title: String, date: Int64?, lang: String?, mime: String, bodyLength: UInt32,
        titleLength: UInt32, digest: [UInt8], source: String, recordID: String? = nil, parent: String? = nil,
        tags: [String] = [], mentions: [String] = []
    ) {
        self.url = url
        self.title = title
        self.date = date
        self.lang = lang
        self.mime = mime
        self.bodyLength = bodyLength
        self.titleLength = titleLength
        self.digest = digest
        self.source = source
        self.recordID = recordID
        self.parent = parent
        self.tags = tags
        self.mentions = mentions
    }

    /// Bytes of `digest` a format 7 record keeps: a prefix of the 32-byte BLAKE2b. 64 bits keep
    /// an accidental collision out of reach, and a hostile group needs none: a record's digest is
    /// its group's word, so it could copy another page's (docs/FORMAT.md, format 7). Against 16
    /// bytes: rust-doc's cold top-10 page 75.2 -> 72.5 KiB, linux-doc's unchanged.
    public static let digestLength = 8

    /// A digest as digests compare, whichever format holds it: its first `digestLength` bytes,
    /// so a format 6 record (32 bytes) and a format 7 one of the same content are equal.
    public static func digestKey(_ digest: [UInt8]) -> [UInt8] {
        digest.count > digestLength ? Array(digest.prefix(digestLength)) : digest
    }

    public var encoded: [UInt8] {
        var entries: [(String, DagCBOR)] = [
            ("url", .text(url)), ("title", .text(title)), ("mime", .text(mime)),
            ("bodyLength", .unsigned(UInt64(bodyLength))), ("titleLength", .unsigned(UInt64(titleLength))),
            ("digest", .bytes(digest)), ("source", .text(source)),
        ]
        if let date { entries.append(("date", date >= 0 ? .unsigned(UInt64(date)) : .negative(UInt64(-1 - date)))) }
        if let lang { entries.append(("lang", .text(lang))) }
        if let parent { entries.append(("parent", .text(parent))) }
        if let recordID { entries.append(("recordID", .text(recordID))) }
        if !tags.isEmpty { entries.append(("tags", .array(tags.map { .text($0) }))) }
        if !mentions.isEmpty { entries.append(("mentions", .array(mentions.map { .text($0) }))) }
        if let author { entries.append(("author", .text(author))) }
        if let authorName { entries.append(("authorName", .text(authorName))) }
        if let text { entries.append(("text", .array(text.cbor))) }
        return DagCBOR.map(sorting: entries).encode()
    }

    public init(encoded bytes: [UInt8]) throws(ReadFailure) {
        let v = try DagCBOR.decode(bytes)
        guard let url = v["url"]?.string, let title = v["title"]?.string, let mime = v["mime"]?.string,
            let bl = v["bodyLength"]?.uint, bl <= UInt64(UInt32.max),
            let tl = v["titleLength"]?.uint, tl <= UInt64(UInt32.max),
            let digest = v["digest"]?.byteString, let source = v["source"]?.string
        else { throw IndexError.corrupt("document record lacks a required field") }
        self.url = url
        self.title = title
        self.mime = mime
        bodyLength = UInt32(bl)
        titleLength = UInt32(tl)
        self.digest = digest
        self.source = source
        date = v["date"].flatMap { d -> Int64? in
            switch d {
            case .unsigned(let u): u <= UInt64(Int64.max) ? Int64(u) : nil
            case .negative(let n): n < UInt64(Int64.max) ? -1 - Int64(n) : nil
            default: nil
            }
        }
        lang = v["lang"]?.string
        parent = v["parent"]?.string
        recordID = v["recordID"]?.string
        tags = v["tags"]?.array?.compactMap { $0.string } ?? []
        mentions = v["mentions"]?.array?.compactMap { $0.string } ?? []
        author = v["author"]?.string
        authorName = v["authorName"]?.string
        if let head = v["text"] {
            guard let a = head.array, let stored = TextChunks.Stored(a[...]) else {
                throw IndexError.corrupt("document record: text is not a link and length, nor bytes")
            }
            text = stored
        }
    }

    /// `source` split into the file and the record's byte offset (of its compressed member, as
    /// CDX indexes give it); nil when it does not end in `:offset` or `:offset+inner`.
    public var sourceLocation: (file: String, offset: Int64)? {
        guard let colon = source.lastIndex(of: ":") else { return nil }
        let parts = source[source.index(after: colon)...].split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let offset = Int64(parts[0])
        else { return nil }
        return (String(source[..<colon]), offset)
    }
}
