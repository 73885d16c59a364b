import ArgumentParser
import Index
import Remote

/// How commands that read an index reach it: a local folder or an `http(s)://` URL, with the
/// block cache, gateway, timeouts and trust list for remote ones.
struct IndexAccess: ParsableArguments {
    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp("Block cache for remote indexes (default $XDG_CACHE_HOME/indexer or ~/.cache/indexer).", valueName: "dir"))
    var cacheDirectory: String?
    @Flag(name: .customLong("no-cache"), help: "Fetch every block from the network; keep nothing on disk.")
    var noCache = false
    @Option(name: .customLong("cache-size"), help: ArgumentHelp("Cache size bound in MiB; least recently used blocks are evicted.", valueName: "MiB"))
    var cacheMiB = 1024
    @Option(
        help: ArgumentHelp(
            "Fetch blocks from this IPFS trustless gateway as GATEWAY/ipfs/<cid> (the manifest still comes from the index URL).", valueName: "url"))
    var gateway: String?
    @Option(help: ArgumentHelp("Seconds one HTTP request may take.", valueName: "seconds"))
    var timeout = 15.0
    @Option(help: "Further attempts after a 5xx, timeout or dropped connection.")
    var retries = 2
    @Option(
        help: ArgumentHelp(
            "Use only segments signed by these keys: a file of Ed25519 public keys, one 64-hex-digit key per line (# comments).",
            valueName: "file"))
    var trust: String?
    @Flag(
        name: .customLong("accept-older"),
        help: "Read a group's version even if a newer one was seen before (replay protection off for this command).")
    var acceptOlder = false

    func validate() throws {
        guard timeout > 0 && timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
        guard (0...10).contains(retries) else { throw ValidationError("--retries must be between 0 and 10") }
        guard cacheMiB >= 1 else { throw ValidationError("--cache-size must be at least 1 MiB") }
    }

    var remoteOptions: RemoteOptions {
        var o = RemoteOptions()
        o.timeout = timeout
        o.connectTimeout = min(timeout, o.connectTimeout)
        o.retries = retries
        o.gateway = gateway
        o.cacheDirectory = noCache ? nil : (cacheDirectory ?? BlockCache.defaultDirectory())
        o.cacheLimit = cacheMiB << 20
        return o
    }

    /// The read policy: `--trust`'s keys, and the versions seen before (kept in the cache folder,
    /// so a replayed older version is refused).
    func policy(acceptOlder: Bool = false) throws -> ReadPolicy {
        var p = readPolicy(trust: try trust.map { try TrustList(contentsOf: $0) }, options: remoteOptions)
        if acceptOlder || self.acceptOlder { p.seen = nil }
        return p
    }

    /// Opens an index known to be older than one read since (`diff`'s first argument): no replay check.
    func openOlder(_ location: String) throws -> OpenedIndex {
        try openIndex(location, options: remoteOptions, policy: try policy(acceptOlder: true))
    }

    /// Opens `location` (a folder or URL) under the policy.
    func open(_ location: String) throws -> OpenedIndex {
        try openIndex(location, options: remoteOptions, policy: try policy())
    }

    /// Opens several indexes as one view (composed as a merge by reference would be).
    func open(_ locations: [String]) throws -> OpenedIndex {
        try openIndexes(locations, options: remoteOptions, policy: try policy())
    }
}

/// What a reader left out of an index (untrusted, replaced or invalid versions), on stderr.
func reportExclusions(_ view: IndexView) {
    for e in view.excluded { printError("note: \(e.reason)") }
}
