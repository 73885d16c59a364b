import Blocks
import ProllyTree
import Support
import Synchronization

/// Compacts segments into one, deterministically: the inputs' four trees are streamed together
/// in key order (`Tree.union` with a filter, reusing whole subtrees that need no change) into
/// new trees, without every entry of a document one input tombstones in another. The result is
/// a function of the inputs alone — the same set in any order gives the same CID, which is what
/// a fresh build of the surviving documents under their DocRefs would give — so anyone holding
/// the inputs can recompute it (`indexer verify --recompute`).
///
/// Tombstones apply exactly as `IndexView` applies them: an input's tombstone counts for
/// documents of its own groups held by another segment. Those targeting another input are
/// applied (the documents are dropped); those targeting a batch outside the inputs are carried
/// forward into the result, since they still remove documents of older segments. Tombstones in
/// segments that are not inputs are not applied here: they keep applying to the compacted
/// segment as they did to its inputs, so the result needs nothing outside its inputs.
public enum IndexCompaction {
    /// A compacted segment written, and what it took.
    public struct Compacted: Sendable {
        public var segment: CID
        public var info: SegmentInfo
        /// Documents of the inputs left out (tombstoned by another input).
        public var dropped: Int
        public var blocksWritten = 0
        public var bytesWritten = 0
        /// Blocks of input subtrees reused whole (not re-encoded).
        public var blocksReused: UInt64 = 0
    }

    /// Compacts `inputs` (segments of one view, holding disjoint batches) into one segment in
    /// `store`, recording `replacing` (the listed segments it stands for) as `compactedFrom`.
    /// Streams: memory holds a few nodes per tree and input plus the inputs' node cache.
    public static func compact(_ inputs: [Segment], replacing: [CID], into store: DirectoryStore) throws -> Compacted {
        guard let analyzer = inputs.first?.info.analyzer else { throw IndexError.compaction("no segments to compact") }
        if let other = inputs.first(where: { $0.info.analyzer != analyzer }) {
            throw IndexError.otherAnalyzer(input: "segment \(other.cid)", found: other.info.analyzer, expected: analyzer)
        }
        let infos = inputs.map(\.info)
        let owner = try SegmentInfo.owners(infos, cids: inputs.map(\.cid))
        var dropped = Set<DocKey>()
        var carried: [DocRef: SegmentInfo.Tombstone] = [:]
        for (_, target, t) in SegmentInfo.tombstones(of: infos, owner: owner) {
            if target != nil {
                dropped.insert(DocKey(t.doc))
            } else if let c = carried[t.doc], (c.bodyLength, c.titleLength) <= (t.bodyLength, t.titleLength) {
                continue  // two inputs removing one document: keep one, whatever the input order
            } else {
                carried[t.doc] = t
            }
        }
        let filter = KeyFilter(
            batches: inputs.map { Set($0.info.batches.map { BatchKey($0.group, $0.batch) }) }, dropped: dropped)

        // The four trees in parallel, each a filtered union of the inputs' trees.
        struct Built: Sendable {
            var tree: CID
            var stats: Tree.MergeStats
        }
        let results = Mutex<[Int: Built]>([:])
        let errors = Mutex<[Error]>([])
        let trees = ShardTree.allCases
        concurrentlyPerform(iterations: trees.count) { t in
            let tree = trees[t]
            do {
                // Re-cut when a block may lose a document, or an input's tree has another
                // shape (one entry per posting; format 4's larger internal nodes).
                let reshaped = inputs.contains { !$0.tree(tree).params.sameShape(as: tree.parameters) }
                if tree.isBlocked && (!filter.dropped.isEmpty || reshaped) {
                    let (built, stats) = try reblock(tree, of: inputs, filter: filter, into: store)
                    results.withLock { $0[t] = Built(tree: built.headerCID, stats: stats) }
                    return
                }
                let postingsLike = tree == .postings || tree == .positions
                let (built, stats) = try Tree.union(
                    inputs.map { $0.tree(tree) }, params: tree.parameters, into: store, aggregator: tree.aggregator,
                    filter: Tree.EntryFilter(
                        keeps: { filter.keeps(input: $0, key: $1, posting: postingsLike) },
                        keepsAll: { filter.keepsAll(input: $0, first: $1, last: $2, posting: postingsLike) }))
                results.withLock { $0[t] = Built(tree: built.headerCID, stats: stats) }
            } catch {
                errors.withLock { $0.append(error) }
            }
        }
        if let e = errors.withLock({ $0.first }) { throw e }
        let built = results.withLock { $0 }

        // Statistics from the new docs tree: its count, its length aggregate, a count per batch.
        let docs = try Tree.open(built[ShardTree.docs.index]!.tree, reader: NodeReader(store: store, cacheBytes: 4 << 20))
        let (body, title) = docs.root.flatMap { LengthAggregator.decode($0.aggregate) } ?? (0, 0)
        var batches: [SegmentInfo.Batch] = []
        for s in inputs { batches += s.info.batches }
        batches.sort { $0.id < $1.id }
        for i in batches.indices {
            let prefix = batches[i].id.prefix
            batches[i].documents = try docs.count(from: prefix, to: ShardKeys.successor(ofPrefix: prefix))
        }
        var roots: [String: CID] = [:]
        for t in trees { roots[t.name] = built[t.index]!.tree }
        var info = SegmentInfo(
            analyzer: analyzer, trees: roots, documents: docs.count, bodyLength: body, titleLength: title, batches: batches,
            tombstones: carried.values.sorted { $0.doc < $1.doc },
            compactedFrom: Array(Set(replacing)).sorted())
        info.formatVersion = inputs.map(\.info.formatVersion).min() ?? info.formatVersion
        let before = inputs.reduce(0) { $0 + $1.info.documents }
        var out = Compacted(segment: try store.put(info.cbor.encode()), info: info, dropped: Int(before - min(before, docs.count)))
        for b in built.values {
            out.blocksWritten += b.stats.blocksWritten
            out.bytesWritten += b.stats.bytesWritten
            out.blocksReused += b.stats.blocksReused
        }
        return out
    }

    /// The postings (or positions) tree of the inputs' kept postings, cut into blocks afresh:
    /// when a dropped document may sit inside a block, or an input holds one entry per posting
    /// (before format 4). The blocks are those a build of the same postings cuts
    /// (`PostingBlocker`, `PositionBlocker`), so the tree is the one a union of unchanged
    /// blocks would give. Entries merge by key across inputs: a block lies in one batch, so no
    /// other input's posting falls inside it.
    static func reblock(_ tree: ShardTree, of inputs: [Segment], filter: KeyFilter, into store: BlockStore) throws -> (Tree, Tree.MergeStats) {
        let builder = try TreeBuilder(store: store, params: tree.parameters, aggregator: tree.aggregator)
        var cursors = inputs.map { $0.tree(tree).scan() }
        var heads = try cursors.indices.map { i in try cursors[i].nextEntry() }
        var postings = PostingBlocker(), positions = PositionBlocker()
        var ordinals: [UInt32] = [], tfs: [UInt32] = [], codes: [UInt8] = [], lists: [[UInt8]] = []
        func emit(_ key: [UInt8], _ value: [UInt8]) throws { try builder.add(key: key, value: value) }
        func take(_ input: Int, _ key: [UInt8], _ j: Int) throws {
            guard filter.keeps(input: input, key: key, posting: true) else { return }
            if tree == .postings {
                try postings.add(key: key, tf: tfs[j], lengthCode: codes[j], emit: emit)
            } else {
                try positions.add(key: key, list: lists[j], emit: emit)
            }
        }
        while true {
            var next: Int? = nil
            for i in heads.indices {
                guard let h = heads[i] else { continue }
                if next.map({ Tree.precedes(h.key, heads[$0]!.key) }) ?? true { next = i }
            }
            guard let i = next, let (key, value) = heads[i] else { break }
            heads[i] = try cursors[i].nextEntry()
            guard let docAt = KeyFilter.docRange(key, posting: true) else { throw IndexError.malformedKey(tree: tree, key: key) }
            func malformed() -> IndexError { .corrupt("segment \(inputs[i].cid): malformed \(tree.name) entry \(Hex.encode(key))") }
            ordinals.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            codes.removeAll(keepingCapacity: true)
            lists.removeAll(keepingCapacity: true)
            let last = DocRef.readUInt32(key, key.count - 4)
            if !inputs[i].isBlocked(tree) {
                // One posting per entry.
                ordinals.append(last)
                if tree == .postings {
                    guard let p = PostingValue(value) else { throw malformed() }
                    tfs.append(p.tf)
                    codes.append(p.lengthCode)
                } else {
                    lists.append(value)
                }
            } else if tree == .postings {
                guard PostingBlock.decode(value, last: last, ordinals: &ordinals, tfs: &tfs, codes: &codes) else { throw malformed() }
            } else {
                guard PositionBlock.decode(value, last: last, ordinals: &ordinals, lists: &lists) else { throw malformed() }
            }
            var posting = Array(key[..<(docAt.upperBound - 4)])
            for j in ordinals.indices {
                posting.removeSubrange((docAt.upperBound - 4)...)
                DocRef.append(ordinals[j], &posting)
                try take(i, posting, j)
            }
        }
        try postings.flush(emit)
        try positions.flush(emit)
        let built = try builder.finish()
        var stats = Tree.MergeStats()
        stats.blocksWritten = builder.stats.blocksWritten
        stats.bytesWritten = builder.stats.bytesWritten
        return (built, stats)
    }

    /// Recomputes the compacted segment `info` from its inputs (`info.compactedFrom`), read
    /// from `store`, in a scratch folder under `scratch` (removed after), and returns the CID
    /// the compaction gives: equal to the segment's own when it is what its inputs compact to.
    public static func recompute(_ info: SegmentInfo, from store: BlockStore, scratch: String) throws -> CID {
        let reader = NodeReader(store: store, cacheBytes: 64 << 20)
        let inputs = try info.compactedFrom.map { c in
            do { return try Segment.open(c, reader: reader) } catch {
                throw IndexError.compaction("input segment \(c) cannot be read: \(error)")
            }
        }
        let folder = scratch + "/recompute-\(Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) }))"
        defer { _ = try? FileSystem.removeTree(folder) }
        return try compact(inputs, replacing: info.compactedFrom, into: try DirectoryStore(root: folder)).segment
    }
}

/// `group ‖ batch`, as two integers: `BatchID` for the filter's per-key lookups (hashing its
/// group's byte array per key was the cost of filtering).
struct BatchKey: Hashable, Sendable {
    let group: UInt64
    let batch: UInt32
    init(_ group: GroupID, _ batch: UInt32) {
        self.group = group.bytes.reduce(0) { $0 << 8 | UInt64($1) }
        self.batch = batch
    }
    init(_ bytes: UnsafeRawBufferPointer) {
        group = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
        batch = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
    }
}

/// A DocRef as two integers, ordered as DocRef bytes are.
struct DocKey: Hashable, Comparable, Sendable {
    let high: UInt64
    let low: UInt64
    init(_ d: DocRef) { self = d.bytes.withUnsafeBytes { DocKey($0) } }
    init(_ bytes: UnsafeRawBufferPointer) {
        high = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
        low = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }
    static func < (a: DocKey, b: DocKey) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// Which tree entries a compaction keeps: those of each input's own batches (a segment's
/// trees are whatever its writer put there; nothing outside its batches is ever read, so none
/// of it is carried) whose document no other input tombstones.
struct KeyFilter: Sendable {
    let batches: [Set<BatchKey>]
    /// Per input holding one batch (the usual case), that batch: a key's batch is compared
    /// with it instead of hashed into `batches`, which was most of the per-key filter's cost.
    let only: [BatchKey?]
    let dropped: Set<DocKey>
    let droppedSorted: [DocKey]

    init(batches: [Set<BatchKey>], dropped: Set<DocKey>) {
        self.batches = batches
        only = batches.map { $0.count == 1 ? $0.first : nil }
        self.dropped = dropped
        droppedSorted = dropped.sorted()
    }

    /// The key's DocRef bytes, or nil when the key is not of the tree's form (postings and
    /// positions: `field ‖ term ‖ 0 ‖ DocRef`; docs and text: the DocRef, in a format 3 text
    /// tree followed by the chunk number).
    static func docRange(_ key: [UInt8], posting: Bool) -> Range<Int>? {
        let n = key.count
        if posting {
            guard n >= 2 + DocRef.byteCount, Field(rawValue: key[0]) != nil, key[n - DocRef.byteCount - 1] == 0 else { return nil }
            return (n - DocRef.byteCount)..<n
        }
        guard n == DocRef.byteCount || n == DocRef.byteCount + ShardTree.text.keyTrailer else { return nil }
        return 0..<DocRef.byteCount
    }

    func keeps(input: Int, key: [UInt8], posting: Bool) -> Bool {
        guard let r = KeyFilter.docRange(key, posting: posting) else { return false }
        return key.withUnsafeBytes { b in
            let doc = UnsafeRawBufferPointer(rebasing: b[r])
            let batch = BatchKey(doc)
            let ours = only[input].map { $0 == batch } ?? batches[input].contains(batch)
            return ours && (dropped.isEmpty || !dropped.contains(DocKey(doc)))
        }
    }

    /// True when every key from `first` to `last` has one term and one batch of the input's,
    /// and no dropped document lies between: a subtree that can be reused whole.
    func keepsAll(input: Int, first: [UInt8], last: [UInt8], posting: Bool) -> Bool {
        guard let r = KeyFilter.docRange(first, posting: posting), let s = KeyFilter.docRange(last, posting: posting), r == s,
            first[..<(r.upperBound - 4)] == last[..<(s.upperBound - 4)]
        else { return false }
        let (lo, hi, batch) = first.withUnsafeBytes { f in
            last.withUnsafeBytes { l in
                let a = UnsafeRawBufferPointer(rebasing: f[r]), b = UnsafeRawBufferPointer(rebasing: l[s])
                return (DocKey(a), DocKey(b), BatchKey(a))
            }
        }
        guard batches[input].contains(batch) else { return false }
        // The first dropped document at or after `lo`, if any, must lie beyond `hi`.
        var a = 0, b = droppedSorted.count
        while a < b {
            let m = (a + b) / 2
            if droppedSorted[m] < lo { a = m + 1 } else { b = m }
        }
        return a == droppedSorted.count || hi < droppedSorted[a]
    }
}
