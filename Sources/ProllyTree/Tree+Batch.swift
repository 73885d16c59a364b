import Blocks

/// Reads that touch many keys or ranges at once, one tree level at a time: every node a level
/// needs is requested together (`NodeReader.nodes` → `BlockStore.getMany`), so over HTTP a
/// batch costs one round trip per level instead of one per key.
extension Tree {
    /// The values of `keys` (nil where absent), fetched level by level.
    public func getMany(_ keys: [[UInt8]]) throws(ReadFailure) -> [[UInt8]?] {
        try Tree.getMany([(self, keys)])[0]
    }

    /// Lookups in several trees read through one `NodeReader` (an index's segments), descending
    /// them together: each level of every tree is one batch, so fetching records and texts
    /// costs the round trips of one lookup.
    public static func getMany(_ requests: [(tree: Tree, keys: [[UInt8]])]) throws(ReadFailure) -> [[[UInt8]?]] {
        try lookUp(requests, ceiling: false).map { $0.map { $0?.value } }
    }

    /// For each key, the first entry whose key is ≥ it (nil: none), batched as `getMany`: how
    /// a format-4 postings tree finds the block that would hold a posting.
    public static func ceilingMany(_ requests: [(tree: Tree, keys: [[UInt8]])]) throws(ReadFailure) -> [[(key: [UInt8], value: [UInt8])?]] {
        try lookUp(requests, ceiling: true)
    }

    private static func lookUp(
        _ requests: [(tree: Tree, keys: [[UInt8]])], ceiling: Bool
    ) throws(ReadFailure) -> [[(key: [UInt8], value: [UInt8])?]] {
        var results = requests.map { [(key: [UInt8], value: [UInt8])?](repeating: nil, count: $0.keys.count) }
        guard let reader = requests.first?.tree.reader else { return results }
        // Pending lookups: the node to read next and the (request, key) pairs that go there.
        var level: [(ref: ChildRef, keys: [(Int, Int)])] = []
        for (r, req) in requests.enumerated() {
            precondition(req.tree.reader === reader, "batched lookups need one reader")
            if let root = req.tree.root { level.append((root, req.keys.indices.map { (r, $0) })) }
        }
        var found: [((Int, Int), [UInt8], LeafValue)] = []
        while !level.isEmpty {
            let (ready, waiting) = Tree.localFirst(level, reader: reader) { $0.ref.cid }
            let nodes = try reader.nodes(ready.map { $0.ref })
            var next: [CID: (ref: ChildRef, keys: [(Int, Int)])] = [:]
            var order: [CID] = []
            for item in waiting {
                if next[item.ref.cid] == nil { next[item.ref.cid] = (item.ref, []); order.append(item.ref.cid) }
                next[item.ref.cid]!.keys += item.keys
            }
            for (node, item) in zip(nodes, ready) {
                for (r, i) in item.keys {
                    let key = requests[r].keys[i]
                    if node.isLeaf {
                        let j = Tree.lowerBound(node.keys, key)
                        if j < node.keys.count, ceiling || node.keys[j] == key { found.append(((r, i), node.keys[j], node.values[j])) }
                    } else {
                        // The first child whose last key is ≥ `key` holds the key or its ceiling.
                        let j = Tree.childIndex(node.children, key)
                        guard j < node.children.count, ceiling || !Tree.precedes(key, node.children[j].firstKey) else { continue }
                        let child = node.children[j]
                        if next[child.cid] == nil { next[child.cid] = (child, []); order.append(child.cid) }
                        next[child.cid]!.keys.append((r, i))
                    }
                }
            }
            level = order.map { next[$0]! }
        }
        // Out-of-line values, all at once.
        let linked = found.compactMap { at, _, v -> ((Int, Int), CID, Int)? in if case .blob(let c, let n) = v { (at, c, n) } else { nil } }
        let fetched = try reader.store.getMany(linked.map { $0.1 })
        var blobs: [CID: [UInt8]] = [:]
        for ((_, cid, length), bytes) in zip(linked, fetched) { blobs[cid] = try NodeCodec.decodeBlob(bytes, cid: cid, expectedLength: length) }
        for (at, key, v) in found {
            switch v {
            case .inline(let b): results[at.0][at.1] = (key, b)
            case .blob(let c, _): results[at.0][at.1] = (key, blobs[c]!)
            }
        }
        return results
    }

    /// Loads, level by level, every internal node overlapping the ranges and the leaves at
    /// their two ends: what `count(from:to:)` and a cursor's first `seek` will read. Leaves
    /// inside a range are left for the cursor (block-max pruning may never need them).
    public func prefetch(ranges: [(from: [UInt8], to: [UInt8]?)]) throws(ReadFailure) {
        try Tree.prefetch([(self, ranges)])
    }

    /// `prefetch(ranges:)` over several trees read through one `NodeReader` (the segments of
    /// an index): each level of every tree is one batch, so K segments cost the round trips of one.
    /// `best` more leaves per range and level-1 node, those `rank` scores highest (say, by
    /// their impacts), come in the same batch as the two ends: the leaves a search will most
    /// likely read next. `rank` gets the request's index with the child; a child ranked −∞
    /// is never picked.
    public static func prefetch(
        _ requests: [(tree: Tree, ranges: [(from: [UInt8], to: [UInt8]?)])], best: Int = 0, rank: (Int, ChildRef) -> Double = { _, _ in 0 }
    ) throws(ReadFailure) {
        guard let reader = requests.first?.tree.reader else { return }
        var level: [(ref: ChildRef, request: Int)] = []
        for (r, req) in requests.enumerated() {
            precondition(req.tree.reader === reader, "batched prefetches need one reader")
            if let root = req.tree.root, !req.ranges.isEmpty { level.append((root, r)) }
        }
        while !level.isEmpty {
            let (ready, waiting) = Tree.localFirst(level, reader: reader) { $0.ref.cid }
            let nodes = try reader.nodes(ready.map { $0.ref })
            var next = waiting
            var seen = Set(waiting.map { $0.ref.cid })
            for (node, item) in zip(nodes, ready) where !node.isLeaf {
                for (from, to) in requests[item.request].ranges {
                    let first = Tree.childIndex(node.children, from)
                    guard first < node.children.count else { continue }
                    // No key of the range under this node (a term one segment lacks): the
                    // child holding where it would be starts past it, so nothing below is read.
                    if let to, !node.children[first].firstKey.lexicographicallyPrecedes(to) { continue }
                    var last = first
                    if let to {
                        last = max(first, min(node.children.count - 1, Tree.childIndex(node.children, to)))
                        // A range ending just before a child starts ends in the child before.
                        if last > first, !node.children[last].firstKey.lexicographicallyPrecedes(to) { last -= 1 }
                    }
                    for j in first...last {
                        let child = node.children[j]
                        let isEnd = j == first || j == last
                        if child.level > 0 || isEnd, seen.insert(child.cid).inserted { next.append((child, item.request)) }
                    }
                    if best > 0, node.level == 1, last - first > 1 {
                        // Ranked once each, not once per comparison (a rank decodes an aggregate).
                        let ranks = (first + 1..<last).map { rank(item.request, node.children[$0]) }
                        let inner = (first + 1..<last).sorted { ranks[$0 - first - 1] > ranks[$1 - first - 1] }
                        for j in inner.prefix(best) where ranks[j - first - 1] > -.infinity && seen.insert(node.children[j].cid).inserted {
                            next.append((node.children[j], item.request))
                        }
                    }
                }
            }
            level = next
        }
    }

    /// The part of a batched read's next level to read now: the nodes read without a request
    /// (decoded, or in a bootstrap), when there are any, the others waiting for the next
    /// step; else all of them, in one batch. So trees of different heights, and levels a
    /// bootstrap carries, cost no round trip of their own: K segments' trees share each batch.
    static func localFirst<T>(_ level: [T], reader: NodeReader, cid: (T) -> CID) -> (ready: [T], waiting: [T]) {
        let local = level.map { reader.readsLocally(cid($0)) }
        guard local.contains(true), local.contains(false) else { return (level, []) }
        return (level.indices.filter { local[$0] }.map { level[$0] }, level.indices.filter { !local[$0] }.map { level[$0] })
    }
}
