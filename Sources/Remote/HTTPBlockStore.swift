import Blocks
import NIOHTTP1

/// Blocks over HTTP from a published index folder (`BASE/blocks/<xy>/<cid>`, or `BASE/blocks/<cid>`
/// for a folder whose manifest names no fan-out: `BlockLayout`) or an IPFS trustless
/// gateway (`GATEWAY/ipfs/<cid>`, raw blocks). Read-only.
///
/// Every block is verified against its CID before it is returned; `getMany` fetches a batch in
/// parallel over the keep-alive pool and counts as one serial round trip. Each call blocks the
/// calling thread (never call it on an event loop; it throws there rather than deadlock).
public final class HTTPBlockStore: BlockStore {
    /// The URL blocks are named under, without a trailing slash.
    public let base: String
    /// Fetches `base/ipfs/<cid>` with `Accept: application/vnd.ipld.raw` rather than `base/blocks/<cid>`.
    public let isGateway: Bool
    /// How the folder names its blocks (from its manifest); unused for a gateway.
    public let layout: BlockLayout
    let fetcher: Fetcher

    public var name: String { base }
    public var fetchesRemotely: Bool { true }
    public var cost: ReadCost { fetcher.counters }

    /// `base` is an index folder's URL, or a gateway's when `gateway` is true.
    public convenience init(base: String, gateway: Bool = false, layout: BlockLayout = .flat, options: RemoteOptions = .init()) throws {
        try self.init(base: base, gateway: gateway, layout: layout, fetcher: Fetcher(options: options))
    }

    init(base: String, gateway: Bool, layout: BlockLayout, fetcher: Fetcher) throws {
        self.base = try RemoteURL.normalized(base)
        isGateway = gateway
        self.layout = layout
        self.fetcher = fetcher
    }

    public func url(of cid: CID) -> String {
        isGateway ? base + "/ipfs/" + cid.description : base + "/blocks/" + layout.relativePath(cid)
    }

    private func request(_ cid: CID, method: HTTPMethod = .GET) -> FetchRequest {
        FetchRequest(
            url: url(of: cid), method: method, limit: fetcher.options.maxBlockSize,
            headers: isGateway ? [("Accept", "application/vnd.ipld.raw")] : [])
    }

    public func get(_ cid: CID) throws -> [UInt8] {
        try getMany([cid])[0]
    }

    /// The blocks in order, fetched in parallel (at most `concurrency` at once). Throws the
    /// first failure in order after the whole batch has settled.
    public func getMany(_ cids: [CID]) throws -> [[UInt8]] {
        try fetch(cids, missingIsNil: false).map { $0! }
    }

    /// As `getMany`, in one parallel batch, with nil for blocks the server answers 404/410 for.
    public func getPresent(_ cids: [CID]) throws -> [[UInt8]?] {
        try fetch(cids, missingIsNil: true)
    }

    private func fetch(_ cids: [CID], missingIsNil: Bool) throws -> [[UInt8]?] {
        if cids.isEmpty { return [] }
        // A batch can name one block twice (lookups in several trees reaching one node): one
        // request per distinct block, its answer given to every place that asked.
        var slot: [CID: Int] = [:]
        var unique: [CID] = []
        let places = cids.map { cid in
            if let i = slot[cid] { return i }
            slot[cid] = unique.count
            unique.append(cid)
            return unique.count - 1
        }
        let results = try fetcher.fetchAll(unique.map { request($0) })
        fetcher.count { $0.roundTrips += 1 }
        var got: [[UInt8]?] = []
        got.reserveCapacity(unique.count)
        for (cid, result) in zip(unique, results) {
            if missingIsNil, case .failure(.notFound) = result {
                got.append(nil)
                continue
            }
            let body = try result.get().body
            guard cid.matches(body) else { throw RemoteError.mismatch(url: url(of: cid)) }
            got.append(body)
        }
        fetcher.count { $0.blocks += got.count { $0 != nil } }
        return places.map { got[$0] }
    }

    /// A HEAD request: true on 2xx, false on 404/410.
    public func has(_ cid: CID) throws -> Bool {
        let results = try fetcher.fetchAll([request(cid, method: .HEAD)])
        fetcher.count { $0.roundTrips += 1 }
        switch results[0] {
        case .success: return true
        case .failure(.notFound): return false
        case .failure(let e): throw e
        }
    }

    public func put(_ bytes: [UInt8], cid: CID) throws {
        throw BlockError.io(path: base, message: "a remote index is read-only")
    }
}

/// Checks and normalizes base URLs.
enum RemoteURL {
    /// Whether `text` names a remote index rather than a local folder.
    static func isRemote(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// `text` without trailing slashes; throws `badURL` unless it is http(s) with a host.
    static func normalized(_ text: String) throws -> String {
        guard isRemote(text) else { throw RemoteError.badURL(text) }
        var s = Substring(text)
        while s.hasSuffix("/") { s = s.dropLast() }
        let afterScheme = s.drop { $0 != ":" }.dropFirst(3)
        guard !afterScheme.isEmpty, afterScheme.first != "/", !s.contains(where: { $0 == " " || $0 == "?" || $0 == "#" }) else {
            throw RemoteError.badURL(text)
        }
        return String(s)
    }
}
