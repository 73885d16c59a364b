import Blocks
import Testing

@testable import ProllyTree

@Suite struct CountByGroupTests {
    /// Keys `group ‖ 0 ‖ n`: a few large groups and many small ones, as a facet field's terms
    /// and their postings are.
    static func entries() -> [([UInt8], [UInt8])] {
        var out: [([UInt8], [UInt8])] = []
        let sizes = [("bees", 9000), ("honey", 40), ("solar", 6000), ("stars", 1)] + (0..<50).map { ("t\($0)", $0 % 5 + 1) }
        for (name, n) in sizes {
            for i in 0..<n { out.append((Array(name.utf8) + [0] + Array(String(i, radix: 16).leftPadded(6).utf8), [1])) }
        }
        return out
    }

    static func group(_ key: [UInt8]) -> [UInt8]? { key.firstIndex(of: 0).map { Array(key[..<$0]) } }

    @Test func countsEveryGroupExactlyReadingOnlyNodesWhereTheGroupChanges() throws {
        let store = MemoryStore()
        let entries = Self.entries()
        let tree = try build(entries, store: store)
        var expected: [[UInt8]: UInt64] = [:]
        for (k, _) in entries { expected[Self.group(k)!, default: 0] += 1 }

        let fresh = try Tree.open(tree.headerCID, store: store)
        let (counts, nodesRead) = try fresh.countByGroup(from: [], to: nil, group: Self.group)
        #expect(counts == expected)
        // Every node of the tree, for comparison: a full scan reads them all.
        let scan = try Tree.open(tree.headerCID, store: store)
        var c = scan.scan()
        while try c.nextEntry() != nil {}
        let allNodes = scan.reader.nodesLoaded
        #expect(fresh.reader.nodesLoaded == nodesRead)
        // The two large groups span most leaves; their inner leaves are counted from parents.
        #expect(nodesRead * 3 < allNodes, "read \(nodesRead) of \(allNodes) nodes")

        // A range: from a key inside one group to the start of another.
        let from = Array("solar".utf8) + [0] + Array("000800".utf8)
        let (part, _) = try fresh.countByGroup(from: from, to: Array("t1".utf8), group: Self.group)
        #expect(part == [Array("solar".utf8): 6000 - 0x800, Array("stars".utf8): 1, Array("t0".utf8): 1])
    }
}
