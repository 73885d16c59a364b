import Blocks
import ProllyTree

/// The competitive (tf, length) pairs of a set of postings: those no other pair beats on both
/// counts (higher tf, shorter field). BM25 rises with tf and falls with length, so the best
/// score any posting in the set can reach is the best score over these pairs: Lucene's impacts.
public struct Impacts: Equatable, Sendable {
    /// Sorted by length code ascending; tf strictly increasing along it.
    public private(set) var pairs: [(tf: UInt32, lengthCode: UInt8)]
    /// More pairs than this are coarsened (never below the true maximum).
    public static let maxPairs = 8

    public static func == (a: Impacts, b: Impacts) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.tf == $1.tf && $0.lengthCode == $1.lengthCode }
    }

    public init(_ raw: some Sequence<(tf: UInt32, lengthCode: UInt8)>) {
        var table = Table()
        for p in raw { table.add(tf: p.tf, code: p.lengthCode) }
        self.init(table: &table)
    }

    /// The impacts of postings given as two parallel arrays (a decoded block's), without
    /// making pairs of them first.
    public init(tfs: [UInt32], codes: [UInt8]) {
        var table = Table()
        table.add(tfs: tfs, codes: codes)
        self.init(table: &table)
    }

    /// Each length code's best tf (0: none), and which codes are set, so reading it in code
    /// order visits only those: one table serves all the blocks of a leaf
    /// (`BlockImpactAggregator.summarize`), where a table per block, zeroed and scanned whole,
    /// was most of the cost.
    struct Table {
        private var best = [UInt32](repeating: 0, count: 256)
        private var seen: [UInt64] = [0, 0, 0, 0]

        mutating func add(tf: UInt32, code: UInt8) {
            guard best[Int(code)] < tf else { return }
            best[Int(code)] = tf
            seen[Int(code >> 6)] |= 1 << UInt64(code & 63)
        }

        mutating func add(tfs: [UInt32], codes: [UInt8]) {
            for (tf, code) in zip(tfs, codes) { add(tf: tf, code: code) }
        }

        /// The codes set and their tfs in code order; the table is empty after.
        mutating func drain(_ body: (UInt32, UInt8) -> Void) {
            for w in 0..<4 {
                var bits = seen[w]
                while bits != 0 {
                    let code = w << 6 | bits.trailingZeroBitCount
                    bits &= bits - 1
                    body(best[code], UInt8(code))
                    best[code] = 0
                }
                seen[w] = 0
            }
        }
    }

    /// The frontier of `table` (the pairs beating every shorter code), coarsened to at most
    /// `maxPairs`; empties the table.
    init(table: inout Table) {
        var frontier: [(tf: UInt32, lengthCode: UInt8)] = []
        table.drain { tf, code in
            if let last = frontier.last, last.tf >= tf { return }
            frontier.append((tf, code))
        }
        // Coarsen by merging neighbours into (higher tf, shorter length): still an upper bound.
        while frontier.count > Impacts.maxPairs {
            var merged: [(tf: UInt32, lengthCode: UInt8)] = []
            var i = 0
            while i < frontier.count {
                if i + 1 < frontier.count {
                    merged.append((frontier[i + 1].tf, frontier[i].lengthCode))
                    i += 2
                } else {
                    merged.append(frontier[i])
                    i += 1
                }
            }
            frontier = merged
        }
        pairs = frontier
    }

    /// Pairs already forming a frontier of at most `maxPairs`.
    private init(frontier: [(tf: UInt32, lengthCode: UInt8)]) { pairs = frontier }

    public var encoded: [UInt8] {
        var out: [UInt8] = []
        for p in pairs {
            Varint.append(UInt64(p.tf), to: &out)
            out.append(p.lengthCode)
        }
        return out
    }

    public init?(encoded bytes: [UInt8]) {
        var raw: [(tf: UInt32, lengthCode: UInt8)] = []
        raw.reserveCapacity(Impacts.maxPairs)
        var o = 0
        var canonical = true
        while o < bytes.count {
            guard let tf = Varint.read(bytes, &o), tf <= UInt64(UInt32.max), o < bytes.count, raw.count < 64 else { return nil }
            let pair = (tf: UInt32(tf), lengthCode: bytes[o])
            if let last = raw.last, !(pair.lengthCode > last.lengthCode && pair.tf > last.tf) { canonical = false }
            raw.append(pair)
            o += 1
        }
        // Our own encoding is already a frontier; anything else is normalized.
        if canonical && raw.count <= Impacts.maxPairs { self.init(frontier: raw) } else { self.init(raw) }
    }
}

/// Keeps `Impacts` per child of a postings tree before format 4 (one entry per posting): read
/// from old segments; tests build such trees with it.
public struct ImpactAggregator: TreeAggregator {
    public static let name = "impacts/1"
    public var name: String { Self.name }
    public init() {}

    public func summarize(keys: [[UInt8]], values: [[UInt8]]) -> [UInt8] {
        Impacts(values.compactMap { PostingValue($0) }.map { ($0.tf, $0.lengthCode) }).encoded
    }

    public func combine(_ parts: [[UInt8]]) -> [UInt8] {
        Impacts(parts.flatMap { Impacts(encoded: $0)?.pairs ?? [] }).encoded
    }
}

/// Keeps, per child of a format-4 postings tree (`PostingBlock` values), the number of
/// postings under it and their `Impacts`: `postings` (varint) ‖ impacts. Document frequencies
/// are sums of these counts (`Tree.count(from:to:weight:)`), as they were entry counts.
public struct BlockImpactAggregator: TreeAggregator {
    public static let name = "blockImpacts/1"
    public var name: String { Self.name }
    public init() {}

    public func summarize(keys: [[UInt8]], values: [[UInt8]]) -> [UInt8] {
        var postings: UInt64 = 0
        var block = Impacts.Table(), leaf = Impacts.Table()
        var ordinals: [UInt32] = [], tfs: [UInt32] = [], codes: [UInt8] = []
        for (k, v) in zip(keys, values) {
            ordinals.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            codes.removeAll(keepingCapacity: true)
            guard k.count >= 4, PostingBlock.decode(v, last: DocRef.readUInt32(k, k.count - 4), ordinals: &ordinals, tfs: &tfs, codes: &codes)
            else { continue }
            postings += UInt64(tfs.count)
            // The block's own frontier (coarsened, as a block's impacts are) joins the leaf's.
            block.add(tfs: tfs, codes: codes)
            for p in Impacts(table: &block).pairs { leaf.add(tf: p.tf, code: p.lengthCode) }
        }
        return BlockImpactAggregator.encode(postings, Impacts(table: &leaf))
    }

    public func combine(_ parts: [[UInt8]]) -> [UInt8] {
        var postings: UInt64 = 0
        var pairs: [(tf: UInt32, lengthCode: UInt8)] = []
        for p in parts {
            guard let (n, impacts) = BlockImpactAggregator.decode(p) else { continue }
            postings &+= n
            pairs += impacts.pairs
        }
        return BlockImpactAggregator.encode(postings, Impacts(pairs))
    }

    static func encode(_ postings: UInt64, _ impacts: Impacts) -> [UInt8] {
        var out: [UInt8] = []
        Varint.append(postings, to: &out)
        out.append(contentsOf: impacts.encoded)
        return out
    }

    /// The impacts of a postings child's aggregate, of this form (`blocked`) or `impacts/1`'s.
    public static func impacts(_ aggregate: [UInt8], blocked: Bool) -> Impacts? {
        blocked ? decode(aggregate)?.impacts : Impacts(encoded: aggregate)
    }

    public static func decode(_ bytes: [UInt8]) -> (postings: UInt64, impacts: Impacts)? {
        var o = 0
        guard let n = Varint.read(bytes, &o), let impacts = Impacts(encoded: Array(bytes[o...])) else { return nil }
        return (n, impacts)
    }
}

/// Keeps the summed body and title lengths per child of the docs tree, so average lengths over
/// any DocRef range (a group, a trusted subset) come from O(log n) nodes.
public struct LengthAggregator: TreeAggregator {
    public static let name = "lengths/1"
    public var name: String { Self.name }
    public init() {}

    public func summarize(keys: [[UInt8]], values: [[UInt8]]) -> [UInt8] {
        var body: UInt64 = 0, title: UInt64 = 0
        for v in values {
            if let r = try? DocRecord(encoded: v) {
                body += UInt64(r.bodyLength)
                title += UInt64(r.titleLength)
            }
        }
        return LengthAggregator.encode(body, title)
    }

    public func combine(_ parts: [[UInt8]]) -> [UInt8] {
        var body: UInt64 = 0, title: UInt64 = 0
        for p in parts {
            if let (b, t) = LengthAggregator.decode(p) {
                body &+= b
                title &+= t
            }
        }
        return LengthAggregator.encode(body, title)
    }

    static func encode(_ body: UInt64, _ title: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        Varint.append(body, to: &out)
        Varint.append(title, to: &out)
        return out
    }

    public static func decode(_ bytes: [UInt8]) -> (body: UInt64, title: UInt64)? {
        var o = 0
        guard let b = Varint.read(bytes, &o), let t = Varint.read(bytes, &o), o == bytes.count else { return nil }
        return (b, t)
    }
}
