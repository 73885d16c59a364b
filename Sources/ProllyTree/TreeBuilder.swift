import Blocks
import Support
import Synchronization
import Zstd

/// Builds a tree from entries in strictly increasing key order, streaming: memory holds one
/// pending node per level, whatever the tree's size.
///
/// Each level runs a `Chunker`; a cut completes a node, which is written and becomes an entry
/// of the level above. `finish()` closes the levels bottom-up. So that no node but the root
/// ends up with a single entry, a one-entry tail is joined to the node before it (`reopen`).
/// Merges append whole subtrees from other trees with `appendSubtree` when every level up to
/// the subtree's is at a boundary, which is exactly when a fresh build would have produced the
/// same subtree: boundaries depend only on keys since the previous boundary.
public final class TreeBuilder {
    public let params: TreeParameters
    public let aggregator: TreeAggregator
    public let reader: NodeReader
    private var compressor: Zstd.Compressor
    private var levels: [Level] = []
    private var previousKey: [UInt8]? = nil
    private let keepsValues: Bool
    public private(set) var stats = Stats()
    /// Set by `RangeLeaves`: completed leaves are collected here instead of going up a level.
    var collectedLeaves: [ChildRef]? = nil
    /// Set by `RangeLeaves`: this many first leaves are kept as entries, not written.
    var leavesToHold = 0
    var heldEntries: [PendingEntry] = []

    /// A leaf entry not yet in a written node: its key, stored value, and the full value when
    /// the aggregator needs it.
    struct PendingEntry {
        var key: [UInt8]
        var value: LeafValue
        var raw: [UInt8]?
    }

    public struct Stats: Sendable, Equatable {
        /// Node and value blocks encoded and stored by this builder.
        public var blocksWritten = 0
        public var bytesWritten = 0
        /// Subtrees taken whole from input trees, and the blocks they hold.
        public var subtreesReused = 0
        public var blocksReused: UInt64 = 0
        public var entries: UInt64 = 0
    }

    struct Level {
        var chunker: Chunker
        var keys: [[UInt8]] = []
        var values: [LeafValue] = []
        /// Full values of the pending leaf, only when the aggregator needs them.
        var rawValues: [[UInt8]] = []
        var children: [ChildRef] = []
        /// Nodes completed at this level so far (lower bound after reuse; only `> 0` matters).
        var completed = 0
        var pendingCount: Int { keys.count + children.count }
    }

    public convenience init(store: BlockStore, params: TreeParameters = TreeParameters(), aggregator: TreeAggregator = CountOnly()) throws {
        try self.init(reader: NodeReader(store: store), params: params, aggregator: aggregator)
    }

    public init(reader: NodeReader, params: TreeParameters, aggregator: TreeAggregator) throws {
        guard aggregator.name == params.aggregator else {
            throw TreeError.aggregatorMismatch(aggregator: aggregator.name, parameters: params.aggregator)
        }
        self.params = params
        self.aggregator = aggregator
        self.reader = reader
        compressor = Zstd.Compressor(level: params.zstdLevel)
        keepsValues = !(aggregator is CountOnly)
    }

    var store: BlockStore { reader.store }

    private func level(_ l: Int) -> Int {
        while levels.count <= l { levels.append(Level(chunker: Chunker(params: params, level: levels.count))) }
        return l
    }

    /// Whether `add(key:storedValue:)` can take an out-of-line value without its bytes.
    var passesBlobsThrough: Bool { !keepsValues }

    /// Appends an entry whose long value is already a block in this builder's store (a merge
    /// passing a value through): the value is neither decompressed nor re-encoded.
    func add(key: [UInt8], blob cid: CID, length: Int) throws {
        precondition(!keepsValues && length > params.inlineLimit)
        if let previousKey, !ByteOrder.precedes(previousKey, key) {
            throw TreeError.unsortedInput(key: key, previous: previousKey)
        }
        previousKey = key
        stats.entries += 1
        _ = level(0)
        levels[0].keys.append(key)
        levels[0].values.append(.blob(cid, length: length))
        let cut = key.withUnsafeBytes { levels[0].chunker.add(key: $0, entryWeight: key.count + params.valueHint + 1) }
        if cut { try complete(0) }
    }

    /// Appends one entry; keys must be strictly increasing across calls.
    public func add(key: [UInt8], value: [UInt8]) throws {
        if let previousKey, !ByteOrder.precedes(previousKey, key) {
            throw TreeError.unsortedInput(key: key, previous: previousKey)
        }
        previousKey = key
        stats.entries += 1
        let stored: LeafValue
        if value.count > params.inlineLimit {
            let block = try NodeCodec.encodeBlob(value, compressor: &compressor)
            let cid = try write(block)
            stored = .blob(cid, length: value.count)
        } else {
            stored = .inline(value)
        }
        try addStored(key: key, value: stored, raw: keepsValues ? value : nil)
    }

    /// Appends an entry whose value is already stored (`add` encoded it; blobs are written):
    /// how `RangeLeaves.stitch` re-chunks entries near a range boundary.
    func add(_ e: PendingEntry) throws {
        if let previousKey, !ByteOrder.precedes(previousKey, e.key) {
            throw TreeError.unsortedInput(key: e.key, previous: previousKey)
        }
        previousKey = e.key
        stats.entries += 1
        try addStored(key: e.key, value: e.value, raw: keepsValues ? try e.raw ?? reader.value(e.value) : nil)
    }

    private func addStored(key: [UInt8], value: LeafValue, raw: [UInt8]?) throws {
        _ = level(0)
        levels[0].keys.append(key)
        levels[0].values.append(value)
        if let raw { levels[0].rawValues.append(raw) }
        var valueWeight = params.valueHint
        if params.weighsValues, case .inline(let bytes) = value { valueWeight = bytes.count }
        let cut = key.withUnsafeBytes { levels[0].chunker.add(key: $0, entryWeight: key.count + valueWeight + 1) }
        if cut { try complete(0) }
    }

    /// The entries of level 0 not yet in a node, removed from the builder.
    func takePendingLeafEntries() -> [PendingEntry] {
        guard !levels.isEmpty else { return [] }
        var lv = levels[0]
        let out = lv.keys.indices.map { PendingEntry(key: lv.keys[$0], value: lv.values[$0], raw: keepsValues ? lv.rawValues[$0] : nil) }
        lv.keys.removeAll()
        lv.values.removeAll()
        lv.rawValues.removeAll()
        levels[0] = lv
        return out
    }

    /// True when levels 0 … `level` have no pending entries, so a subtree of that level can be
    /// appended whole.
    public func atBoundary(level l: Int) -> Bool {
        for i in 0...l where i < levels.count {
            if levels[i].pendingCount > 0 { return false }
        }
        return true
    }

    /// Appends a complete subtree of a tree with the same parameters and aggregator, which
    /// must have ended at a chunk boundary (not on its tree's right edge). Its blocks must
    /// already be in this builder's store. Requires `atBoundary(level: ref.level)`.
    public func appendSubtree(_ ref: ChildRef) throws {
        precondition(atBoundary(level: ref.level), "appendSubtree needs a boundary")
        if let previousKey, !ByteOrder.precedes(previousKey, ref.firstKey) {
            throw TreeError.unsortedInput(key: ref.firstKey, previous: previousKey)
        }
        previousKey = ref.lastKey
        stats.entries += ref.count
        stats.subtreesReused += 1
        stats.blocksReused += ref.blocks
        _ = level(ref.level)
        for i in 0..<ref.level { levels[i].completed += 2 }
        levels[ref.level].completed += 1
        try push(ref, to: ref.level + 1, chunk: true)
    }

    private func push(_ ref: ChildRef, to l: Int, chunk: Bool) throws {
        _ = level(l)
        levels[l].children.append(ref)
        guard chunk else { return }
        let weight = ref.firstKey.count + ref.lastKey.count + TreeParameters.childHint
        let cut = ref.lastKey.withUnsafeBytes { levels[l].chunker.add(key: $0, entryWeight: weight) }
        if cut { try complete(l) }
    }

    /// Writes level `l`'s pending entries as a node and pushes it up (running the chunker
    /// there unless `finishing`).
    private func complete(_ l: Int, finishing: Bool = false) throws {
        if l == 0, collectedLeaves != nil {
            if leavesToHold > 0 {
                leavesToHold -= 1
                heldEntries += takePendingLeafEntries()
            } else {
                collectedLeaves!.append(try emit(0))
            }
            return
        }
        let ref = try emit(l)
        levels[l].completed += 1
        try push(ref, to: l + 1, chunk: !finishing)
    }

    /// Encodes and stores level `l`'s pending entries as one node, clearing them.
    private func emit(_ l: Int) throws -> ChildRef {
        var lv = levels[l]
        let node: Node
        let aggregate: [UInt8]
        var blocks: UInt64 = 1
        if l == 0 {
            node = Node(leafKeys: lv.keys, values: lv.values)
            aggregate = keepsValues ? aggregator.summarize(keys: lv.keys, values: lv.rawValues) : []
            for v in lv.values { if case .blob = v { blocks += 1 } }
        } else {
            node = Node(level: l, children: lv.children)
            aggregate = keepsValues ? aggregator.combine(lv.children.map(\.aggregate)) : []
            for c in lv.children { blocks += c.blocks }
        }
        let count: UInt64 = l == 0 ? UInt64(lv.keys.count) : lv.children.reduce(0) { $0 + $1.count }
        let cid = try write(try NodeCodec.encode(node, compressor: &compressor))
        let ref = ChildRef(
            cid: cid, level: l, firstKey: node.firstKey, lastKey: node.lastKey,
            count: count, blocks: blocks, aggregate: aggregate)
        lv.keys.removeAll(keepingCapacity: true)
        lv.values.removeAll(keepingCapacity: true)
        lv.rawValues.removeAll(keepingCapacity: true)
        lv.children.removeAll(keepingCapacity: true)
        levels[l] = lv
        return ref
    }

    private func write(_ block: [UInt8]) throws -> CID {
        let cid = CID(of: block)
        try store.put(block, cid: cid)
        stats.blocksWritten += 1
        stats.bytesWritten += block.count
        return cid
    }

    /// Moves the last completed node of level `l` back into its pending entries (in front of
    /// whatever is pending), taking it out of the level above.
    private func reopen(_ l: Int) throws {
        _ = level(l + 1)
        if levels[l + 1].children.isEmpty { try reopen(l + 1) }
        guard let ref = levels[l + 1].children.popLast() else {
            throw TreeError.builderInconsistency(level: l)
        }
        levels[l].completed -= 1
        let node = try reader.node(ref)
        if l == 0 {
            levels[0].keys.insert(contentsOf: node.keys, at: 0)
            levels[0].values.insert(contentsOf: node.values, at: 0)
            if keepsValues { levels[0].rawValues.insert(contentsOf: try node.values.map { try reader.value($0) }, at: 0) }
        } else {
            levels[l].children.insert(contentsOf: node.children, at: 0)
        }
    }

    /// Closes every level and writes the tree header. The builder cannot be used afterwards.
    public func finish() throws -> Tree {
        var l = 0
        while true {
            if l >= levels.count { return try Tree.write(params: params, root: nil, reader: reader) }
            if levels[l].pendingCount == 1 && levels[l].completed > 0 { try reopen(l) }
            let above = levels.indices.contains { $0 > l && (levels[$0].pendingCount > 0 || levels[$0].completed > 0) }
            if !above {
                let lv = levels[l]
                if lv.pendingCount == 0 { return try Tree.write(params: params, root: nil, reader: reader) }
                let root = (l > 0 && lv.children.count == 1) ? lv.children[0] : try emit(l)
                return try Tree.write(params: params, root: root, reader: reader)
            }
            if levels[l].pendingCount > 0 { try complete(l, finishing: true) }
            l += 1
        }
    }

    /// Builds a tree from entries already sorted by key.
    public static func build(
        _ entries: some Sequence<([UInt8], [UInt8])>, store: BlockStore,
        params: TreeParameters = TreeParameters(), aggregator: TreeAggregator = CountOnly()
    ) throws -> Tree {
        let b = try TreeBuilder(store: store, params: params, aggregator: aggregator)
        for (k, v) in entries { try b.add(key: k, value: v) }
        return try b.finish()
    }
}

/// Encodes values as the blocks a tree stores long values in, on any thread: the same bytes
/// `TreeBuilder.add(key:value:)` writes, for a caller that stores the block itself and passes
/// the link (`RangeLeaves.add(key:blob:length:)`). Compressors are lent one per call (a
/// context per value would allocate its workspace each time).
public final class ValueBlockEncoder: Sendable {
    private final class Box: @unchecked Sendable {  // used by one thread at a time
        var compressor: Zstd.Compressor
        init(level: Int32) { compressor = Zstd.Compressor(level: level) }
    }
    private let level: Int32
    private let free = Mutex<[Box]>([])

    /// For values of a tree with `params` (its zstd level).
    public init(params: TreeParameters) { level = params.zstdLevel }

    /// The block holding `value`, and its CID.
    public func encode(_ value: [UInt8]) throws -> (cid: CID, block: [UInt8]) {
        let box = free.withLock { $0.popLast() } ?? Box(level: level)
        defer { free.withLock { $0.append(box) } }
        let block = try NodeCodec.encodeBlob(value, compressor: &box.compressor)
        return (CID(of: block), block)
    }
}
