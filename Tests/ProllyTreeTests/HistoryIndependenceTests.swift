import Blocks
import Testing

@testable import ProllyTree

@Suite struct HistoryIndependenceTests {
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func sameKeysGiveSameRootWhateverTheHistory(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let keys = randomKeys(3000, &rng)
        let entries = keys.map { ($0, value(for: $0)) }
        let store = MemoryStore()
        let reference = try build(entries, store: store)
        #expect(reference.count == 3000)
        #expect(reference.height >= 3)

        // Random partitions, each built separately, merged in random orders and groupings.
        for _ in 0..<4 {
            let parts = Int.random(in: 2...6, using: &rng)
            var buckets = Array(repeating: [([UInt8], [UInt8])](), count: parts)
            for e in entries.shuffled(using: &rng) { buckets[Int.random(in: 0..<parts, using: &rng)].append(e) }
            var trees = try buckets.map { try build($0, store: store) }.shuffled(using: &rng)
            // Merge pairwise in a random grouping until one tree is left.
            while trees.count > 1 {
                let i = Int.random(in: 0..<trees.count, using: &rng)
                let a = trees.remove(at: i)
                let j = Int.random(in: 0..<trees.count, using: &rng)
                let b = trees.remove(at: j)
                trees.append(try Tree.union([a, b]).0)
            }
            #expect(trees[0].headerCID == reference.headerCID)
        }

        // All partitions merged at once.
        var buckets = Array(repeating: [([UInt8], [UInt8])](), count: 5)
        for e in entries { buckets[Int.random(in: 0..<5, using: &rng)].append(e) }
        let merged = try Tree.union(buckets.map { try build($0, store: store) }.shuffled(using: &rng)).0
        #expect(merged.headerCID == reference.headerCID)

        // Inserting in random order through edits gives the same tree too.
        var t = try build([], store: store)
        var remaining = entries.shuffled(using: &rng)
        while !remaining.isEmpty {
            let n = min(remaining.count, Int.random(in: 1...700, using: &rng))
            t = try t.applying(remaining.prefix(n).map { ($0.0, Optional($0.1)) }).0
            remaining.removeFirst(n)
        }
        #expect(t.headerCID == reference.headerCID)
    }

    @Test func deletingKeysGivesTheTreeOfTheRest() throws {
        var rng = SplitMix(seed: 99)
        let keys = randomKeys(2000, &rng)
        let entries = keys.map { ($0, value(for: $0)) }
        let store = MemoryStore()
        let full = try build(entries, store: store)
        let removed = Array(entries.shuffled(using: &rng).prefix(15))
        let removedKeys = Set(removed.map(\.0))
        let (edited, stats) = try full.applying(removed.map { ($0.0, nil) })
        let expected = try build(entries.filter { !removedKeys.contains($0.0) }, store: store)
        #expect(edited.headerCID == expected.headerCID)
        #expect(stats.subtreesReused > 0)
    }

    /// `innerTargetSize` cuts only the internal levels: the same leaves, internal nodes of
    /// about a quarter of the children, the parameter kept in the header (so reopening gives
    /// the same shape), and unions of parts give the tree a build gives, as for any shape.
    @Test func innerTargetCutsInternalLevelsOnly() throws {
        let store = MemoryStore()
        var rng = SplitMix(seed: 7)
        let entries = randomKeys(6000, &rng).map { ($0, value(for: $0)) }
        var params = smallParams
        params.targetSize = 2048
        var inner = params
        inner.innerTargetSize = 512
        let wide = try build(entries, store: store, params: params)
        let narrow = try build(entries, store: store, params: inner)
        func levels(_ t: Tree) throws -> [[ChildRef]] {
            var level = [t.root!]
            var out: [[ChildRef]] = []
            while let first = level.first, first.level > 0 {
                level = try level.flatMap { try t.reader.node($0).children }
                out.append(level)
            }
            return out
        }
        let (w, n) = (try levels(wide), try levels(narrow))
        #expect(w.last!.map(\.cid) == n.last!.map(\.cid), "leaves differ")
        // Level 1 of the narrow tree has about four times the nodes of the wide one's.
        let ratio = Double(n[n.count - 2].count) / Double(w[w.count - 2].count)
        #expect(ratio > 2.5 && ratio < 6, "level-1 nodes: \(n[n.count - 2].count) vs \(w[w.count - 2].count)")
        #expect(narrow.height > wide.height)
        let reopened = try Tree.open(narrow.headerCID, reader: NodeReader(store: store))
        #expect(reopened.params == inner && reopened.params != params)
        var halves: ([([UInt8], [UInt8])], [([UInt8], [UInt8])]) = ([], [])
        for (i, e) in entries.enumerated() { if i % 3 == 0 { halves.0.append(e) } else { halves.1.append(e) } }
        let union = try Tree.union([try build(halves.0, store: store, params: inner), try build(halves.1, store: store, params: inner)]).0
        #expect(union.headerCID == narrow.headerCID)
        #expect(try allEntries(narrow).map(\.0) == allEntries(wide).map(\.0))
    }

    @Test func valuesDoNotMoveBoundaries() throws {
        let store = MemoryStore()
        let keys = (0..<4000).map(key)
        let a = try build(keys.map { ($0, [1]) }, store: store)
        let b = try build(keys.map { ($0, Array(repeating: 7, count: 50)) }, store: store)
        // Same keys, different values: same node key ranges at every level.
        func ranges(_ t: Tree) throws -> [[[UInt8]]] {
            var level = [t.root!]
            var out: [[[UInt8]]] = []
            while let first = level.first, first.level > 0 {
                let nodes = try level.map { try t.reader.node($0) }
                level = nodes.flatMap(\.children)
                out.append(level.map(\.lastKey))
            }
            return out
        }
        #expect(try ranges(a) == ranges(b))
        #expect(a.headerCID != b.headerCID)
    }
}
