/// Which segments to compact together: a size-tiered policy, so a segment is rewritten about
/// log₄(N) times over an index's life rather than at every update.
///
/// - Segments fall into tiers by document count: tier 0 holds empty ones (tombstones only),
///   tier t ≥ 1 those with 4^(t-1) ≤ documents < 4^t. A tier holding `tierSize` (4) or more
///   segments is compacted into one, which lands in a higher tier.
/// - A segment whose documents are more than `tombstoneShare` (20%) tombstoned by other
///   segments is compacted together with those segments, so the dead documents and the
///   tombstones go away together.
/// - Sets that share a segment are joined. `all` puts every segment in one set.
///
/// One pass: a compaction that fills the next tier is compacted on a later run.
public struct CompactionPolicy: Sendable, Equatable {
    public var tierBase: UInt64 = 4
    public var tierSize = 4
    public var tombstoneShare = 0.2
    public var all = false

    public init(all: Bool = false) { self.all = all }

    /// A human summary, for `--help` and reports.
    public static let description =
        "segments grouped in size tiers (tier t: 4^(t-1) ≤ documents < 4^t); a tier holding 4 or more is compacted into one, and a segment more than 20% tombstoned is compacted with the segments tombstoning it"

    func tier(_ documents: UInt64) -> Int {
        var t = 0
        var bound: UInt64 = 1
        while documents >= bound {
            t += 1
            let (next, overflow) = bound.multipliedReportingOverflow(by: tierBase)
            if overflow { break }
            bound = next
        }
        return t
    }

    /// Sets of indices into `segments` to compact, each of two or more, in order.
    public func plan(_ segments: [SegmentInfo]) -> [[Int]] {
        guard segments.count >= 2 else { return [] }
        if all { return [Array(segments.indices)] }
        var sets: [[Int]] = []
        var tiers: [Int: [Int]] = [:]
        for (i, s) in segments.enumerated() { tiers[tier(s.documents), default: []].append(i) }
        for t in tiers.keys.sorted() where tiers[t]!.count >= tierSize { sets.append(tiers[t]!) }

        // Tombstones by the segment they target, as readers apply them (two segments holding
        // one batch are refused when compacted).
        var owner: [BatchID: Int] = [:]
        for (i, s) in segments.enumerated() { for b in s.batches { owner[b.id] = i } }
        var against: [Int: (count: UInt64, from: Set<Int>)] = [:]
        for (i, j, _) in SegmentInfo.tombstones(of: segments, owner: owner) {
            guard let j else { continue }
            against[j, default: (0, [])].count += 1
            against[j]!.from.insert(i)
        }
        for j in against.keys.sorted() {
            let (count, from) = against[j]!
            if Double(count) > tombstoneShare * Double(max(1, segments[j].documents)) { sets.append([j] + from.sorted()) }
        }
        return CompactionPolicy.joined(sets)
    }

    /// Sets sharing a member, joined; each sorted, in order of their first member.
    static func joined(_ sets: [[Int]]) -> [[Int]] {
        var parent: [Int: Int] = [:]
        func find(_ x: Int) -> Int {
            var x = x
            while let p = parent[x], p != x { x = p }
            return x
        }
        for s in sets {
            for x in s where parent[x] == nil { parent[x] = x }
            for x in s.dropFirst() { parent[find(x)] = find(s[0]) }
        }
        var groups: [Int: [Int]] = [:]
        for x in parent.keys { groups[find(x), default: []].append(x) }
        return groups.values.map { $0.sorted() }.filter { $0.count >= 2 }.sorted { $0[0] < $1[0] }
    }
}
