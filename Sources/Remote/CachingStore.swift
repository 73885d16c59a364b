import Blocks
import Synchronization

/// A read-through cache in front of another store: blocks found in the on-disk `BlockCache`
/// cost no request; the rest come from `upstream` (verified there) and are kept.
package final class CachingStore: BlockStore {
    package let upstream: BlockStore
    package let cache: BlockCache
    private let hits = Atomic<Int>(0)

    package var name: String { upstream.name }
    /// Blocks answered from the cache.
    package var cacheHits: Int { hits.load(ordering: .relaxed) }

    package init(upstream: BlockStore, cache: BlockCache) {
        self.upstream = upstream
        self.cache = cache
    }

    package func get(_ cid: CID) throws -> [UInt8] {
        try getMany([cid])[0]
    }

    /// Cached blocks from disk, the others in one upstream batch (one round trip).
    package func getMany(_ cids: [CID]) throws -> [[UInt8]] {
        var out = [[UInt8]?](repeating: nil, count: cids.count)
        var missing: [Int] = []
        for (i, cid) in cids.enumerated() {
            if let b = cache.read(cid) { out[i] = b } else { missing.append(i) }
        }
        hits.add(cids.count - missing.count, ordering: .relaxed)
        if !missing.isEmpty {
            let fetched = try upstream.getMany(missing.map { cids[$0] })
            for (i, bytes) in zip(missing, fetched) {
                cache.write(cids[i], bytes)
                out[i] = bytes
            }
        }
        return out.map { $0! }
    }

    package func has(_ cid: CID) throws -> Bool {
        try cache.contains(cid) || upstream.has(cid)
    }

    package func put(_ bytes: [UInt8], cid: CID) throws {
        try upstream.put(bytes, cid: cid)
    }
}
