import Blocks

/// An immutable Prolly tree: an ordered map from byte keys to byte values stored as blocks.
///
/// A tree is named by the CID of its *header* block, which records the parameters, the root
/// node and its summary. Two trees with the same parameters and the same entries have the same
/// header CID, however they were built (history independence).
public struct Tree: Sendable {
    public static let format = "indexer-prolly/1"
    public let params: TreeParameters
    /// nil for the empty tree.
    public let root: ChildRef?
    public let reader: NodeReader
    public let headerCID: CID

    public var count: UInt64 { root?.count ?? 0 }
    public var height: Int { root.map { $0.level + 1 } ?? 0 }
    public var store: BlockStore { reader.store }

    /// Opens the tree whose header block is `header`.
    public static func open(_ header: CID, reader: NodeReader) throws(ReadFailure) -> Tree {
        try open(header, bytes: try reader.store.get(header), reader: reader)
    }

    /// Opens a tree from its header block's bytes, already fetched and verified (several
    /// headers can then come in one batch).
    public static func open(_ header: CID, bytes: [UInt8], reader: NodeReader) throws(ReadFailure) -> Tree {
        let value: DagCBOR
        do { value = try DagCBOR.decode(bytes) } catch { throw TreeError.badHeader(cid: header, reason: "\(error)") }
        guard value["format"]?.string == format, let p = value["params"] else {
            throw TreeError.badHeader(cid: header, reason: "not an \(format) header")
        }
        let params: TreeParameters
        do { params = try TreeParameters(cbor: p) } catch { throw TreeError.badHeader(cid: header, reason: error.description) }
        var root: ChildRef? = nil
        if let r = value["root"], r != .null {
            guard let cid = r["cid"]?.cid, let level = r["level"]?.int, level >= 0, level <= NodeCodec.maxLevel,
                let first = r["first"]?.byteString, let last = r["last"]?.byteString,
                let count = r["count"]?.uint, count >= 1, let blocks = r["blocks"]?.uint, blocks >= 1,
                let agg = r["aggregate"]?.byteString
            else { throw TreeError.badHeader(cid: header, reason: "malformed root record") }
            root = ChildRef(cid: cid, level: level, firstKey: first, lastKey: last, count: count, blocks: blocks, aggregate: agg)
        }
        return Tree(params: params, root: root, reader: reader, headerCID: header)
    }

    public static func open(_ header: CID, store: BlockStore) throws(ReadFailure) -> Tree {
        try open(header, reader: NodeReader(store: store))
    }

    /// Writes the header block for `root` and returns the tree.
    static func write(params: TreeParameters, root: ChildRef?, reader: NodeReader) throws(ReadFailure) -> Tree {
        let rootValue: DagCBOR =
            root.map { r in
                .map(sorting: [
                    ("cid", .link(r.cid)), ("level", .unsigned(UInt64(r.level))),
                    ("first", .bytes(r.firstKey)), ("last", .bytes(r.lastKey)),
                    ("count", .unsigned(r.count)), ("blocks", .unsigned(r.blocks)),
                    ("aggregate", .bytes(r.aggregate)),
                ])
            } ?? .null
        let header = DagCBOR.map(sorting: [("format", .text(format)), ("params", params.cbor), ("root", rootValue)]).encode()
        let cid = try reader.store.put(header)
        return Tree(params: params, root: root, reader: reader, headerCID: cid)
    }

    // MARK: - Point and range reads

    /// The value stored under `key`, or nil. Reads one node per level.
    public func get(_ key: [UInt8]) throws(ReadFailure) -> [UInt8]? {
        guard var ref = root else { return nil }
        while true {
            if Tree.precedes(key, ref.firstKey) || Tree.precedes(ref.lastKey, key) { return nil }
            let node = try reader.node(ref)
            if node.isLeaf {
                let i = Tree.lowerBound(node.keys, key)
                guard i < node.keys.count, node.keys[i] == key else { return nil }
                return try reader.value(node.values[i])
            }
            let i = Tree.childIndex(node.children, key)
            guard i < node.children.count else { return nil }
            ref = node.children[i]
        }
    }

    /// First index whose key is ≥ `key`.
    public static func lowerBound(_ keys: [[UInt8]], _ key: [UInt8]) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if precedes(keys[mid], key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// First child whose last key is ≥ `key` (the only child that can hold it or follow it).
    public static func childIndex(_ children: [ChildRef], _ key: [UInt8]) -> Int {
        var lo = 0, hi = children.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if precedes(children[mid].lastKey, key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `a.lexicographicallyPrecedes(b)`, eight bytes per step: the generic one compares byte
    /// by byte through iterators, and a warm query's binary searches over keys that share
    /// long prefixes spent 9% of their time there. Pure Swift (no `memcmp`): the wasm build
    /// compiles this file too.
    @inline(__always)
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in precedes(pa, pb) } }
    }

    /// `precedes` over bytes in place.
    @inline(__always)
    public static func precedes(_ pa: UnsafeRawBufferPointer, _ pb: UnsafeRawBufferPointer) -> Bool {
        let n = min(pa.count, pb.count)
        var i = 0
        while i + 8 <= n {
            let x = pa.loadUnaligned(fromByteOffset: i, as: UInt64.self).bigEndian
            let y = pb.loadUnaligned(fromByteOffset: i, as: UInt64.self).bigEndian
            if x != y { return x < y }
            i += 8
        }
        while i < n {
            if pa[i] != pb[i] { return pa[i] < pb[i] }
            i += 1
        }
        return pa.count < pb.count
    }

    /// Entries with `from ≤ key < to` in key order (either bound may be nil).
    public func scan(from: [UInt8]? = nil, to: [UInt8]? = nil) -> Cursor {
        Cursor(tree: self, from: from, to: to)
    }

    /// What a count adds per entry and per whole subtree: by default 1 and `ChildRef.count`. A
    /// tree whose entries stand for many items (format 4's postings blocks) weighs each by its
    /// value and a subtree by its aggregate.
    public struct Weight: Sendable {
        public var entry: @Sendable (_ key: [UInt8], _ value: [UInt8]) -> UInt64
        public var subtree: @Sendable (ChildRef) -> UInt64
        public init(entry: @escaping @Sendable ([UInt8], [UInt8]) -> UInt64, subtree: @escaping @Sendable (ChildRef) -> UInt64) {
            self.entry = entry
            self.subtree = subtree
        }
    }

    /// The number (or `weight`) of entries with `from ≤ key < to`, from subtree counts: it
    /// reads only the nodes on the two boundary paths, O(height) nodes, never the leaves in
    /// between.
    public func count(from: [UInt8]? = nil, to: [UInt8]? = nil, weight: Weight? = nil) throws(ReadFailure) -> UInt64 {
        guard let root else { return 0 }
        if let from, let to, !from.lexicographicallyPrecedes(to) { return 0 }
        return try count(ref: root, from: from, to: to, weight: weight)
    }

    private func count(ref: ChildRef, from: [UInt8]?, to: [UInt8]?, weight: Weight?) throws(ReadFailure) -> UInt64 {
        let startsInside = from.map { !ref.firstKey.lexicographicallyPrecedes($0) } ?? true
        let endsInside = to.map { ref.lastKey.lexicographicallyPrecedes($0) } ?? true
        if startsInside && endsInside { return weight?.subtree(ref) ?? ref.count }
        if let from, ref.lastKey.lexicographicallyPrecedes(from) { return 0 }
        if let to, !ref.firstKey.lexicographicallyPrecedes(to) { return 0 }
        let node = try reader.node(ref)
        if node.isLeaf {
            let lo = from.map { Tree.lowerBound(node.keys, $0) } ?? 0
            let hi = to.map { Tree.lowerBound(node.keys, $0) } ?? node.keys.count
            guard let weight else { return UInt64(max(0, hi - lo)) }
            var total: UInt64 = 0
            for i in lo..<max(lo, hi) { total += weight.entry(node.keys[i], try reader.value(node.values[i])) }
            return total
        }
        // Only the children holding `from` and `to` need a closer look; those between count whole.
        let children = node.children
        let lo = from.map { Tree.childIndex(children, $0) } ?? 0
        let hi = to.map { min(children.count - 1, Tree.childIndex(children, $0)) } ?? children.count - 1
        guard lo < children.count, lo <= hi else { return 0 }
        if lo == hi { return try count(ref: children[lo], from: from, to: to, weight: weight) }
        var total = try count(ref: children[lo], from: from, to: nil, weight: weight)
        for i in lo + 1..<hi { total += weight?.subtree(children[i]) ?? children[i].count }
        return total + (try count(ref: children[hi], from: nil, to: to, weight: weight))
    }

    /// A forward iterator over a key range. Errors (a missing or corrupt block) end the
    /// iteration and are kept in `error`; use `next()` throwing form for strictness.
    public struct Cursor: Sequence, IteratorProtocol {
        let tree: Tree
        let to: [UInt8]?
        var stack: [(node: Node, index: Int)] = []
        var started = false
        let from: [UInt8]?
        public private(set) var error: ReadFailure?

        init(tree: Tree, from: [UInt8]?, to: [UInt8]?) {
            self.tree = tree
            self.from = from
            self.to = to
        }

        /// Descends to the first entry ≥ `from`.
        mutating func seek() throws(ReadFailure) {
            started = true
            guard var ref = tree.root else { return }
            while true {
                let node = try tree.reader.node(ref)
                if node.isLeaf {
                    stack.append((node, from.map { Tree.lowerBound(node.keys, $0) } ?? 0))
                    return
                }
                let i = from.map { Tree.childIndex(node.children, $0) } ?? 0
                stack.append((node, i))
                guard i < node.children.count else { return }
                ref = node.children[i]
            }
        }

        public mutating func nextEntry() throws(ReadFailure) -> (key: [UInt8], value: [UInt8])? {
            if !started { try seek() }
            while let top = stack.last {
                if top.index >= top.node.count {
                    stack.removeLast()
                    if !stack.isEmpty { stack[stack.count - 1].index += 1 }
                    continue
                }
                if top.node.isLeaf {
                    let key = top.node.keys[top.index]
                    if let to, !key.lexicographicallyPrecedes(to) {
                        stack.removeAll()
                        return nil
                    }
                    let value = try tree.reader.value(top.node.values[top.index])
                    stack[stack.count - 1].index += 1
                    return (key, value)
                }
                let child = top.node.children[top.index]
                stack.append((try tree.reader.node(child), 0))
            }
            return nil
        }

        public mutating func next() -> (key: [UInt8], value: [UInt8])? {
            do { return try nextEntry() } catch {
                self.error = error
                stack.removeAll()
                return nil
            }
        }
    }
}

extension Tree {
    /// Counts the entries with `from ≤ key < to` by `group(key)` (nil: not counted), reading
    /// only the nodes where the group changes: a subtree whose first and last keys share a
    /// group is counted from its parent's count, unread. So `group` must be a function of a
    /// key prefix (every key between two keys of one group has that group), as a postings
    /// term or a `term ‖ batch` is. `nodesRead` counts the nodes visited (from cache or store).
    public func countByGroup(
        from: [UInt8], to: [UInt8]?, weight: Weight? = nil, group: ([UInt8]) -> [UInt8]?
    ) throws(ReadFailure) -> (counts: [[UInt8]: UInt64], nodesRead: Int) {
        var counts: [[UInt8]: UInt64] = [:]
        var nodesRead = 0
        func inside(_ k: [UInt8]) -> Bool { !k.lexicographicallyPrecedes(from) && (to.map { k.lexicographicallyPrecedes($0) } ?? true) }
        // A level at a time, so a remote tree answers in one round trip per level.
        var level = root.map { [$0] } ?? []
        while !level.isEmpty {
            var read: [ChildRef] = []
            for ref in level {
                if ref.lastKey.lexicographicallyPrecedes(from) { continue }
                if let to, !ref.firstKey.lexicographicallyPrecedes(to) { continue }
                if inside(ref.firstKey) && inside(ref.lastKey), let g = group(ref.firstKey), group(ref.lastKey) == g {
                    counts[g, default: 0] += weight?.subtree(ref) ?? ref.count
                } else {
                    read.append(ref)
                }
            }
            nodesRead += read.count
            level = []
            for node in try reader.nodes(read) {
                if node.isLeaf {
                    for (k, v) in zip(node.keys, node.values) where inside(k) {
                        guard let g = group(k) else { continue }
                        if let weight { counts[g, default: 0] += weight.entry(k, try reader.value(v)) } else { counts[g, default: 0] += 1 }
                    }
                } else {
                    level += node.children
                }
            }
        }
        return (counts, nodesRead)
    }
}
