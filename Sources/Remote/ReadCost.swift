/// What reading an index has cost: the one counter `--stats`, `--json` and the remote store
/// share. For a local folder every block read counts as one request and one round trip.
public struct ReadCost: Sendable, Hashable {
    /// Block fetches issued: HTTP requests (retries included) or local block reads.
    public var requests = 0
    /// Bytes received (response bodies, or block files read).
    public var bytes = 0
    /// Waits one after another: a single fetch or a parallel batch is one.
    public var roundTrips = 0
    /// Blocks answered by the on-disk cache without a request.
    public var cacheHits = 0
    /// Blocks fetched and verified.
    public var blocks = 0

    public init(requests: Int = 0, bytes: Int = 0, roundTrips: Int = 0, blocks: Int = 0, cacheHits: Int = 0) {
        self.requests = requests
        self.bytes = bytes
        self.roundTrips = roundTrips
        self.blocks = blocks
        self.cacheHits = cacheHits
    }
}

extension ReadCost {
    /// Adds another store's counts (indexes read one after another: round trips add up).
    public mutating func add(_ o: ReadCost) {
        requests += o.requests
        bytes += o.bytes
        roundTrips += o.roundTrips
        cacheHits += o.cacheHits
        blocks += o.blocks
    }
}
