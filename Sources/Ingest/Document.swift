import Support

/// Where a record came from: the file, and a byte offset a reader can seek to.
///
/// For plain WARCs `offset` is the record's first byte and `inner` is 0. For `.warc.gz` and
/// `.warc.zst`, `offset` is the start of the gzip member or zstd frame holding the record's first
/// byte (what CDX indexes record) and `inner` is how many decompressed bytes into that member the
/// record starts (0 when members line up with records, as they should). Inside a WACZ, `file` is
/// `package.wacz#archive/name.warc.gz` and offsets are within that member's bytes. For site
/// folders `file` is the file's path and both offsets are 0.
public struct SourceRef: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var offset: Int64
    public var inner: Int64

    public init(file: String, offset: Int64 = 0, inner: Int64 = 0) {
        self.file = file
        self.offset = offset
        self.inner = inner
    }

    /// `file:offset`, or `file:offset+inner` when the record starts inside a compressed member.
    public var description: String {
        inner == 0 ? "\(file):\(offset)" : "\(file):\(offset)+\(inner)"
    }
}

/// A `revisit` record's pointer to the capture whose payload it repeats.
public struct RevisitInfo: Sendable, Hashable {
    /// `WARC-Refers-To`: the original record's `WARC-Record-ID`, when given.
    public var refersTo: String?
    /// `WARC-Refers-To-Target-URI` (WARC 1.1).
    public var refersToTargetURI: String?
    /// `WARC-Refers-To-Date` (WARC 1.1), seconds since 1970 UTC.
    public var refersToDate: Int64?
    /// `WARC-Profile`: identical-payload-digest or server-not-modified.
    public var profile: String?
}

/// One searchable document, the unit the index build consumes.
///
/// `text` is the main body as extracted (HTML without script/style/nav boilerplate, decoded plain
/// text, Markdown without its syntax, a post's text); the analyzer turns it into terms later.
/// A `revisit` document has empty text: it records that `url` was captured again at `date` with
/// the payload of `revisit` (or of the record with the same `payloadDigest`).
public struct Document: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A WARC `response` record's HTTP payload.
        case response
        /// A WARC `resource` record's block.
        case resource
        /// A WARC `conversion` record (e.g. WET text).
        case conversion
        /// A WARC `revisit` record: no text of its own.
        case revisit
        /// A file of a site folder (HTML, Markdown, plain text).
        case page
        /// A peer-to-peer post (`posts/*.json`, `statuses/*.json`).
        case post
        /// A peer-to-peer profile (`profile.json`).
        case profile
    }

    public var kind: Kind
    public var url: String
    public var title: String?
    public var text: String
    public var description: String?
    /// Capture date (`WARC-Date`) or a post's `createdAt`, in seconds since 1970-01-01 UTC.
    public var date: Int64?
    /// The media type the text came from, lowercased, without parameters (e.g. `text/html`).
    public var mime: String
    /// Language tag as the source declares it (`<html lang>`, `Content-Language`), if any.
    public var lang: String?
    /// Content digest for dedup: `blake2b-256:` + hex of BLAKE2b-256 over the UTF-8 bytes of
    /// `title ?? ""`, one 0x00 byte, then `text`. Identical extracted content gives identical
    /// digests whatever the markup, headers or compression around it.
    public var digest: String
    public var source: SourceRef
    /// `#hashtags` of posts and profiles, without `#`, lowercased, each once, in order of appearance.
    public var tags: [String]
    /// `@mentions` of posts and profiles, without the leading `@`, each once, in order of appearance.
    public var mentions: [String]
    /// The post this one replies to, as the source names it (a URL or an id).
    public var threadParent: String?
    /// Outgoing links as written in the source (not resolved against `url`).
    public var links: [String]
    /// `WARC-Record-ID`, when the document came from a WARC record.
    public var recordID: String?
    /// `WARC-Payload-Digest` as written (e.g. `sha1:…`), linking revisits to originals.
    public var payloadDigest: String?
    /// Set for `revisit` documents.
    public var revisit: RevisitInfo?
    /// The HTTP status of a `response` or `revisit` record.
    public var httpStatus: Int?
    /// For a site folder's documents: the author from the profile of the folder (or the nearest
    /// folder above it), as `SiteAuthor.id`, and the profile's display name.
    public var author: String? = nil
    public var authorName: String? = nil

    public init(
        kind: Kind, url: String, title: String? = nil, text: String, description: String? = nil,
        date: Int64? = nil, mime: String, lang: String? = nil, source: SourceRef,
        tags: [String] = [], mentions: [String] = [], threadParent: String? = nil, links: [String] = [],
        recordID: String? = nil, payloadDigest: String? = nil, revisit: RevisitInfo? = nil, httpStatus: Int? = nil
    ) {
        self.kind = kind
        self.url = url
        self.title = title
        self.text = text
        self.description = description
        self.date = date
        self.mime = mime
        self.lang = lang
        self.digest = Document.contentDigest(title: title, text: text)
        self.source = source
        self.tags = tags
        self.mentions = mentions
        self.threadParent = threadParent
        self.links = links
        self.recordID = recordID
        self.payloadDigest = payloadDigest
        self.revisit = revisit
        self.httpStatus = httpStatus
    }

    /// `date` as ISO 8601 (`2024-05-01T12:00:00Z`), or nil.
    public var dateISO: String? { date.map(ISODate.format) }
}
