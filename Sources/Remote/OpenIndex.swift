import Blocks
import Index
import ProllyTree
import Support

/// One or more indexes opened for reading as one view, from local folders or URLs, with what
/// reading them has cost.
public final class OpenedIndex: Sendable {
    public let view: IndexView
    /// The paths or URLs it was opened from, in order.
    public let locations: [String]
    /// The `manifest.json` bytes as read (verified), one per location.
    public let manifestBytes: [[UInt8]]
    let stores: [IndexStore]

    init(view: IndexView, locations: [String], manifestBytes: [[UInt8]], stores: [IndexStore]) {
        self.view = view
        self.locations = locations
        self.manifestBytes = manifestBytes
        self.stores = stores
    }

    /// The block store of the `i`th location (its own blocks: an earlier version of that index
    /// is read from them).
    public func blockStore(_ i: Int) -> BlockStore { stores[i].store }

    /// The first (for one index: the only) location.
    public var location: String { locations[0] }
    public var isRemote: Bool { stores.contains { $0.http != nil } }

    /// Requests, bytes, serial round trips and cache hits so far, the manifests included, summed
    /// over the locations. For a local folder every block read counts as a request and a round
    /// trip. Several locations are read in parallel batches (one per location and tree level),
    /// after their manifests one by one: round trips are the longest location's, plus one per
    /// further manifest.
    public var cost: ReadCost {
        var total = ReadCost()
        var longest = 0
        for s in stores {
            var c = ReadCost()
            if let http = s.http {
                c = http.cost
                c.cacheHits = s.caching?.cacheHits ?? 0
            } else if let d = s.store as? DirectoryStore {
                c.requests = d.counters.reads
                c.bytes = d.counters.bytesRead
                c.roundTrips = d.counters.reads
                c.blocks = d.counters.reads
            }
            total.add(c)
            longest = max(longest, c.roundTrips)
        }
        if stores.count > 1 { total.roundTrips = longest + stores.count - 1 }
        return total
    }
}

/// Where one index's blocks come from.
struct IndexStore: Sendable {
    var store: BlockStore
    var http: HTTPBlockStore?
    var caching: CachingStore?
}

/// The read policy of a reader with these options: the trust list's keys, and the versions
/// it has seen (kept next to the block cache; none without a cache folder).
public func readPolicy(trust: TrustList?, options: RemoteOptions) -> ReadPolicy {
    ReadPolicy(trustedKeys: trust?.keys, seen: options.cacheDirectory.map { SeenVersions(path: $0 + "/versions.json") })
}

/// Opens an index from a local folder (`manifest.json` + `blocks/`) or from an `http(s)://`
/// URL of such a folder as any static host serves it. Remote: the manifest is fetched (bounded
/// by `maxManifestSize`; revalidated with `If-None-Match`/`If-Modified-Since` when a cached
/// copy exists) and its signature and blocks verified; blocks then come through the on-disk
/// cache (unless `cacheDirectory` is nil) from `INDEX/blocks/<cid>` or the gateway.
public func openIndex(_ pathOrURL: String, options: RemoteOptions = .init(), policy: ReadPolicy = .init()) throws -> OpenedIndex {
    try openIndexes([pathOrURL], options: options, policy: policy)
}

/// Opens several indexes (folders or URLs, e.g. each group's published index) as one view,
/// composed exactly as a merge by reference of them would be.
public func openIndexes(_ locations: [String], options: RemoteOptions = .init(), policy: ReadPolicy = .init()) throws -> OpenedIndex {
    var sources: [IndexView.Source] = []
    var stores: [IndexStore] = []
    var names: [String] = []
    for location in locations {
        let (source, store, name) = try indexSource(location, options: options)
        sources.append(source)
        stores.append(store)
        names.append(name)
    }
    let view = try IndexView.open(sources, policy: policy, cacheBytes: options.cacheBytes)
    return OpenedIndex(view: view, locations: names, manifestBytes: sources.map(\.manifestBytes), stores: stores)
}

/// The manifest and block store of one index folder or URL, not yet verified (`IndexView.open`
/// verifies); for `merge`, which opens its inputs itself.
public func indexSource(_ pathOrURL: String, options: RemoteOptions = .init()) throws -> IndexView.Source {
    try indexSource(pathOrURL, options: options).source
}

func indexSource(_ pathOrURL: String, options: RemoteOptions) throws -> (source: IndexView.Source, store: IndexStore, name: String) {
    guard RemoteURL.isRemote(pathOrURL) else {
        let source = try IndexView.localSource(pathOrURL)
        return (source, IndexStore(store: source.store), pathOrURL)
    }
    let base = try RemoteURL.normalized(pathOrURL)
    let fetcher = Fetcher(options: options)
    let cache = try options.cacheDirectory.map { try BlockCache(directory: $0, limit: options.cacheLimit) }
    let manifestURL = base + "/" + Manifest.fileName
    let (bytes, bootstrap) = try ManifestFetch.fetch(manifestURL, bootstrap: base + "/" + Bootstrap.fileName, fetcher: fetcher, cache: cache)
    // Where the folder keeps its blocks; a layout this version does not know is refused by
    // `IndexView.open` when it parses the manifest.
    let http = try HTTPBlockStore(
        base: options.gateway ?? base, gateway: options.gateway != nil, layout: BlockLayout(manifestBytes: bytes), fetcher: fetcher)
    let store: BlockStore
    var caching: CachingStore? = nil
    if let cache {
        caching = CachingStore(upstream: http, cache: cache)
        store = caching!
    } else {
        store = http
    }
    return (
        IndexView.Source(manifestBytes: bytes, path: manifestURL, store: store, bootstrapFile: bootstrap),
        IndexStore(store: store, http: http, caching: caching), base
    )
}

/// Fetches `manifest.json`, the one mutable file of an index, revalidating a cached copy.
enum ManifestFetch {
    /// The manifest's bytes and `bootstrap.car`'s (nil when the folder has none). A reader
    /// without a cached copy asks for both in one round trip. One revalidating its copy skips
    /// the file (its blocks are in the block cache) unless the manifest changed and signs
    /// another file than the cached one: then the file is worth a second round trip, since the
    /// new segments' upper levels would otherwise be read level by level.
    static func fetch(_ url: String, bootstrap: String, fetcher: Fetcher, cache: BlockCache?) throws -> (manifest: [UInt8], bootstrap: [UInt8]?) {
        let cached = cache.flatMap { read($0, url) }
        var headers: [(String, String)] = []
        if let cached {
            if let e = cached.etag { headers.append(("If-None-Match", e)) }
            if let m = cached.lastModified { headers.append(("If-Modified-Since", m)) }
        }
        // An index written before the file, or a host that lost it, answers 404: read as without it.
        let fileRequest = FetchRequest(url: bootstrap, limit: Manifest.maxBytes, acceptedStatuses: [404, 403, 410])
        var requests = [
            FetchRequest(
                url: url, limit: fetcher.options.maxManifestSize, headers: headers,
                acceptedStatuses: cached == nil ? [] : [304])
        ]
        if cached == nil { requests.append(fileRequest) }
        let answers = try fetcher.fetchAll(requests)
        fetcher.count { $0.roundTrips += 1 }
        let response = try answers[0].get()
        let cachedFile = cache.flatMap { read($0, bootstrap)?.body }
        if response.status == 304, let cached { return (cached.body, cachedFile) }
        var fetched = answers.count > 1 ? (try? answers[1].get()).flatMap { $0.status == 200 ? $0 : nil } : nil
        if cached != nil, let signed = signedFileHash(response.body), cachedFile.map(Bootstrap.hash) != signed {
            fetched = try fetcher.fetchAll([fileRequest])[0].get()
            fetcher.count { $0.roundTrips += 1 }
            if fetched?.status != 200 { fetched = nil }
        }
        // The file is kept beside the cached manifest: a warm reader takes its blocks from
        // there (one that no longer matches a changed manifest's hash is not used).
        if let cache, let fetched { write(cache, bootstrap, FetchResponse(status: 200, body: fetched.body)) }
        if let cache, response.etag != nil || response.lastModified != nil {
            write(cache, url, response)
        }
        return (response.body, fetched?.body ?? cachedFile)
    }

    /// The `bootstrapCAR` hash a manifest's bytes name, unverified: it only decides whether to
    /// fetch the file, which `IndexView` checks against the verified manifest before using it.
    static func signedFileHash(_ manifest: [UInt8]) -> [UInt8]? {
        (try? JSON.parse(manifest))?["bootstrapCAR"]?.string.flatMap(Hex.decode)
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
