import Blocks
import ProllyTree
import Support

/// `indexer compact`: compacts an index's segments by the tiered policy, as one of two writers.
///
/// - **The group** (the key is a group of the index): its version is replaced by a new one,
///   sequence + 1, listing each compacted segment in place of its inputs and signed by the
///   group, so every reader trusts it as it trusted the group before. The inputs are no longer
///   listed, but a compacted segment links them (`compactedFrom`), so they stay in the index's
///   DAG and folder (and its CAR export): compaction cuts what a query reads, not what the
///   folder keeps, and `verify --recompute` always finds the inputs in the index itself.
/// - **A merger** (any other key): every group's version is kept as signed, and the manifest's
///   root lists each compacted segment with its inputs (`IndexRoot.Compaction`). Readers who
///   trust the merger use the compacted segment; the others use the inputs, which stay listed
///   and present. The merger's earlier compactions are kept (or compacted further); another
///   signer's are dropped, since the new manifest's signer vouches for every entry.
public struct IndexCompact {
    public var index: String
    /// Output folder; nil: in place (the manifest is replaced atomically, last).
    public var out: String? = nil
    public var key: GroupKey
    public var policy = CompactionPolicy()
    /// A quarter goes to the inputs' node cache (decoded nodes, sized in bytes); the rest is
    /// a few nodes per tree and input, and the trees being built.
    public var memoryBytes = 256 << 20
    public var created: String
    /// The group's new sequence number; nil: the old one plus one, or the wall clock in
    /// microseconds if higher (as a build does).
    public var sequence: UInt64? = nil

    public init(index: String, key: GroupKey, created: String) {
        self.index = index
        self.key = key
        self.created = created
    }

    public enum Mode: String, Sendable { case group, merger }

    public struct Report: Sendable {
        public var mode: Mode
        /// The manifest written; nil when the policy found nothing to compact.
        public var manifest: Manifest?
        public var segmentsBefore = 0
        public var segmentsAfter = 0
        public var compactions: [IndexCompaction.Compacted] = []
    }

    public func run() throws -> Report {
        let view = try IndexView.open(directory: index)
        let root = try IndexRoot(cbor: try DagCBOR.decode(try view.store.get(view.manifest.root)))
        let destination = out ?? index
        let store = try DirectoryStore(root: destination)
        let reader = NodeReader(store: view.store, cacheBytes: memoryBytes / 4)
        let ownCompactions = view.manifest.signer == key.publicKey ? root.compacted : []

        if let mine = view.versions.first(where: { $0.version.publicKey == key.publicKey }) {
            let listed = mine.version.segments
            let infos = try listed.map { try SegmentInfo(cbor: try DagCBOR.decode(try view.store.get($0))) }
            var report = Report(mode: .group, segmentsBefore: listed.count)
            let sets = policy.plan(infos)
            guard !sets.isEmpty else { return report }
            let others = view.versions.filter { $0.version.publicKey != key.publicKey }
            // Every listed segment: those kept, and the inputs, which the compacted segments link.
            try copyUnchanged(others.map(\.cid) + listed, from: view.store, into: store, sameFolder: out == nil)
            let (kept, done) = try IndexCompact.groupCompactions(listed, sets: sets, reader: reader, into: store)
            report.compactions = done
            let sequence = max(mine.version.sequence + 1, self.sequence ?? wallClockMicroseconds())
            let v = try GroupVersion.signed(
                key: key, sequence: sequence, created: created, analyzer: mine.version.analyzer, segments: kept, replay: mine.version.replay)
            let versions = others + [(try IndexWriter.store(v, in: store), v)]
            let live = Set(versions.flatMap(\.version.segments))
            let compacted = ownCompactions.filter { $0.inputs.allSatisfy(live.contains) }
            try copyUnchanged(compacted.map(\.segment), from: view.store, into: store, sameFolder: out == nil)
            report.manifest = try IndexWriter.publish(
                versions: versions, compacted: compacted, analyzer: view.analyzer, store: store, out: destination, key: key, created: created)
            report.segmentsAfter = kept.count
            return report
        }

        try copyUnchanged(view.versions.map(\.cid), from: view.store, into: store, sameFolder: out == nil)
        try copyUnchanged(ownCompactions.map(\.segment), from: view.store, into: store, sameFolder: out == nil)
        var report = Report(mode: .merger)
        let result = try IndexCompact.mergerCompactions(
            versions: view.versions, existing: ownCompactions, store: store, policy: policy, cacheBytes: memoryBytes / 4)
        report.segmentsBefore = result.unitsBefore
        report.segmentsAfter = result.unitsAfter
        report.compactions = result.done
        guard !result.done.isEmpty else { return report }
        report.manifest = try IndexWriter.publish(
            versions: view.versions, compacted: result.compactions, analyzer: view.analyzer, store: store, out: destination, key: key,
            created: created)
        return report
    }

    /// A group's compaction of the segments its version lists: each set of `sets` (indices into
    /// `listed`, from `CompactionPolicy.plan`) compacted into `store`, the result listed in place
    /// of the set's first input. Returns the segments the new version lists and what was done.
    static func groupCompactions(
        _ listed: [CID], sets: [[Int]], reader: NodeReader, into store: DirectoryStore
    ) throws -> (kept: [CID], done: [IndexCompaction.Compacted]) {
        var segments = listed.map { Optional($0) }
        var done: [IndexCompaction.Compacted] = []
        for set in sets {
            let inputs = try set.map { try Segment.open(listed[$0], reader: reader) }
            let compacted = try IndexCompaction.compact(inputs, replacing: set.map { listed[$0] }, into: store)
            done.append(compacted)
            for i in set { segments[i] = nil }
            segments[set[0]] = compacted.segment
        }
        return (segments.compactMap { $0 }, done)
    }

    /// Copies the DAGs under `roots` into `store` unless it is the folder they are read from.
    func copyUnchanged(_ roots: [CID], from source: BlockStore, into store: DirectoryStore, sameFolder: Bool) throws {
        if !sameFolder { _ = try DAGCopy.copy(roots: roots, from: source, into: store) }
    }

    /// What a merger's compaction gives: the manifest's compaction entries, the segments
    /// written, and the number of segments a reader trusting the merger searches before and after.
    public struct MergerResult: Sendable {
        public var compactions: [IndexRoot.Compaction]
        public var done: [IndexCompaction.Compacted]
        public var unitsBefore: Int
        public var unitsAfter: Int
    }

    /// A merger's compactions of `versions` (their blocks in `store`): the policy runs over the
    /// segments a reader trusting the merger searches — each listed segment, or the merger's
    /// `existing` compaction covering it — and each compacted segment records the listed
    /// segments it replaces (so `IndexView` can fall back to them). Listed segments holding
    /// another group's batches are left out, as `IndexView` leaves them out.
    public static func mergerCompactions(
        versions: [(cid: CID, version: GroupVersion)], existing: [IndexRoot.Compaction], store: DirectoryStore,
        policy: CompactionPolicy, cacheBytes: Int
    ) throws -> MergerResult {
        let reader = NodeReader(store: store, cacheBytes: cacheBytes)
        var valid = Set<CID>()
        var infos: [CID: SegmentInfo] = [:]
        var listed: [CID] = []
        for (_, v) in versions {
            for s in v.segments where infos[s] == nil {
                let info = try SegmentInfo(cbor: try DagCBOR.decode(try store.get(s)))
                infos[s] = info
                listed.append(s)
                if info.batches.allSatisfy({ $0.group == v.group }) { valid.insert(s) }
            }
        }
        // Units: an existing compaction (its inputs all still listed), or one listed segment.
        var units: [(segment: CID, replaces: [CID])] = []
        var covered = Set<CID>()
        for c in existing where c.inputs.allSatisfy(valid.contains) && c.inputs.allSatisfy({ !covered.contains($0) }) {
            infos[c.segment] = try SegmentInfo(cbor: try DagCBOR.decode(try store.get(c.segment)))
            units.append((c.segment, c.inputs))
            covered.formUnion(c.inputs)
        }
        for s in listed where valid.contains(s) && !covered.contains(s) { units.append((s, [s])) }
        let sets = policy.plan(units.map { infos[$0.segment]! })
        var result = MergerResult(compactions: [], done: [], unitsBefore: units.count, unitsAfter: units.count)
        var used = Set<Int>()
        for set in sets {
            let inputs = try set.map { try Segment.open(units[$0].segment, reader: reader) }
            let replaces = set.flatMap { units[$0].replaces }
            let done = try IndexCompaction.compact(inputs, replacing: replaces, into: store)
            result.done.append(done)
            result.compactions.append(IndexRoot.Compaction(segment: done.segment, inputs: done.info.compactedFrom))
            used.formUnion(set)
            result.unitsAfter -= set.count - 1
        }
        for (i, u) in units.enumerated() where !used.contains(i) && u.replaces != [u.segment] {
            result.compactions.append(IndexRoot.Compaction(segment: u.segment, inputs: u.replaces))
        }
        result.compactions.sort { $0.segment < $1.segment }
        return result
    }
}

/// `indexer verify --recompute`: every compacted segment of a view recomputed from its inputs.
extension IndexCompaction {
    public struct Check: Sendable {
        public var checked = 0
        public var problems: [String] = []
    }

    /// Recomputes each compacted segment the view's indexes hold — a group's own (listed in its
    /// version, with `compactedFrom`) and each merger's (`IndexRoot.Compaction`) — from its
    /// inputs, which its `compactedFrom` links keep in the index, and compares CIDs. A mismatch
    /// or an input that cannot be read is a problem.
    public static func verify(_ view: IndexView, scratch: String) -> Check {
        var check = Check()
        let store = view.store
        var claims: [(segment: CID, inputs: [CID]?, who: String)] = []
        for (_, v) in view.versions {
            for s in v.segments { claims.append((s, nil, "group \(v.group)")) }
        }
        for m in view.manifests {
            do {
                let root = try IndexRoot(cbor: try DagCBOR.decode(try view.store.get(m.root)))
                for c in root.compacted { claims.append((c.segment, c.inputs, "merger \(m.group)")) }
            } catch {
                check.problems.append("root block \(m.root): \(error)")
            }
        }
        var done = Set<CID>()
        for (segment, inputs, who) in claims where !done.contains(segment) {
            do {
                let info = try SegmentInfo(cbor: try DagCBOR.decode(try store.get(segment)))
                if let inputs, Set(inputs) != Set(info.compactedFrom) || info.compactedFrom.isEmpty {
                    check.problems.append("compacted segment \(segment) (\(who)) records other inputs than its manifest entry")
                    continue
                }
                guard !info.compactedFrom.isEmpty else { continue }
                done.insert(segment)
                check.checked += 1
                let again = try recompute(info, from: store, scratch: scratch)
                if again != segment {
                    check.problems.append(
                        "compacted segment \(segment) (\(who)) is not what its \(info.compactedFrom.count) inputs compact to (\(again))")
                }
            } catch {
                check.problems.append("compacted segment \(segment) (\(who)): cannot recompute: \(error)")
            }
        }
        return check
    }
}
