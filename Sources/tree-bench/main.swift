import Blocks
import ProllyTree
import Support

// Measures the Prolly tree layer: bulk build, point gets, range scans,
// and a merge of two trees overlapping in 1% of their key range. Each phase runs in its own
// process (`tree-bench PHASE DIR [N]`) so peak RSS is per phase. Prints one JSON object.
#if canImport(Glibc)
    import Glibc
#endif

/// 24-byte keys in increasing order of `i`: 8 big-endian bytes of i, then 16 mixed bytes.
func key(_ i: UInt64) -> [UInt8] {
    var k = [UInt8](repeating: 0, count: 24)
    var x = i
    for b in stride(from: 7, through: 0, by: -1) { k[b] = UInt8(x & 0xff); x >>= 8 }
    var h = i &* 0x9E37_79B9_7F4A_7C15
    for b in 8..<24 { h = (h ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9; k[b] = UInt8(truncatingIfNeeded: h >> 32) }
    return k
}

func value(_ i: UInt64) -> [UInt8] { withUnsafeBytes(of: i.littleEndian) { Array($0) } }

func json(_ pairs: [(String, Any)]) -> String {
    "{"
        + pairs.map { k, v in
            let s: String =
                switch v {
                case let d as Double: String(format2(d))
                case let s as String: "\"\(s)\""
                default: "\(v)"
                }
            return "\"\(k)\": \(s)"
        }.joined(separator: ", ") + "}"
}

func format2(_ d: Double) -> String {
    let r = (d * 100).rounded() / 100
    return "\(r)"
}

func build(_ dir: String, keys: some Sequence<UInt64>) throws -> (Tree, TreeBuilder.Stats, Double) {
    let store = try DirectoryStore(root: dir)
    let builder = try TreeBuilder(store: store)
    let t0 = monotonicSeconds()
    for i in keys { try builder.add(key: key(i), value: value(i)) }
    let tree = try builder.finish()
    return (tree, builder.stats, monotonicSeconds() - t0)
}

/// Node sizes (block bytes) of every node, by walking the tree.
func nodeSizes(_ tree: Tree, _ store: DirectoryStore) throws -> [Int] {
    var sizes: [Int] = []
    var level = tree.root.map { [$0] } ?? []
    while !level.isEmpty {
        var next: [ChildRef] = []
        for ref in level {
            sizes.append(try store.get(ref.cid).count)
            if ref.level > 0 { next.append(contentsOf: try tree.reader.node(ref).children) }
        }
        level = next
    }
    return sizes.sorted()
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: tree-bench build|gets|scan|merge DIR [N]")
    exit(2)
}
let phase = args[1], dir = args[2]
let n = args.count > 3 ? UInt64(args[3])! : 10_000_000

switch phase {
case "build":
    let (tree, stats, seconds) = try build(dir + "/build", keys: 0..<n)
    let sizes = try nodeSizes(tree, try DirectoryStore(root: dir + "/build"))
    try FileSystem.writeAtomically(dir + "/build/ROOT", Array(tree.headerCID.description.utf8))
    print(
        json([
            ("phase", "build"), ("keys", n), ("seconds", seconds), ("keysPerSecond", Double(n) / seconds),
            ("inputMBPerSecond", Double(n) * 32 / seconds / 1e6), ("peakRSSMiB", peakRSSMiB()),
            ("blocks", stats.blocksWritten), ("bytes", stats.bytesWritten), ("height", tree.height),
            ("nodeBytesMin", sizes.first ?? 0), ("nodeBytesMedian", sizes.isEmpty ? 0 : sizes[sizes.count / 2]),
            ("nodeBytesMax", sizes.last ?? 0),
        ]))
case "gets", "scan":
    let store = try DirectoryStore(root: dir + "/build")
    let root = try CID(String(decoding: try FileSystem.readFile(dir + "/build/ROOT"), as: UTF8.self))
    let tree = try Tree.open(root, reader: NodeReader(store: store, cacheBytes: 4 << 30))
    if phase == "gets" {
        // Warm the cache with one pass over a sample, then time random gets.
        var rng = SystemRandomNumberGenerator()
        let sample = (0..<200_000).map { _ in UInt64.random(in: 0..<tree.count, using: &rng) }
        for i in sample.prefix(50_000) { _ = try tree.get(key(i)) }
        let t0 = monotonicSeconds()
        var found = 0
        for i in sample { if try tree.get(key(i)) != nil { found += 1 } }
        let s = monotonicSeconds() - t0
        print(
            json([
                ("phase", "gets"), ("gets", sample.count), ("found", found), ("getsPerSecond", Double(sample.count) / s),
                ("peakRSSMiB", peakRSSMiB()),
            ]))
    } else {
        var c = tree.scan()
        while try c.nextEntry() != nil {}
        let t0 = monotonicSeconds()
        var c2 = tree.scan()
        var entries = 0, bytes = 0
        while let (k, v) = try c2.nextEntry() { entries += 1; bytes += k.count + v.count }
        let s = monotonicSeconds() - t0
        print(
            json([
                ("phase", "scan"), ("entries", entries), ("MBPerSecond", Double(bytes) / s / 1e6),
                ("entriesPerSecond", Double(entries) / s), ("peakRSSMiB", peakRSSMiB()),
            ]))
    }
case "merge":
    // A = even keys of [0, 2·half), B = odd keys starting 99% of the way into A's range.
    let half = n / 2
    let (a, _, _) = try build(dir + "/merge", keys: (0..<half).lazy.map { 2 * $0 })
    let start = half - half / 100
    let (b, _, _) = try build(dir + "/merge", keys: (start..<start + half).lazy.map { 2 * $0 + 1 })
    let t0 = monotonicSeconds()
    let (merged, stats) = try Tree.union([a, b])
    let s = monotonicSeconds() - t0
    print(
        json([
            ("phase", "merge"), ("keysEach", half), ("seconds", s), ("mergedKeys", merged.count),
            ("blocksReused", stats.blocksReused), ("blocksWritten", stats.blocksWritten),
            ("subtreesReused", stats.subtreesReused), ("nodesRead", stats.nodesRead), ("peakRSSMiB", peakRSSMiB()),
        ]))
default:
    print("unknown phase \(phase)")
    exit(2)
}
