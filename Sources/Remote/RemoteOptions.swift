/// How a remote index is fetched. The defaults suit a static host or CDN over the internet;
/// tests shrink the timeouts.
public struct RemoteOptions: Sendable {
    /// An IPFS trustless gateway (`https://host`) to fetch blocks from as `GATEWAY/ipfs/<cid>`
    /// with `Accept: application/vnd.ipld.raw`; nil fetches `INDEX/blocks/<cid>` beside the
    /// manifest. The manifest always comes from the index URL: it is not part of the DAG.
    public var gateway: String? = nil
    /// Seconds one request may take from sending to the last body byte (connect included).
    public var timeout: Double = 15
    /// Seconds allowed to establish a connection, within `timeout`.
    public var connectTimeout: Double = 5
    /// Further attempts after a transient failure (5xx, 429, timeout, reset, truncated body).
    public var retries: Int = 2
    /// Seconds before the first retry; doubled for each further one (with ±25 % jitter).
    public var backoff: Double = 0.25
    /// Follow HTTP redirects (at most 5); a hub fetching for registrants turns this off.
    public var followRedirects = true
    /// Requests in flight at once per store (and keep-alive connections per host).
    public var concurrency: Int = 16
    /// Largest block accepted, in bytes (as `DirectoryStore`'s limit: our nodes are far smaller).
    public var maxBlockSize: Int = 16 << 20
    /// Largest `manifest.json` accepted, in bytes (as `Manifest.verified`'s limit).
    public var maxManifestSize: Int = 64 << 20
    /// The on-disk block cache; nil for none.
    public var cacheDirectory: String? = BlockCache.defaultDirectory()
    /// The cache's size bound in bytes; the least recently used blocks go first.
    public var cacheLimit: Int = 1 << 30
    /// About how much memory the index's node reader keeps decoded nodes in.
    public var cacheBytes: Int = 64 << 20

    public init() {}
}
