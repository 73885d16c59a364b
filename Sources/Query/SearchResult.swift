/// One result as `indexer search` shows it; filled in by the evaluator.
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

    public init(url: String, title: String, date: Int64?, score: Double, group: String, snippet: Snippet) {
        self.url = url
        self.title = title
        self.date = date
        self.score = score
        self.group = group
        self.snippet = snippet
    }
}

/// What a search cost, as `--stats` and `--json` report it.
public struct SearchCounters: Hashable, Sendable {
    /// Block fetches issued (local reads or HTTP requests).
    public var requests: Int
    /// Bytes fetched.
    public var bytes: Int
    /// Serial round trips (levels of the trees fetched one after another).
    public var roundTrips: Int
    /// Distinct blocks read.
    public var blocks: Int
    /// Blocks answered by the local cache of a remote index, without a request.
    public var cacheHits: Int

    public init(requests: Int, bytes: Int, roundTrips: Int, blocks: Int, cacheHits: Int = 0) {
        self.requests = requests
        self.bytes = bytes
        self.roundTrips = roundTrips
        self.blocks = blocks
        self.cacheHits = cacheHits
    }
}
