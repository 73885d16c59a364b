import Blocks

extension Tree {
    /// Statistics of a merge or edit.
    public struct MergeStats: Sendable, Equatable {
        public var subtreesReused = 0
        public var blocksReused: UInt64 = 0
        public var blocksWritten = 0
        public var bytesWritten = 0
        /// Blocks copied from another store into the output store (reused bytes, not re-encoded).
        public var blocksCopied = 0
        /// Nodes read and decoded from the inputs.
        public var nodesRead = 0
        public init() {}
    }

    /// The union of `trees`: every key of any input; where inputs hold the same key, `resolve`
    /// picks the value from the distinct values given (it must be associative, commutative and
    /// idempotent — e.g. the greatest value — for the result not to depend on input order).
    ///
    /// Every subtree whose key range no other input touches is reused whole, without reading
    /// below it, whenever the output is at a chunk boundary there; the result is identical to a
    /// fresh build of the union. Blocks of reused subtrees are copied byte for byte into
    /// `store` when it is not the input's store.
    public static func union(
        _ trees: [Tree], into store: BlockStore? = nil, aggregator: TreeAggregator = CountOnly(),
        resolve: @escaping ([UInt8], [[UInt8]]) throws -> [UInt8] = { _, values in values.max { $0.lexicographicallyPrecedes($1) }! }
    )
        throws -> (Tree, MergeStats)
    {
        guard let first = trees.first else { throw TreeError.nothingToMerge }
        for t in trees where !t.params.sameShape(as: first.params) {
            throw TreeError.parametersDiffer(t.params, first.params)
        }
        let output = store ?? first.store
        return try combine(
            trees.map { TreeStream(tree: $0) }, params: first.params, store: output,
            aggregator: aggregator, idempotent: true
        ) { key, values in
            let present = values.compactMap { $0.1 }
            var distinct: [[UInt8]] = []
            for v in present where !distinct.contains(v) { distinct.append(v) }
            return distinct.count == 1 ? distinct[0] : try resolve(key, distinct)
        }
    }

    /// Which entries of each input a filtered union keeps (`Tree.union(_:params:into:aggregator:filter:)`).
    public struct EntryFilter {
        /// Whether input `i` contributes `key`.
        public var keeps: (_ input: Int, _ key: [UInt8]) -> Bool
        /// Whether input `i` contributes every key from `first` through `last`, so a subtree can
        /// be reused unread; false when unsure (the subtree is then opened).
        public var keepsAll: (_ input: Int, _ first: [UInt8], _ last: [UInt8]) -> Bool
        public init(keeps: @escaping (Int, [UInt8]) -> Bool, keepsAll: @escaping (Int, [UInt8], [UInt8]) -> Bool) {
            self.keeps = keeps
            self.keepsAll = keepsAll
        }
    }

    /// The union of the entries each input keeps under `filter`: identical to a fresh build of
    /// those entries (history independence), reusing the subtrees the filter keeps whole. Inputs
    /// must not both keep one key with different values (the greatest would win). The output
    /// header records `params`, not an input's. An input of another shape (an older layout's
    /// internal nodes) gives its entries only: none of its nodes or out-of-line values is
    /// reused, since a fresh build with `params` would not have cut or encoded them so.
    public static func union(
        _ trees: [Tree], params: TreeParameters, into store: BlockStore, aggregator: TreeAggregator, filter: EntryFilter
    ) throws -> (Tree, MergeStats) {
        guard !trees.isEmpty else { throw TreeError.nothingToMerge }
        return try combine(
            trees.map { TreeStream(tree: $0) }, params: params, store: store, aggregator: aggregator, idempotent: true,
            filter: filter, foreign: trees.map { !$0.params.sameShape(as: params) }
        ) { _, values in
            values.compactMap { $0.1 }.max { $0.lexicographicallyPrecedes($1) }
        }
    }

    /// This tree with `edits` applied: a nil value deletes the key, any other value sets it.
    /// Untouched subtrees are reused. `edits` need not be sorted; later duplicates win.
    public func applying(_ edits: [([UInt8], [UInt8]?)], aggregator: TreeAggregator = CountOnly()) throws -> (Tree, MergeStats) {
        var latest: [[UInt8]: [UInt8]?] = [:]
        for (k, v) in edits { latest[k] = .some(v) }
        let sorted = latest.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
        return try Tree.combine(
            [TreeStream(tree: self), TreeStream(entries: sorted)], params: params, store: store,
            aggregator: aggregator, idempotent: false
        ) { _, values in
            // The edit list (input 1) overrides the tree (input 0).
            if let edit = values.first(where: { $0.0 == 1 }) { return edit.1 }
            return values[0].1
        }
    }

    /// The N-way streaming merge behind `union` and `applying`. `resolve` gets each input's
    /// value for a key (nil = deletion) and returns the output value or nil to drop the key.
    /// Inputs marked `foreign` are read down to their entries and values, never reused.
    static func combine(
        _ inputs: [TreeStream], params: TreeParameters, store: BlockStore, aggregator: TreeAggregator,
        idempotent: Bool, filter: EntryFilter? = nil, foreign: [Bool] = [],
        resolve: ([UInt8], [(Int, [UInt8]?)]) throws -> [UInt8]?
    ) throws -> (Tree, MergeStats) {
        func reusable(_ i: Int) -> Bool { i >= foreign.count || !foreign[i] }
        let builder = try TreeBuilder(store: store, params: params, aggregator: aggregator)
        var stats = MergeStats()
        let loadsBefore = inputs.compactMap(\.reader).reduce(0) { $0 + $1.nodesLoaded }

        while true {
            // The input whose head starts first; on ties prefer a subtree, which must be opened.
            var best: Int? = nil
            for (i, s) in inputs.enumerated() {
                guard let h = s.head else { continue }
                guard let b = best, let bh = inputs[b].head else { best = i; continue }
                let (k, bk) = (h.firstKey, bh.firstKey)
                if k.lexicographicallyPrecedes(bk) { best = i } else if k == bk, case .subtree = h, case .entry = bh { best = i }
            }
            guard let m = best, let head = inputs[m].head else { break }

            switch head {
            case .subtree(let ref, let rightEdge):
                if idempotent && filter == nil {
                    // An identical subtree in another input adds nothing to a union.
                    for (j, s) in inputs.enumerated() where j != m {
                        if case .subtree(let other, _)? = s.head, other.cid == ref.cid { s.pop() }
                    }
                }
                let untouched = inputs.enumerated().allSatisfy { j, s in
                    j == m || s.head.map { ref.lastKey.lexicographicallyPrecedes($0.firstKey) } ?? true
                }
                if reusable(m) && untouched && !rightEdge && builder.atBoundary(level: ref.level)
                    && filter.map({ $0.keepsAll(m, ref.firstKey, ref.lastKey) }) ?? true
                {
                    if let source = inputs[m].reader?.store, source !== store {
                        stats.blocksCopied += try copySubtree(ref.cid, from: source, to: store)
                    }
                    try builder.appendSubtree(ref)
                    inputs[m].pop()
                } else {
                    try inputs[m].expand()
                }

            case .entry(let key, _):
                // Fast path: no other input has a key at or before this one, so this input's
                // leaf entries up to the next other head go straight to the builder.
                if inputs[m].reader != nil {
                    var limit: [UInt8]? = nil
                    var clash = false
                    for (j, s) in inputs.enumerated() where j != m {
                        guard let h = s.head else { continue }
                        let k = h.firstKey
                        if !key.lexicographicallyPrecedes(k) { clash = true; break }
                        if limit == nil || k.lexicographicallyPrecedes(limit!) { limit = k }
                    }
                    if !clash {
                        let source = inputs[m].reader!.store
                        try inputs[m].drainLeaf(below: limit) { k, v in
                            if let filter, !filter.keeps(m, k) { return }
                            switch v {
                            case .inline(let bytes): try builder.add(key: k, value: bytes)
                            case .blob(let cid, let length):
                                if builder.passesBlobsThrough && length > params.inlineLimit && reusable(m) {
                                    if source !== store { stats.blocksCopied += try copySubtree(cid, from: source, to: store) }
                                    try builder.add(key: k, blob: cid, length: length)
                                } else {
                                    try builder.add(key: k, value: try inputs[m].value(v))
                                }
                            }
                        }
                        continue
                    }
                }
                // Another input's subtree starting at this key must be opened first.
                if let j = inputs.indices.first(where: { j in
                    if case .subtree(let r, _)? = inputs[j].head { return r.firstKey == key } else { return false }
                }) {
                    try inputs[j].expand()
                    continue
                }
                var holders = inputs.indices.filter { j in
                    if case .entry(let k, _)? = inputs[j].head { return k == key } else { return false }
                }
                if let filter {
                    for j in holders where !filter.keeps(j, key) { inputs[j].pop() }
                    holders.removeAll { !filter.keeps($0, key) }
                    if holders.isEmpty { continue }
                }
                // A long value only one tree holds travels as its block, never re-encoded (a key
                // held by one input keeps its value in a union and in an edit; edit lists hold
                // no blocks).
                if holders.count == 1, case .entry(_, .blob(let cid, let length)?)? = inputs[holders[0]].head,
                    builder.passesBlobsThrough, length > params.inlineLimit, reusable(holders[0]),
                    let source = inputs[holders[0]].reader?.store
                {
                    if source !== store { stats.blocksCopied += try copySubtree(cid, from: source, to: store) }
                    try builder.add(key: key, blob: cid, length: length)
                    inputs[holders[0]].pop()
                    continue
                }
                var values: [(Int, [UInt8]?)] = []
                for j in holders {
                    let s = inputs[j]
                    if case .entry(_, let v)? = s.head {
                        values.append((j, try v.map { try s.value($0) }))
                        s.pop()
                    }
                }
                if let merged = try resolve(key, values) { try builder.add(key: key, value: merged) }
            }
        }
        let tree = try builder.finish()
        stats.subtreesReused = builder.stats.subtreesReused
        stats.blocksReused = builder.stats.blocksReused
        stats.blocksWritten = builder.stats.blocksWritten
        stats.bytesWritten = builder.stats.bytesWritten
        stats.nodesRead = inputs.compactMap(\.reader).reduce(0) { $0 + $1.nodesLoaded } - loadsBefore
        return (tree, stats)
    }

    /// Copies the blocks of the DAG under `cid` that `to` lacks, byte for byte (links are read
    /// from the DAG-CBOR envelope; payloads are never decompressed). A block present in `to`
    /// is taken to have its whole subtree present: writers store children before parents.
    static func copySubtree(_ cid: CID, from: BlockStore, to: BlockStore) throws -> Int {
        if try to.has(cid) { return 0 }
        let bytes = try from.get(cid)
        var links: [CID] = []
        try DagCBOR.links(of: bytes, into: &links)
        var copied = 0
        for link in links { copied += try copySubtree(link, from: from, to: to) }
        // Same file system: a hard link shares the bytes instead of writing them again. The
        // block was just read through `from.get`, which verified it: not read again to link it.
        if let source = from as? DirectoryStore, let target = to as? DirectoryStore, try target.link(cid, from: source, verified: true) {
            return copied + 1
        }
        try to.put(bytes, cid: cid)
        return copied + 1
    }
}
