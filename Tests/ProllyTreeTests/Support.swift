import Blocks
import TextTestSupport

@testable import ProllyTree

/// The shared seeded generator (reproducible property tests).
typealias SplitMix = SplitMix64

/// Small nodes so that a few thousand keys already make trees three or four levels deep.
let smallParams = TreeParameters(targetSize: 512, valueHint: 8, inlineLimit: 64)

func key(_ i: Int) -> [UInt8] { Array("key-\(String(i, radix: 16).leftPadded(8))".utf8) }

func randomKeys(_ n: Int, _ rng: inout SplitMix) -> [[UInt8]] {
    var set = Set<[UInt8]>()
    while set.count < n {
        let len = Int.random(in: 1...24, using: &rng)
        set.insert((0..<len).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
    return Array(set)
}

func value(for key: [UInt8], _ tag: UInt8 = 0) -> [UInt8] {
    // Mostly short values, some long enough to go out of line.
    let n = (Int(key.first ?? 0) % 7 == 0) ? 100 : 6
    return [tag] + Array(repeating: key.last ?? 0, count: n)
}

func build(_ entries: [([UInt8], [UInt8])], store: BlockStore, params: TreeParameters = smallParams) throws -> Tree {
    let sorted = entries.sorted { $0.0.lexicographicallyPrecedes($1.0) }
    return try TreeBuilder.build(sorted, store: store, params: params)
}

func allEntries(_ t: Tree) throws -> [([UInt8], [UInt8])] {
    var c = t.scan()
    var out: [([UInt8], [UInt8])] = []
    while let e = try c.nextEntry() { out.append((e.key, e.value)) }
    return out
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
