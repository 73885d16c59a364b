import Blocks
import Testing

@testable import ProllyTree

@Suite struct ReadTests {
    @Test(arguments: [21, 22] as [UInt64])
    func rangeScansAndCountsMatchASortedReference(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let store = MemoryStore()
        let keys = randomKeys(5000, &rng)
        let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }
        let tree = try build(keys.map { ($0, value(for: $0)) }, store: store)
        #expect(try allEntries(tree).map(\.0) == sorted)

        for _ in 0..<300 {
            var from: [UInt8]? = Bool.random(using: &rng) ? randomKeys(1, &rng)[0] : sorted.randomElement(using: &rng)
            var to: [UInt8]? = Bool.random(using: &rng) ? randomKeys(1, &rng)[0] : sorted.randomElement(using: &rng)
            if Int.random(in: 0..<10, using: &rng) == 0 { from = nil }
            if Int.random(in: 0..<10, using: &rng) == 0 { to = nil }
            let expected = sorted.filter { k in
                (from.map { !k.lexicographicallyPrecedes($0) } ?? true) && (to.map { k.lexicographicallyPrecedes($0) } ?? true)
            }
            #expect(try tree.count(from: from, to: to) == UInt64(expected.count))
            var c = tree.scan(from: from, to: to)
            var got: [[UInt8]] = []
            while let e = try c.nextEntry() { got.append(e.key) }
            #expect(got == expected)
        }
    }

    @Test func countReadsOnlyBoundaryPaths() throws {
        let store = MemoryStore()
        let tree = try build((0..<50000).map { (key($0), [1, 2, 3]) }, store: store)
        let fresh = try Tree.open(tree.headerCID, store: store)
        #expect(try fresh.count(from: key(1234), to: key(45678)) == 44444)
        #expect(fresh.reader.nodesLoaded <= 2 * fresh.height)
    }

    /// The node cache is bounded by bytes, not nodes: a scan keeps at most its capacity (and
    /// the newest node), and a capacity holding the whole tree reads it once.
    @Test func theNodeCacheIsBoundedInBytes() throws {
        let store = MemoryStore()
        let tree = try build((0..<20000).map { (key($0), [UInt8](repeating: 7, count: 40)) }, store: store)
        let small = try Tree.open(tree.headerCID, reader: NodeReader(store: store, cacheBytes: 64 << 10))
        #expect(try allEntries(small).count == 20000)
        #expect(small.reader.nodesLoaded > 20 && small.reader.cachedBytes <= 64 << 10)
        let loaded = small.reader.nodesLoaded
        #expect(try allEntries(small).count == 20000)
        #expect(small.reader.nodesLoaded > loaded, "evicted nodes are read again")
        let big = try Tree.open(tree.headerCID, reader: NodeReader(store: store, cacheBytes: 64 << 20))
        _ = try allEntries(big)
        let once = big.reader.nodesLoaded
        _ = try allEntries(big)
        #expect(big.reader.nodesLoaded == once && big.reader.cachedBytes > 20000 * 40)
        // One node bigger than the capacity is still kept while it is the newest.
        let tiny = try Tree.open(tree.headerCID, reader: NodeReader(store: store, cacheBytes: 1))
        _ = try tiny.get(key(5))
        #expect(tiny.reader.cachedBytes > 1)
    }

    @Test func getFindsEveryKeyAndOnlyThem() throws {
        var rng = SplitMix(seed: 3)
        let store = MemoryStore()
        let keys = randomKeys(3000, &rng)
        let tree = try build(keys.map { ($0, value(for: $0)) }, store: store)
        for k in keys { #expect(try tree.get(k) == value(for: k)) }
        for k in randomKeys(300, &rng) where !keys.contains(k) { #expect(try tree.get(k) == nil) }
        let empty = try build([], store: store)
        #expect(try empty.get(keys[0]) == nil)
        #expect(try empty.count() == 0)
    }

    @Test func defaultNodesStayNearTheirTargetSize() throws {
        let store = MemoryStore()
        let tree = try TreeBuilder.build((0..<100_000).map { (key($0), Array(repeating: UInt8($0 & 0xff), count: 8)) }, store: store)
        var leaves: [Int] = []
        var level = [tree.root!]
        while let first = level.first, first.level > 0 { level = try level.flatMap { try tree.reader.node($0).children } }
        for ref in level { leaves.append(Int(ref.count) * (12 + 8 + 9)) }
        leaves.sort()
        let median = leaves[leaves.count / 2]
        #expect(median > 8 << 10 && median < 24 << 10, "median leaf weight \(median)")
        #expect(leaves.last! <= tree.params.maxSize + 64)
    }
}

@Suite struct ShapeTests {
    /// Every node but the root holds at least two entries, for every tree size — the tail of a
    /// level is joined to the node before it rather than left alone.
    @Test func noNodeButTheRootHoldsASingleEntry() throws {
        let store = MemoryStore()
        let params = TreeParameters(targetSize: 96, valueHint: 1, inlineLimit: 64)
        for n in 1...400 {
            let tree = try TreeBuilder.build((0..<n).map { (key($0), [UInt8(n & 0xff)]) }, store: store, params: params)
            var level = [tree.root!]
            var isRoot = true
            while !level.isEmpty {
                var next: [ChildRef] = []
                for ref in level {
                    let node = try tree.reader.node(ref)
                    if !isRoot { #expect(node.count >= 2, "n = \(n), level \(ref.level)") }
                    if !node.isLeaf { next += node.children }
                }
                level = next
                isRoot = false
            }
        }
    }
}

@Suite struct KeyOrderTests {
    /// `Tree.precedes` compares eight bytes per step: it must order keys exactly as
    /// `lexicographicallyPrecedes` does, whatever the lengths and wherever they differ (inside a
    /// word, in the tail, or not at all: a proper prefix sorts first).
    @Test func precedesIsLexicographicOrder() {
        var rng = SplitMix(seed: 5)
        for _ in 0..<20000 {
            let shared = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
            let a = shared + (0..<Int.random(in: 0...12, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
            var b = shared + (0..<Int.random(in: 0...12, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
            if Int.random(in: 0..<8, using: &rng) == 0 { b = a }
            if Int.random(in: 0..<8, using: &rng) == 0, !b.isEmpty { b[b.count - 1] = b[b.count - 1] &+ 0x80 }
            #expect(Tree.precedes(a, b) == a.lexicographicallyPrecedes(b), "\(a) \(b)")
            #expect(Tree.precedes(b, a) == b.lexicographicallyPrecedes(a), "\(b) \(a)")
        }
    }
}
