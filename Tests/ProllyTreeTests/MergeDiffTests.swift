import Blocks
import Testing

@testable import ProllyTree

@Suite struct MergeDiffTests {
    /// Three overlapping trees whose shared keys carry different values.
    func inputs(seed: UInt64, store: BlockStore) throws -> [Tree] {
        var rng = SplitMix(seed: seed)
        let keys = randomKeys(2500, &rng)
        return try (0..<3).map { tag in
            let subset = keys.filter { _ in Int.random(in: 0..<3, using: &rng) != 0 }
            return try build(subset.map { ($0, value(for: $0, UInt8(tag))) }, store: store)
        }
    }

    @Test(arguments: [7, 8, 9] as [UInt64])
    func unionIsAssociativeCommutativeIdempotent(seed: UInt64) throws {
        let store = MemoryStore()
        let t = try inputs(seed: seed, store: store)
        let (a, b, c) = (t[0], t[1], t[2])
        func u(_ x: Tree, _ y: Tree) throws -> Tree { try Tree.union([x, y]).0 }
        let abc = try u(u(a, b), c)
        #expect(try u(a, u(b, c)).headerCID == abc.headerCID)
        #expect(try u(u(c, a), b).headerCID == abc.headerCID)
        #expect(try Tree.union([c, b, a]).0.headerCID == abc.headerCID)
        #expect(try u(a, b).headerCID == u(b, a).headerCID)
        #expect(try u(a, a).headerCID == a.headerCID)
        #expect(try u(abc, b).headerCID == abc.headerCID)
    }

    @Test func unionEqualsFreshBuildOfTheUnion() throws {
        let store = MemoryStore()
        let t = try inputs(seed: 11, store: store)
        var expected: [[UInt8]: [UInt8]] = [:]
        for tree in t {
            for (k, v) in try allEntries(tree) {
                if let old = expected[k], !old.lexicographicallyPrecedes(v) { continue }
                expected[k] = v
            }
        }
        let fresh = try build(expected.map { ($0.key, $0.value) }, store: store)
        let (merged, stats) = try Tree.union(t)
        #expect(merged.headerCID == fresh.headerCID)
        #expect(merged.count == UInt64(expected.count))
        #expect(stats.blocksWritten > 0)
    }

    @Test func disjointRangesReuseSubtreesWithoutReadingThem() throws {
        let store = MemoryStore()
        let left = try build((0..<20000).map { (key($0), [1]) }, store: store)
        let right = try build((20000..<40000).map { (key($0), [2]) }, store: store)
        let (merged, stats) = try Tree.union([left, right])
        let fresh = try build((0..<40000).map { (key($0), [$0 < 20000 ? 1 : 2]) }, store: MemoryStore())
        #expect(merged.headerCID == fresh.headerCID)
        // Only the seams are rewritten: the right edge of `left` and the left edge of `right`.
        #expect(stats.subtreesReused > 0)
        #expect(UInt64(stats.blocksWritten) * 10 < stats.blocksReused)
        #expect(stats.nodesRead < 30)
    }

    @Test func diffAppliedToOldGivesNew() throws {
        var rng = SplitMix(seed: 5)
        let store = MemoryStore()
        let keys = randomKeys(3000, &rng)
        let old = try build(keys.map { ($0, value(for: $0)) }, store: store)
        var newEntries: [[UInt8]: [UInt8]] = Dictionary(uniqueKeysWithValues: keys.map { ($0, value(for: $0)) })
        for k in keys.shuffled(using: &rng).prefix(40) { newEntries[k] = nil }
        for k in keys.shuffled(using: &rng).prefix(40) where newEntries[k] != nil { newEntries[k] = [9, 9] }
        for k in randomKeys(40, &rng) { newEntries[k] = [7] }
        let new = try build(newEntries.map { ($0.key, $0.value) }, store: store)

        var edits: [([UInt8], [UInt8]?)] = []
        var seen: [[UInt8]] = []
        let nodesRead = try old.diff(new) { d in
            seen.append(d.key)
            switch d {
            case .added(let k, let v), .changed(let k, _, let v): edits.append((k, v))
            case .removed(let k, _): edits.append((k, nil))
            }
        }
        #expect(seen == seen.sorted { $0.lexicographicallyPrecedes($1) })
        let (patched, _) = try old.applying(edits)
        #expect(patched.headerCID == new.headerCID)
        #expect(try old.differences(to: old).isEmpty)
        // The diff skipped equal subtrees: it read far fewer nodes than the trees hold.
        let totalNodes = Int(old.root!.blocks + new.root!.blocks)
        #expect(nodesRead < totalNodes / 2)
    }

    @Test func refusesTreesWithDifferentParameters() throws {
        let store = MemoryStore()
        let a = try build([(key(1), [1])], store: store)
        let b = try TreeBuilder.build([(key(2), [2])], store: store, params: TreeParameters(targetSize: 4096))
        #expect(throws: TreeError.parametersDiffer(b.params, a.params)) { try Tree.union([a, b]) }
        #expect(throws: TreeError.nothingToMerge) { try Tree.union([]) }
    }
}
