import Blocks
import Testing

@testable import ProllyTree

/// A tree built as key ranges on separate builders and stitched is the tree one builder
/// writes: same root, same blocks, whatever the split points and however many leaves each
/// range holds back.
@Suite struct RangeLeavesTests {
    func stitched(
        _ sorted: [([UInt8], [UInt8])], cuts: [Int], hold: Int, store: MemoryStore, params: TreeParameters,
        aggregator: TreeAggregator = CountOnly()
    ) throws -> RangeLeaves.Stitched {
        let bounds = [0] + cuts + [sorted.count]
        var ranges: [RangeLeaves] = []
        for r in 0..<bounds.count - 1 {
            let range = try RangeLeaves(
                reader: NodeReader(store: store), params: params, aggregator: aggregator, first: r == 0, holdLeaves: hold)
            for (k, v) in sorted[bounds[r]..<bounds[r + 1]] { try range.add(key: k, value: v) }
            ranges.append(range)
        }
        return try RangeLeaves.stitch(ranges, reader: NodeReader(store: store))
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomSplitsGiveTheSingleBuildersTree(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let n = Int.random(in: 0...4000, using: &rng)
        let sorted = randomKeys(n, &rng).sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, value(for: $0)) }
        let single = MemoryStore()
        let one = try TreeBuilder(store: single, params: smallParams)
        for (k, v) in sorted { try one.add(key: k, value: v) }
        let reference = try one.finish()
        for _ in 0..<6 {
            let parts = Int.random(in: 1...8, using: &rng)
            let cuts = (0..<parts - 1).map { _ in Int.random(in: 0...n, using: &rng) }.sorted()
            let hold = [0, 1, 2, 16].randomElement(using: &rng)!
            let store = MemoryStore()
            let s = try stitched(sorted, cuts: cuts, hold: hold, store: store, params: smallParams)
            #expect(s.tree.headerCID == reference.headerCID, "seed \(seed) cuts \(cuts) hold \(hold)")
            // After deleting the orphans the store holds exactly the single build's blocks.
            let kept = Set(store.allCIDs).subtracting(s.orphans)
            #expect(kept == Set(single.allCIDs), "cuts \(cuts) hold \(hold)")
            #expect(s.orphans.allSatisfy { !single.allCIDs.contains($0) })
            #expect(s.blocksWritten == one.stats.blocksWritten)
            #expect(s.bytesWritten == one.stats.bytesWritten)
        }
    }

    /// Holding no leaves makes every range after the first re-chunk written leaves (the
    /// orphan path); holding many makes none do.
    @Test func orphansOnlyWhenTheRangesHoldTooFewLeaves() throws {
        var rng = SplitMix(seed: 42)
        let sorted = randomKeys(6000, &rng).sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, value(for: $0)) }
        let reference = try TreeBuilder.build(sorted, store: MemoryStore(), params: smallParams)
        let cuts = [1000, 2000, 3000, 4000, 5000]
        let none = try stitched(sorted, cuts: cuts, hold: 0, store: MemoryStore(), params: smallParams)
        let many = try stitched(sorted, cuts: cuts, hold: 16, store: MemoryStore(), params: smallParams)
        #expect(none.tree.headerCID == reference.headerCID)
        #expect(many.tree.headerCID == reference.headerCID)
        #expect(!none.orphans.isEmpty)
        #expect(many.orphans.isEmpty)
    }

    /// A tree whose internal nodes carry aggregates (re-chunked entries need their full values).
    @Test func aggregatesSurviveTheStitch() throws {
        struct Sum: TreeAggregator {
            static let name = "test-sum"
            var name: String { Sum.name }
            func summarize(keys: [[UInt8]], values: [[UInt8]]) -> [UInt8] {
                [UInt8(truncatingIfNeeded: values.reduce(0) { $0 + $1.reduce(0) { $0 + Int($1) } })]
            }
            func combine(_ parts: [[UInt8]]) -> [UInt8] { [UInt8(truncatingIfNeeded: parts.reduce(0) { $0 + Int($1.first ?? 0) })] }
        }
        var rng = SplitMix(seed: 7)
        let sorted = randomKeys(3000, &rng).sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, value(for: $0)) }
        var params = smallParams
        params.aggregator = Sum.name
        let store = MemoryStore()
        let b = try TreeBuilder(store: store, params: params, aggregator: Sum())
        for (k, v) in sorted { try b.add(key: k, value: v) }
        let reference = try b.finish()
        for hold in [0, 16] {
            let s = try stitched(sorted, cuts: [700, 1500, 2200], hold: hold, store: MemoryStore(), params: params, aggregator: Sum())
            #expect(s.tree.headerCID == reference.headerCID)
        }
    }
}
