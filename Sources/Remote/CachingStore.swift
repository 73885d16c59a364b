import Blocks
import Synchronization

/// A read-through cache in front of another store: blocks found in the on-disk `BlockCache`
/// cost no request; the rest come from `upstream` (verified there) and are kept.
public final class CachingStore: BlockStore {
    public let upstream: BlockStore
    public let cache: BlockCache
    private let hits = Atomic<Int>(0)

    public var name: String { upstream.name }
    /// Blocks answered from the cache.
    public var cacheHits: Int { hits.load(ordering: .relaxed) }

    public init(upstream: BlockStore, cache: BlockCache) {
        self.upstream = upstream
        self.cache = cache
    }

    public func get(_ cid: CID) throws -> [UInt8] {
        try getMany([cid])[0]
    }

    /// Cached blocks from disk, the others in one upstream batch (one round trip).
    public func getMany(_ cids: [CID]) throws -> [[UInt8]] {
        let found = try getPresent(cids)
        if let i = found.firstIndex(where: { $0 == nil }) { throw BlockError.notFound(cid: cids[i], source: name) }
        return found.map { $0! }
    }

    /// Cached blocks from disk, the others in one upstream batch; nil where upstream has none.
    public func getPresent(_ cids: [CID]) throws -> [[UInt8]?] {
        var out = [[UInt8]?](repeating: nil, count: cids.count)
        var missing: [Int] = []
        for (i, cid) in cids.enumerated() {
            if let b = cache.read(cid) { out[i] = b } else { missing.append(i) }
        }
        hits.add(cids.count - missing.count, ordering: .relaxed)
        if !missing.isEmpty {
            let fetched = try upstream.getPresent(missing.map { cids[$0] })
            for (i, bytes) in zip(missing, fetched) {
                guard let bytes else { continue }
                cache.write(cids[i], bytes)
                out[i] = bytes
            }
        }
        return out
    }

    public func has(_ cid: CID) throws -> Bool {
        try cache.contains(cid) || upstream.has(cid)
    }

    public func holdsLocally(_ cid: CID) -> Bool { cache.contains(cid) || upstream.holdsLocally(cid) }
    public var fetchesRemotely: Bool { upstream.fetchesRemotely }

    public func put(_ bytes: [UInt8], cid: CID) throws {
        try upstream.put(bytes, cid: cid)
    }
}
