import Blocks
import ProllyTree

/// A postings leaf decoded once into integer arrays (kept with the node in the reader's cache,
/// so warm queries never parse keys or values again): per posting, its DocRef, its tf (0: a
/// malformed value, thrown when a cursor reaches it) and length code. In a format-4 leaf an
/// entry is a `PostingBlock`, and `entryStarts` says where each entry's postings begin.
final class PostingLeaf: Sendable {
    /// The node's keys end to end, key i at `keyBytes[keyStarts[i]..<keyStarts[i + 1]]`:
    /// cursors binary-search them for a term's range once per leaf, and in one buffer that
    /// touches a few cache lines, not one array object per key probed (12% of a warm query).
    let keyBytes: [UInt8]
    let keyStarts: [Int]
    let docs: [DocRef]
    let tfs: [UInt32]
    let lengthCodes: [UInt8]
    /// Key lengths (saturated), to check a range's keys have a posting's shape without
    /// touching each key.
    let keyLengths: [UInt16]
    /// Blocks: entry i's postings are `entryStarts[i]..<entryStarts[i + 1]`. Empty when each
    /// entry is one posting.
    let entryStarts: [Int]
    /// Blocks: entry i's impacts (`Impacts`: the (tf, length code) pairs no other posting of
    /// the block beats) are `impactTfs[j]`, `impactCodes[j]` for j in
    /// `impactStarts[i]..<impactStarts[i + 1]`, so a bound inside the leaf scores a few pairs,
    /// not every posting (the scan was 15% of a warm linux-doc query).
    let impactStarts: [Int]
    let impactTfs: [UInt32]
    let impactCodes: [UInt8]

    init(_ node: Node, blocked: Bool) {
        var bytes: [UInt8] = [], starts: [Int] = [0]
        bytes.reserveCapacity(node.keys.reduce(0) { $0 + $1.count })
        starts.reserveCapacity(node.keys.count + 1)
        for key in node.keys {
            bytes.append(contentsOf: key)
            starts.append(bytes.count)
        }
        keyBytes = bytes
        keyStarts = starts
        keyLengths = node.keys.map { UInt16(clamping: $0.count) }
        var docs: [DocRef] = [], tfs: [UInt32] = [], lengthCodes: [UInt8] = []
        var entryStarts: [Int] = []
        docs.reserveCapacity(node.keys.count)
        tfs.reserveCapacity(node.keys.count)
        lengthCodes.reserveCapacity(node.keys.count)
        let none = DocRef(group: GroupID(value: 0), batch: 0, ordinal: 0)
        var ordinals: [UInt32] = []
        for (key, value) in zip(node.keys, node.values) {
            let last = key.count >= DocRef.byteCount ? key.withUnsafeBytes { DocRef($0, at: key.count - DocRef.byteCount) } : none
            guard blocked else {
                docs.append(last)
                guard case .inline(let raw) = value, let v = PostingValue(raw) else {
                    tfs.append(0)
                    lengthCodes.append(0)
                    continue
                }
                tfs.append(v.tf)
                lengthCodes.append(v.lengthCode)
                continue
            }
            entryStarts.append(docs.count)
            ordinals.removeAll(keepingCapacity: true)
            guard case .inline(let raw) = value,
                PostingBlock.decode(raw, last: last.ordinal, ordinals: &ordinals, tfs: &tfs, codes: &lengthCodes)
            else {
                docs.append(last)
                tfs.append(0)
                lengthCodes.append(0)
                continue
            }
            for o in ordinals { docs.append(DocRef(group: last.group, batch: last.batch, ordinal: o)) }
        }
        if blocked { entryStarts.append(docs.count) }
        var impactStarts: [Int] = [], impactTfs: [UInt32] = [], impactCodes: [UInt8] = []
        if blocked {
            var table = Impacts.Table()
            impactStarts.reserveCapacity(entryStarts.count)
            for (from, to) in zip(entryStarts, entryStarts.dropFirst()) {
                impactStarts.append(impactTfs.count)
                for j in from..<to { table.add(tf: tfs[j], code: lengthCodes[j]) }
                for p in Impacts(table: &table).pairs {
                    impactTfs.append(p.tf)
                    impactCodes.append(p.lengthCode)
                }
            }
            impactStarts.append(impactTfs.count)
        }
        self.docs = docs
        self.tfs = tfs
        self.lengthCodes = lengthCodes
        self.entryStarts = entryStarts
        self.impactStarts = impactStarts
        self.impactTfs = impactTfs
        self.impactCodes = impactCodes
    }

    /// Where entry `i`'s postings begin (`i` may be the entry count: the end).
    @inline(__always)
    func start(ofEntry i: Int) -> Int { entryStarts.isEmpty ? i : entryStarts[i] }

    /// Blocks: the entry holding posting `p` (the last one starting at or before it).
    func entry(holding p: Int) -> Int {
        var a = 0, b = entryStarts.count - 1
        while a + 1 < b {
            let m = (a + b) / 2
            if entryStarts[m] <= p { a = m } else { b = m }
        }
        return a
    }

    /// Blocks: the best `score` of entry `i`'s impacts, so of any of its postings.
    func best(ofEntry i: Int, _ score: (UInt32, UInt8) -> Double) -> Double {
        var best = 0.0
        for j in impactStarts[i]..<impactStarts[i + 1] { best = max(best, score(impactTfs[j], impactCodes[j])) }
        return best
    }

    var entryCount: Int { keyLengths.count }

    /// About the memory the arrays hold (a format-4 leaf decodes to about 7 times its bytes).
    var memoryCost: Int {
        keyBytes.count + 8 * keyStarts.count + 2 * keyLengths.count + 16 * entryStarts.count + 5 * impactTfs.count
            + (MemoryLayout<DocRef>.stride + 5) * docs.count + 5 * 32
    }

    /// The first index whose key is ≥ `key` (`Tree.lowerBound` over the node's keys).
    func lowerBound(_ key: [UInt8]) -> Int {
        keyBytes.withUnsafeBytes { bytes in
            keyStarts.withUnsafeBufferPointer { starts in
                key.withUnsafeBytes { k in
                    var lo = 0, hi = starts.count - 1
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        let probe = UnsafeRawBufferPointer(rebasing: bytes[starts[mid]..<starts[mid + 1]])
                        if Tree.precedes(probe, k) { lo = mid + 1 } else { hi = mid }
                    }
                    return lo
                }
            }
        }
    }
}

/// Whether the cursors of one search may read nodes the reader has not cached. Planning a
/// search, and its top-k loop over a remote index, run iterators over the nodes already
/// fetched (`offline`): a cursor that would read another node throws `BlockError.notFound`
/// with `LeafGate.source` instead (and notes the node in `missed`), so the search can fetch
/// it together with the others it will need, in one batch rather than a node per round trip.
public final class LeafGate {
    public static let source = "a leaf not fetched yet"
    public var offline = false
    /// Planning: checks that would read positions or records stop too (`SearchEngine`).
    public var planning = false
    /// The node the last refused read wanted.
    public var missed: ChildRef? = nil
    public init() {}

    /// Throws when offline and `ref`'s node would need a block read.
    @inline(__always)
    func check(_ ref: ChildRef, _ reader: NodeReader) throws(ReadFailure) {
        if offline && !reader.contains(ref.cid) {
            missed = ref
            throw BlockError.notFound(cid: ref.cid, source: LeafGate.source)
        }
    }
}

/// Walks one term's postings in DocRef order with the moves block-max query evaluation needs:
/// `next`, `advance(to:)` (galloping from the current position, not a seek from the root), and
/// `bound(at:)`, which reads only internal nodes to give the best (tf, length) pairs of the
/// leaf a DocRef would fall in and where that leaf ends — so whole leaves can be skipped unread.
/// Inside a leaf the cursor works on the leaf's decoded integer arrays: no allocation per posting.
public struct PostingCursor {
    let tree: Tree
    /// The term's key prefix; DocRefs follow it.
    let prefix: [UInt8]
    /// `prefix` and the DocRef bytes every posting read must start with (a segment's batch).
    let scoped: [UInt8]
    /// The first key after every key starting with `scoped` (nil: there is none).
    let scopeEnd: [UInt8]?
    /// Internal nodes from the root down to the current leaf's parent, each with the index of
    /// the child the path takes.
    private var stack: [(node: Node, index: Int)] = []
    /// The current leaf; this term's postings in it are `position..<end`.
    private var leaf: PostingLeaf? = nil
    private var position = 0
    private var end = 0
    /// Whether this term's postings may go on in the next leaf (they reach this leaf's end).
    private var continues = false
    public private(set) var doc: DocRef?
    /// Leaves read so far (a measure of pruning).
    public private(set) var leavesRead = 0
    let gate: LeafGate?
    /// Whether the tree holds `PostingBlock`s (format 4).
    let blocked: Bool

    /// A cursor over the postings under `prefix` whose DocRef starts with `scope` (a group and
    /// batch: the postings one segment answers for).
    /// `start`: the first posting read is the first ≥ it (a search resuming where it stopped
    /// reads nothing before).
    init(tree: Tree, prefix: [UInt8], scope: [UInt8] = [], gate: LeafGate? = nil, from start: DocRef? = nil) throws(ReadFailure) {
        self.tree = tree
        self.gate = gate
        self.prefix = prefix
        blocked = tree.params.weighsValues
        scoped = prefix + scope
        scopeEnd = ShardKeys.successor(ofPrefix: scoped)
        if let start, case let k = key(start), Tree.precedes(scoped, k) {
            if beyondScope(k) {
                finish()
                return
            }
            try seek(k, doc: start)
        } else {
            try seek(scoped)
        }
    }

    // The reads below are `mutating` though they change nothing: an iterator keeps its cursor
    // in a class property, and a non-mutating call there copies the whole cursor first (its
    // arrays retained and released: 4% of a warm query); a mutating one works in place.

    /// The current posting's tf and length code.
    public var value: PostingValue { mutating get { PostingValue(tf: tf, lengthCode: lengthCode) } }
    public var tf: UInt32 { mutating get { leaf!.tfs[position] } }
    public var lengthCode: UInt8 { mutating get { leaf!.lengthCodes[position] } }

    private func key(_ d: DocRef) -> [UInt8] {
        var k = prefix
        k.reserveCapacity(prefix.count + DocRef.byteCount)
        d.append(to: &k)
        return k
    }

    private func beyondScope(_ key: [UInt8]) -> Bool { scopeEnd.map { !Tree.precedes(key, $0) } ?? false }

    /// Positions the cursor at the first key ≥ `target` from the root (`doc`: the DocRef
    /// `target` ends with, if it does).
    private mutating func seek(_ target: [UInt8], doc: DocRef? = nil) throws(ReadFailure) {
        stack.removeAll(keepingCapacity: true)
        guard let root = tree.root else { return finish() }
        try descend(root, to: target, doc: doc)
    }

    /// Descends from `ref` to the leaf that holds the first key ≥ `target` (pushing the path);
    /// `doc` is the DocRef `target` ends with, if it does.
    private mutating func descend(_ start: ChildRef, to target: [UInt8]?, doc: DocRef?) throws(ReadFailure) {
        var ref = start
        while ref.level > 0 {
            // A subtree starting past the scope holds none of its postings (the term is absent
            // from this batch): not read, as `Tree.prefetch` does not read it either.
            if beyondScope(ref.firstKey) { return finish() }
            try gate?.check(ref, tree.reader)
            let node = try tree.reader.node(ref)
            let i = target.map { Tree.childIndex(node.children, $0) } ?? 0
            guard i < node.children.count else { return finish() }
            stack.append((node, i))
            ref = node.children[i]
        }
        if beyondScope(ref.firstKey) { return finish() }
        try gate?.check(ref, tree.reader)
        let blocked = blocked
        let decoded = try tree.reader.derived(ref, as: PostingLeaf.self, cost: { $0.memoryCost }, { PostingLeaf($0, blocked: blocked) })
        leavesRead += 1
        try enter(decoded, from: target, doc: doc)
    }

    /// Takes this term's postings ≥ `target` (≥ `doc`) in `decoded` (all of its postings when nil).
    private mutating func enter(_ decoded: PostingLeaf, from target: [UInt8]?, doc: DocRef?) throws(ReadFailure) {
        // Entries first (postings, or blocks keyed by their last posting), then postings.
        let first = target.map { decoded.lowerBound($0) } ?? 0
        var stop = scopeEnd.map { decoded.lowerBound($0) } ?? decoded.entryCount
        continues = stop == decoded.entryCount
        // A key of another shape ends the walk, as a corrupt key should not pass for a posting.
        let length = UInt16(clamping: prefix.count + DocRef.byteCount)
        if let bad = decoded.keyLengths[first..<max(first, stop)].firstIndex(where: { $0 != length }) {
            stop = bad
            continues = false
        }
        var lo = decoded.start(ofEntry: first)
        let hi = decoded.start(ofEntry: max(first, stop))
        // The block holding `doc` starts with up to 127 postings before it.
        if let doc, blocked { while lo < hi && decoded.docs[lo] < doc { lo += 1 } }
        leaf = decoded
        position = lo
        end = max(lo, hi)
        try settle()
    }

    /// The impacts in a child's aggregate (with a posting count before them in format 4).
    private func impacts(_ aggregate: [UInt8]) -> Impacts? {
        BlockImpactAggregator.impacts(aggregate, blocked: blocked)
    }

    /// Reads the posting at `position`, or moves on to the next leaf when this one is used up.
    private mutating func settle() throws(ReadFailure) {
        guard position < end else {
            if continues { return try nextLeaf() }
            return finish()
        }
        let d = leaf!.docs[position]
        guard leaf!.tfs[position] != 0 else { throw IndexError.malformedValue(tree: .postings, document: d) }
        doc = d
    }

    private mutating func finish() {
        doc = nil
        leaf = nil
        position = 0
        end = 0
        stack.removeAll()
    }

    /// The leftmost leaf after the current one.
    private mutating func nextLeaf() throws(ReadFailure) {
        while let top = stack.last {
            if top.index + 1 < top.node.children.count {
                stack[stack.count - 1].index += 1
                return try descend(top.node.children[top.index + 1], to: nil, doc: nil)
            }
            stack.removeLast()
        }
        finish()
    }

    public mutating func next() throws(ReadFailure) {
        guard doc != nil else { return }
        guard gate != nil, position + 1 >= end else {
            position += 1
            return try settle()
        }
        try keepingPlaceOnFailure { (c) throws(ReadFailure) in
            c.position += 1
            try c.settle()
        }
    }

    /// Runs a move that may read another leaf; when a read fails (a gate refusing it), the
    /// cursor is left as it was before the move, consistent, so a search can still ask it for
    /// bounds and leaves ahead (`SearchEngine.readAhead`). Only gated cursors pay for the copy.
    private mutating func keepingPlaceOnFailure(_ move: (inout PostingCursor) throws(ReadFailure) -> Void) throws(ReadFailure) {
        let saved = self
        do { try move(&self) } catch {
            self = saved
            throw error
        }
    }

    /// Moves to the first posting with DocRef ≥ `target` (no move if already there).
    public mutating func advance(to target: DocRef) throws(ReadFailure) {
        guard let current = doc, current < target, let decoded = leaf else { return }
        let docs = decoded.docs
        if !(docs[end - 1] < target) {
            // Gallop from the current posting, then binary search the last step.
            var lo = position, step = 1, hi = position + 1
            while hi < end && docs[hi] < target {
                lo = hi
                step <<= 1
                hi = lo + step
            }
            var l = lo + 1, h = min(hi, end - 1)
            while l < h {
                let m = (l + h) / 2
                if docs[m] < target { l = m + 1 } else { h = m }
            }
            position = l
            return try settle()
        }
        guard continues else { return finish() }
        guard gate != nil else { return try seekForward(target) }
        try keepingPlaceOnFailure { (c) throws(ReadFailure) in try c.seekForward(target) }
    }

    /// `advance(to:)` past the current leaf.
    private mutating func seekForward(_ target: DocRef) throws(ReadFailure) {
        let k = key(target)
        if beyondScope(k) { return finish() }
        // Climb while the current node cannot hold `target`, then descend from there.
        while let top = stack.last, Tree.precedes(top.node.lastKey, k) { stack.removeLast() }
        guard let top = stack.last else { return finish() }
        let i = max(top.index, Tree.childIndex(top.node.children, k))
        stack[stack.count - 1].index = i
        try descend(top.node.children[i], to: k, doc: target)
    }

    /// An upper bound of `score(tf, lengthCode)` over this term's postings in the current leaf
    /// that are ≥ `target` — the best of the block holding the first of them (its impacts), or
    /// before blocks the best of at most `count` of them — and the last DocRef it holds for
    /// (nil: the term's postings end there). Nil when `target` is past this leaf's postings.
    /// Reads nothing. `score` must not fall as tf rises or the length code falls (BM25).
    public mutating func bestInLeaf(from target: DocRef, count: Int, _ score: (UInt32, UInt8) -> Double) -> (score: Double, end: DocRef?)? {
        guard doc != nil, let leaf, !(leaf.docs[end - 1] < target) else { return nil }
        return leaf.docs.withUnsafeBufferPointer { docs in
            var lo = position, hi = end
            while lo < hi {
                let m = (lo + hi) / 2
                if docs[m] < target { lo = m + 1 } else { hi = m }
            }
            if !leaf.entryStarts.isEmpty {
                let e = leaf.entry(holding: lo)
                let stop = min(leaf.start(ofEntry: e + 1), end)
                return (leaf.best(ofEntry: e, score), stop == end && !continues ? nil : docs[stop - 1])
            }
            let stop = min(lo + count, end)
            var best = 0.0
            leaf.tfs.withUnsafeBufferPointer { tfs in
                leaf.lengthCodes.withUnsafeBufferPointer { codes in
                    for j in lo..<stop { best = max(best, score(tfs[j], codes[j])) }
                }
            }
            return (best, stop == end && !continues ? nil : docs[stop - 1])
        }
    }

    /// The impacts of the leaf that holds (or would hold) `target` and the last DocRef of this
    /// term in that leaf (nil: the term's postings end in that leaf). Reads internal nodes only.
    public mutating func bound(at target: DocRef) throws(ReadFailure) -> (impacts: Impacts, last: DocRef?)? {
        let t = key(target)
        let k = Tree.precedes(t, scoped) ? scoped : t
        guard var ref = tree.root else { return nil }
        if ref.level == 0 {
            return (impacts(ref.aggregate) ?? Impacts([]), nil)
        }
        // The current leaf's parent usually holds `target` too: start there, not at the root.
        if let parent = stack.last?.node, parent.level == 1,
            !Tree.precedes(k, parent.firstKey), !Tree.precedes(parent.lastKey, k)
        {
            return try leafBound(in: parent, k)
        }
        while true {
            try gate?.check(ref, tree.reader)
            let node = try tree.reader.node(ref)
            if node.level == 1 { return try leafBound(in: node, k) }
            let i = Tree.childIndex(node.children, k)
            guard i < node.children.count else { return nil }
            ref = node.children[i]
        }
    }

    /// The leaf a move to `target` would read: the one holding this term's first posting ≥
    /// `target` in scope (nil: none, or the current leaf already holds it). Reads internal nodes only.
    public mutating func leaf(at target: DocRef) throws(ReadFailure) -> ChildRef? {
        if let leaf, doc != nil, !(leaf.docs[end - 1] < target) { return nil }
        let t = key(target)
        let k = Tree.precedes(t, scoped) ? scoped : t
        guard var ref = tree.root else { return nil }
        while ref.level > 0 {
            try gate?.check(ref, tree.reader)
            let node = try tree.reader.node(ref)
            let i = Tree.childIndex(node.children, k)
            guard i < node.children.count else { return nil }
            ref = node.children[i]
        }
        return beyondScope(ref.firstKey) ? nil : ref
    }

    /// `bound(at:)` among the leaves under `node` (a node of level 1).
    private func leafBound(in node: Node, _ k: [UInt8]) throws(ReadFailure) -> (impacts: Impacts, last: DocRef?)? {
        let i = Tree.childIndex(node.children, k)
        guard i < node.children.count else { return nil }
        let child = node.children[i]
        guard let impacts = impacts(child.aggregate) else { throw IndexError.malformedAggregate(tree: .postings, block: child.cid) }
        var last: DocRef? = nil
        if child.lastKey.starts(with: scoped), child.lastKey.count == prefix.count + DocRef.byteCount {
            last = DocRef(bytes: child.lastKey[prefix.count...])
        }
        return (impacts, last)
    }
}
