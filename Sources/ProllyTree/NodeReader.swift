import Blocks
import Synchronization

/// Loads nodes from a store, checks them against what their parent promised (level, key
/// range, counts), and keeps recently used ones decoded.
public final class NodeReader: Sendable {
    public let store: BlockStore
    private let cache: Mutex<LRU>
    private let loads = Atomic<Int>(0)

    /// `cacheBytes`: about how much memory decoded nodes (and data derived from them) may
    /// hold; the most recently used node is kept whatever its size.
    public init(store: BlockStore, cacheBytes: Int = NodeReader.defaultCacheBytes) {
        self.store = store
        cache = Mutex(LRU(capacity: cacheBytes))
    }

    public static let defaultCacheBytes = 64 << 20

    /// About the memory the cache holds now (`Node.memoryCost`, doubled with derived data).
    public var cachedBytes: Int { cache.withLock { $0.bytes } }

    /// Nodes decoded from blocks so far (cache misses).
    public var nodesLoaded: Int { loads.load(ordering: .relaxed) }

    /// Whether the node `cid` is decoded in the cache: reading it costs no block read.
    public func contains(_ cid: CID) -> Bool { cache.withLock { $0.items[cid] != nil } }

    /// Whether reading the node `cid` costs no request: decoded already, or its block held
    /// locally by the store (a bootstrap's upper levels, a warm cache).
    public func readsLocally(_ cid: CID) -> Bool { contains(cid) || store.holdsLocally(cid) }

    /// The node `ref` points to, verified against the parent's summary of it.
    public func node(_ ref: ChildRef) throws(ReadFailure) -> Node {
        if let hit = cache.withLock({ $0.get(ref.cid) }) { return hit }
        let node = try NodeCodec.decode(try store.get(ref.cid), cid: ref.cid)
        try check(node, against: ref)
        loads.add(1, ordering: .relaxed)
        cache.withLock { $0.put(ref.cid, node) }
        return node
    }

    /// Data derived from the node `ref` points to (say, its postings decoded to integer
    /// arrays), made once and kept with the decoded node, evicted with it. `cost` is its
    /// memory, counted in the cache's bytes (nil: as much as the node's).
    public func derived<T: AnyObject & Sendable>(
        _ ref: ChildRef, as type: T.Type, cost: ((T) -> Int)? = nil, _ make: (Node) throws(ReadFailure) -> T
    ) throws(ReadFailure) -> T {
        if let d = cache.withLock({ $0.derived(ref.cid) }) as? T { return d }
        let value = try make(try node(ref))
        let extra = cost?(value)
        cache.withLock { $0.setDerived(ref.cid, value, cost: extra) }
        return value
    }

    /// Loads several children at once (a remote store fetches them in parallel).
    public func nodes(_ refs: [ChildRef]) throws(ReadFailure) -> [Node] {
        var cached: [Node] = []
        cached.reserveCapacity(refs.count)
        let missing = cache.withLock { c in
            refs.filter { ref in
                guard let n = c.get(ref.cid) else { return true }
                cached.append(n)
                return false
            }
        }
        // Warm: every node was cached, one lock for all.
        if missing.isEmpty { return cached }
        if missing.count > 1 {
            let blocks = try store.getMany(missing.map { $0.cid })
            for (ref, bytes) in zip(missing, blocks) {
                let node = try NodeCodec.decode(bytes, cid: ref.cid)
                try check(node, against: ref)
                loads.add(1, ordering: .relaxed)
                cache.withLock { $0.put(ref.cid, node) }
            }
        }
        return try refs.map { (ref) throws(ReadFailure) in try node(ref) }
    }

    /// The bytes of a leaf value, reading its block when it is stored out of line.
    public func value(_ v: LeafValue) throws(ReadFailure) -> [UInt8] {
        switch v {
        case .inline(let bytes): return bytes
        case .blob(let cid, let length): return try NodeCodec.decodeBlob(try store.get(cid), cid: cid, expectedLength: length)
        }
    }

    /// The bytes of several leaf values, the out-of-line ones fetched in one batch
    /// (`BlockStore.getMany`: one round trip remotely), each checked against its length.
    public func values(_ vs: [LeafValue]) throws(ReadFailure) -> [[UInt8]] {
        var out = [[UInt8]](repeating: [], count: vs.count)
        var linked: [(Int, CID, Int)] = []
        for (i, v) in vs.enumerated() {
            switch v {
            case .inline(let b): out[i] = b
            case .blob(let c, let n): linked.append((i, c, n))
            }
        }
        guard !linked.isEmpty else { return out }
        let blocks = try store.getMany(linked.map { $0.1 })
        for ((i, cid, n), bytes) in zip(linked, blocks) { out[i] = try NodeCodec.decodeBlob(bytes, cid: cid, expectedLength: n) }
        return out
    }

    /// Reads an out-of-line value's block once, checks that it decodes to the recorded length,
    /// and returns the block's stored (compressed) size — for `stats` and `verify`.
    public func storedSize(of v: LeafValue) throws(ReadFailure) -> Int {
        guard case .blob(let cid, let length) = v else { return 0 }
        let bytes = try store.get(cid)
        _ = try NodeCodec.decodeBlob(bytes, cid: cid, expectedLength: length)
        return bytes.count
    }

    func check(_ node: Node, against ref: ChildRef) throws(ReadFailure) {
        func fail(_ r: String) -> TreeError { .corruptNode(cid: ref.cid, reason: r) }
        guard node.level == ref.level else { throw fail("level \(node.level), parent says \(ref.level)") }
        guard node.firstKey == ref.firstKey, node.lastKey == ref.lastKey else { throw fail("key range differs from its parent's record") }
        if node.isLeaf {
            guard UInt64(node.keys.count) == ref.count else { throw fail("\(node.keys.count) entries, parent says \(ref.count)") }
        } else {
            var total: UInt64 = 0, blocks: UInt64 = 1
            for c in node.children {
                let (t, o1) = total.addingReportingOverflow(c.count)
                let (b, o2) = blocks.addingReportingOverflow(c.blocks)
                guard !o1, !o2 else { throw fail("child counts overflow") }
                total = t
                blocks = b
            }
            guard total == ref.count, blocks == ref.blocks else { throw fail("subtree counts differ from its parent's record") }
        }
    }

    /// A small least-recently-used map (clock-free: a dictionary plus a use counter), bounded
    /// by the nodes' `memoryCost` plus the cost of the data derived from them.
    struct LRU {
        let capacity: Int
        var items: [CID: (node: Node, used: UInt64, cost: Int, derived: (any AnyObject & Sendable)?)] = [:]
        var tick: UInt64 = 0
        private(set) var bytes = 0

        init(capacity: Int) { self.capacity = max(1, capacity) }

        mutating func get(_ cid: CID) -> Node? {
            // One hash lookup; the use mark is updated in place.
            guard let i = items.index(forKey: cid) else { return nil }
            tick += 1
            items.values[i].used = tick
            return items.values[i].node
        }

        mutating func derived(_ cid: CID) -> (any AnyObject & Sendable)? {
            guard let i = items.index(forKey: cid) else { return nil }
            tick += 1
            items.values[i].used = tick
            return items.values[i].derived
        }

        mutating func setDerived(_ cid: CID, _ value: any AnyObject & Sendable, cost: Int?) {
            guard let i = items.index(forKey: cid) else { return }
            if items.values[i].derived == nil {
                let extra = cost ?? items.values[i].cost
                bytes += extra
                items.values[i].cost += extra
            }
            items.values[i].derived = value
            evictIfFull()
        }

        mutating func put(_ cid: CID, _ node: Node) {
            tick += 1
            let old = items[cid]
            let cost = old.map { $0.derived == nil ? node.memoryCost : max($0.cost, node.memoryCost) } ?? node.memoryCost
            bytes += cost - (old?.cost ?? 0)
            items[cid] = (node, tick, cost, old?.derived)
            evictIfFull()
        }

        /// Over capacity: keeps the newest entries filling half of it (the newest whatever its
        /// size), so eviction's cost is amortised over many puts.
        private mutating func evictIfFull() {
            guard bytes > capacity, items.count > 1 else { return }
            let newestFirst = items.values.map { ($0.used, $0.cost) }.sorted { $0.0 > $1.0 }
            var kept = 0, cutoff = newestFirst[0].0
            for (used, cost) in newestFirst {
                if kept + cost > capacity / 2 && kept > 0 { break }
                kept += cost
                cutoff = used
            }
            items = items.filter { $0.value.used >= cutoff }
            bytes = kept
        }
    }
}
