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
}
