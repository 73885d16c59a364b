import Blocks
import Testing

@testable import ProllyTree

@Suite struct BatchReadTests {
    @Test func getManyEqualsGets() throws {
        var rng = SplitMix(seed: 17)
        let store = MemoryStore()
        let keys = randomKeys(4000, &rng)
        let tree = try build(keys.map { ($0, value(for: $0)) }, store: store)
        let probes = Array(keys.shuffled(using: &rng).prefix(300)) + randomKeys(100, &rng)
        let fresh = try Tree.open(tree.headerCID, store: store)
        let batch = try fresh.getMany(probes)
        for (k, v) in zip(probes, batch) { #expect(v == (try tree.get(k))) }
    }

    @Test func prefetchLoadsWhatACountNeeds() throws {
        let store = MemoryStore()
        let tree = try build((0..<40000).map { (key($0), [1, 2]) }, store: store)
        let fresh = try Tree.open(tree.headerCID, store: store)
        try fresh.prefetch(ranges: [(key(1000), key(30000))])
        let loaded = fresh.reader.nodesLoaded
        #expect(try fresh.count(from: key(1000), to: key(30000)) == 29000)
        #expect(fresh.reader.nodesLoaded == loaded, "count read nodes the prefetch missed")
    }

    /// A range no key falls in, lying between two leaves (a term one segment lacks), reads
    /// nothing below their parent; a range ending just before a leaf starts does not read that
    /// leaf. A count over either then reads nothing more.
    @Test func prefetchSkipsLeavesARangeDoesNotReach() throws {
        let store = MemoryStore()
        let tree = try build((0..<40000).map { (key($0), [1, 2]) }, store: store)
        var ref = tree.root!
        while ref.level > 1 { ref = try tree.reader.node(ref).children[0] }
        let leaves = try tree.reader.node(ref).children
        #expect(leaves.count > 3)

        let gap = try Tree.open(tree.headerCID, store: store)
        try gap.prefetch(ranges: [(leaves[1].lastKey + [0], leaves[2].firstKey)])
        #expect(!leaves.contains { gap.reader.contains($0.cid) }, "a leaf of an empty range was read")
        let loaded = gap.reader.nodesLoaded
        #expect(try gap.count(from: leaves[1].lastKey + [0], to: leaves[2].firstKey) == 0)
        #expect(gap.reader.nodesLoaded == loaded)

        let edge = try Tree.open(tree.headerCID, store: store)
        try edge.prefetch(ranges: [(leaves[1].firstKey, leaves[2].firstKey)])
        #expect(edge.reader.contains(leaves[1].cid))
        #expect(!edge.reader.contains(leaves[2].cid), "the leaf after the range's end was read")
        let before = edge.reader.nodesLoaded
        #expect(try edge.count(from: leaves[1].firstKey, to: leaves[2].firstKey) == leaves[1].count)
        #expect(edge.reader.nodesLoaded == before)
    }

    /// Lookups in trees of different heights, whose upper levels the store holds locally (a
    /// bootstrap), ask the network once: the nodes held are descended first, so every tree's
    /// leaves come in one batch instead of one batch per height.
    @Test func batchedReadsDescendLocalNodesFirst() throws {
        let memory = MemoryStore()
        let tall = try build((0..<40000).map { (key($0), [1]) }, store: memory)
        let short = try build((0..<300).map { (key($0 * 7), [2]) }, store: memory)
        #expect(tall.height > short.height)
        var upper = Set<CID>()
        for t in [tall, short] {
            var level = [t.root!]
            while let r = level.first, r.level > 0 {
                upper.formUnion(level.map(\.cid))
                level = try level.flatMap { try t.reader.node($0).children }
            }
        }
        let store = BatchCountingStore(memory, local: upper)
        let reader = NodeReader(store: store)
        let a = try Tree.open(tall.headerCID, reader: reader), b = try Tree.open(short.headerCID, reader: reader)
        store.batches = 0
        let found = try Tree.getMany([(a, [key(5), key(39000)]), (b, [key(7), key(14)])])
        #expect(found == [[[1], [1]], [[2], [2]]])
        #expect(store.batches == 1, "leaves of trees of different heights came in \(store.batches) batches")

        let c = try Tree.open(tall.headerCID, reader: NodeReader(store: store)), d = try Tree.open(short.headerCID, reader: c.reader)
        store.batches = 0
        try Tree.prefetch([(c, [(key(100), key(200))]), (d, [(key(70), key(140))])])
        #expect(store.batches == 1, "prefetch of trees of different heights took \(store.batches) batches")
    }
}

/// A store holding some blocks "locally" (as a bootstrap does) and counting the reads that
/// ask it for any other block: each is one round trip over HTTP.
final class BatchCountingStore: BlockStore, @unchecked Sendable {
    let inner: MemoryStore
    let local: Set<CID>
    var batches = 0
    init(_ inner: MemoryStore, local: Set<CID>) {
        self.inner = inner
        self.local = local
    }
    var name: String { "counting" }
    func get(_ cid: CID) throws(ReadFailure) -> [UInt8] { try getMany([cid])[0] }
    func getMany(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]] {
        if cids.contains(where: { !local.contains($0) }) { batches += 1 }
        return try cids.map { (c) throws(ReadFailure) in try inner.get(c) }
    }
    func has(_ cid: CID) throws(ReadFailure) -> Bool { try inner.has(cid) }
    func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure) { try inner.put(bytes, cid: cid) }
    func holdsLocally(_ cid: CID) -> Bool { local.contains(cid) }
}
