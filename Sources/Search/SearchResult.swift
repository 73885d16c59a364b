import Snippets

/// One result as `indexer search` and `/api/search` show it; filled in by `IndexSearch`.
public struct SearchResult: Hashable, Sendable {
    public var url: String
    /// The document's title; empty when it has none (the URL is shown instead).
    public var title: String
    /// Capture date in seconds since 1970-01-01 UTC (as `Document.date`), if known.
    public var date: Int64?
    public var score: Double
    /// The group that published the document (its group ID).
    public var group: String
    public var snippet: Snippet
    /// The public key (hex) whose signature vouches for the document: its group's own, or that
    /// of a compactor the reader trusts.
    public var voucher: String
    /// The group's display name, when the index's signer publishes one (`GroupNames`).
    public var groupName: String? = nil
    /// The capture: `WARC-Record-ID`, the source file as the build named it and the record's
    /// (or its gzip member's) offset; nil for documents that did not come from a record.
    public var recordID: String? = nil
    public var file: String? = nil
    public var offset: Int64? = nil
    /// The link to the capture in a replay tool (`ReplayTemplate`), when there is a template.
    public var replay: String? = nil
    /// The author (`handle@host`) and their display name, from the site's profile.
    public var author: String? = nil
    public var authorName: String? = nil
    /// The URL of the post this one replies to, as the post names it.
    public var parent: String? = nil

    public init(url: String, title: String, date: Int64?, score: Double, group: String, snippet: Snippet, voucher: String = "") {
        self.voucher = voucher
        self.url = url
        self.title = title
        self.date = date
        self.score = score
        self.group = group
        self.snippet = snippet
    }
}
