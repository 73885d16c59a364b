import Blocks
import Index
import ProllyTree
import Support

/// An index opened for reading from a local folder or a URL, with what reading it has cost.
public final class OpenedIndex: Sendable {
    public let shard: Shard
    /// The path or URL it was opened from.
    public let location: String
    /// The `manifest.json` bytes as read (verified).
    public let manifestBytes: [UInt8]
    let http: HTTPBlockStore?
    let caching: CachingStore?

    init(shard: Shard, location: String, manifestBytes: [UInt8], http: HTTPBlockStore?, caching: CachingStore?) {
        self.shard = shard
        self.location = location
        self.manifestBytes = manifestBytes
        self.http = http
        self.caching = caching
    }

    public var isRemote: Bool { http != nil }

    /// Requests, bytes, serial round trips and cache hits so far, the manifest included. For a
    /// local folder every block read counts as a request and a round trip.
    public var cost: ReadCost {
        if let http {
            var c = http.cost
            c.cacheHits = caching?.cacheHits ?? 0
            return c
        }
        var c = ReadCost()
        if let d = shard.store as? DirectoryStore {
            c.requests = d.counters.reads
            c.bytes = d.counters.bytesRead
            c.roundTrips = d.counters.reads
            c.blocks = d.counters.reads
        }
        return c
    }
}

/// Opens an index from a local folder (`manifest.json` + `blocks/`) or from an `http(s)://`
/// URL of such a folder as any static host serves it. Remote: the manifest is fetched (bounded
/// by `maxManifestSize`; revalidated with `If-None-Match`/`If-Modified-Since` when a cached
/// copy exists) and its signature and root block verified; blocks then come through the
/// on-disk cache (unless `cacheDirectory` is nil) from `INDEX/blocks/<cid>` or the gateway.
public func openIndex(_ pathOrURL: String, options: RemoteOptions = .init()) throws -> OpenedIndex {
    guard RemoteURL.isRemote(pathOrURL) else {
        let (shard, bytes) = try Shard.openReadingManifest(directory: pathOrURL, cacheNodes: options.cacheNodes)
        return OpenedIndex(shard: shard, location: pathOrURL, manifestBytes: bytes, http: nil, caching: nil)
    }
    let base = try RemoteURL.normalized(pathOrURL)
    let fetcher = Fetcher(options: options)
    let http = try HTTPBlockStore(base: options.gateway ?? base, gateway: options.gateway != nil, fetcher: fetcher)
    let cache = try options.cacheDirectory.map { try BlockCache(directory: $0, limit: options.cacheLimit) }
    let store: BlockStore
    var caching: CachingStore? = nil
    if let cache {
        caching = CachingStore(upstream: http, cache: cache)
        store = caching!
    } else {
        store = http
    }
    let manifestURL = base + "/" + Manifest.fileName
    let bytes = try ManifestFetch.fetch(manifestURL, fetcher: fetcher, cache: cache)
    let shard = try Shard.open(manifestBytes: bytes, path: manifestURL, store: store, cacheNodes: options.cacheNodes)
    return OpenedIndex(shard: shard, location: base, manifestBytes: bytes, http: http, caching: caching)
}

/// Fetches `manifest.json`, the one mutable file of an index, revalidating a cached copy.
enum ManifestFetch {
    static func fetch(_ url: String, fetcher: Fetcher, cache: BlockCache?) throws -> [UInt8] {
        let cached = cache.flatMap { read($0, url) }
        var headers: [(String, String)] = []
        if let cached {
            if let e = cached.etag { headers.append(("If-None-Match", e)) }
            if let m = cached.lastModified { headers.append(("If-Modified-Since", m)) }
        }
        let response = try fetcher.fetchOne(
            FetchRequest(
                url: url, limit: fetcher.options.maxManifestSize, headers: headers,
                acceptedStatuses: cached == nil ? [] : [304]))
        fetcher.count { $0.roundTrips += 1 }
        if response.status == 304, let cached { return cached.body }
        if let cache, response.etag != nil || response.lastModified != nil {
            write(cache, url, response)
        }
        return response.body
    }

    /// `CACHE/manifests/<CID of the URL>`: one line `etag<TAB>last-modified`, then the bytes.
    static func path(_ cache: BlockCache, _ url: String) -> String {
        cache.directory + "/manifests/" + CID(of: Array(url.utf8)).description
    }

    static func read(_ cache: BlockCache, _ url: String) -> FetchResponse? {
        guard let raw = try? FileSystem.readFile(path(cache, url), limit: 65 << 20),
            let nl = raw.firstIndex(of: 0x0A)
        else { return nil }
        let fields = String(decoding: raw[..<nl], as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 2 else { return nil }
        return FetchResponse(
            status: 200, body: Array(raw[(nl + 1)...]),
            etag: fields[0].isEmpty ? nil : String(fields[0]),
            lastModified: fields[1].isEmpty ? nil : String(fields[1]))
    }

    static func write(_ cache: BlockCache, _ url: String, _ r: FetchResponse) {
        func clean(_ s: String?) -> String { (s ?? "").filter { $0 != "\t" && $0 != "\n" && $0 != "\r" } }
        let head = Array((clean(r.etag) + "\t" + clean(r.lastModified) + "\n").utf8)
        try? FileSystem.makeDirectories(cache.directory + "/manifests")
        try? FileSystem.writeAtomically(path(cache, url), head + r.body)
    }
}
