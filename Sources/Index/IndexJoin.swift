import Blocks
import ProllyTree
import Support

/// Joins the partitions of one group's build (each an index folder written by a build with a
/// `partition`, or an earlier join) into one signed version of the group: every partition's
/// segments, by reference (`DAGCopy`), listed in batch order under one sequence number. The
/// version depends only on the set of segments, the key, `sequence` and `created`: partitions
/// built on any machine, in any order, joined in any order or as a tree of joins, give the
/// same version, root and manifest.
///
/// Refused, naming the partition: an index of another group or of several groups (a merged
/// one), another analyzer, a segment holding another group's batch, a segment with tombstones
/// (an incremental build's), and two segments claiming one batch (naming both partitions).
public struct IndexJoin {
    /// Partition folders (or whatever `open` reaches), in any order.
    public var partitions: [String]
    public var out: String
    /// The group's key: it signed the partitions and signs the joined version.
    public var key: GroupKey
    public var analyzer = IndexAnalyzer()
    public var created: String
    /// The version's sequence number; nil: the wall clock in microseconds. A job that wants
    /// the same root on a second run (or on another machine) fixes it, with `created`.
    public var sequence: UInt64? = nil
    /// Compact the joined segments by this policy before signing (the version then lists the
    /// compacted segments, which link the partitions' ones); nil: list them as they are.
    public var compaction: CompactionPolicy? = nil
    /// Bounds the compaction's node cache.
    public var memoryBytes = 256 << 20

    public init(partitions: [String], out: String, key: GroupKey, created: String) {
        self.partitions = partitions
        self.out = out
        self.key = key
        self.created = created
    }

    public struct Report: Sendable {
        public var manifest: Manifest
        public var version: CID
        public var sequence: UInt64
        /// The partitions' segments, in the order the version would list them uncompacted.
        public var joined: [CID] = []
        /// The batch numbers joined, ascending.
        public var batches: [UInt32] = []
        public var documents: UInt64 = 0
        /// The segments the version lists (after compaction, if any).
        public var segments: [CID] = []
        public var blocks = DAGCopy.Summary()
        public var compactions: [IndexCompaction.Compacted] = []
    }

    /// One partition's segments as read and checked.
    struct Part {
        var name: String
        var store: BlockStore
        var segments: [(cid: CID, info: SegmentInfo)]
    }

    public func run(open: (String) throws -> IndexView.Source = IndexView.localSource) throws -> Report {
        guard !partitions.isEmpty else { throw IndexError.nothingToMerge }
        var parts: [Part] = []
        for name in partitions { parts.append(try read(name, open: open)) }

        // Batches are unique across the partitions; a batch's owner names both on a conflict.
        var owner: [UInt32: (partition: String, segment: CID)] = [:]
        var segments: [(cid: CID, info: SegmentInfo)] = []
        for part in parts {
            for s in part.segments {
                for b in s.info.batches {
                    if let other = owner[b.batch] {
                        throw IndexError.conflict(
                            "batch \(b.batch) of group \(key.group) is in partition \(other.partition) (segment \(other.segment)) and in partition \(part.name) (segment \(s.cid)); each partition needs its own --partition index"
                        )
                    }
                    owner[b.batch] = (part.name, s.cid)
                }
                segments.append(s)
            }
        }
        // Batch order, so the version does not depend on the order partitions were given or built.
        segments.sort { $0.info.batches.map(\.batch).min()! < $1.info.batches.map(\.batch).min()! }

        let store = try DirectoryStore(root: out)
        var report = Report(
            manifest: Manifest(root: CID(of: []), created: "", signer: [], signature: [], summary: .null), version: CID(of: []), sequence: 0)
        for part in parts {
            let copied = try DAGCopy.copy(roots: part.segments.map(\.cid), from: part.store, into: store)
            report.blocks.linked += copied.linked
            report.blocks.copied += copied.copied
            report.blocks.present += copied.present
        }
        report.joined = segments.map(\.cid)
        report.batches = owner.keys.sorted()
        report.documents = segments.reduce(0) { $0 + $1.info.documents }
        report.segments = report.joined
        if let compaction {
            let sets = compaction.plan(segments.map(\.info))
            let reader = NodeReader(store: store, cacheBytes: memoryBytes / 4)
            (report.segments, report.compactions) = try IndexCompact.groupCompactions(report.joined, sets: sets, reader: reader, into: store)
        }
        let sequence = self.sequence ?? wallClockMicroseconds()
        let version = try GroupVersion.signed(
            key: key, sequence: sequence, created: created, analyzer: analyzer.identifier, segments: report.segments)
        report.version = try IndexWriter.store(version, in: store)
        report.sequence = sequence
        report.manifest = try IndexWriter.publish(
            versions: [(report.version, version)], analyzer: analyzer.identifier, store: store, out: out, key: key, created: created)
        return report
    }

    /// Opens one partition as a reader would (manifest and version signatures checked) and
    /// checks that it is this group's, with segments a join can list.
    func read(_ name: String, open: (String) throws -> IndexView.Source) throws -> Part {
        func refuse(_ reason: String) -> IndexError { .partition(input: name, reason: reason) }
        let source: IndexView.Source
        let view: IndexView
        do {
            source = try open(name)
            view = try IndexView.open([source])
        } catch {
            throw refuse("\(error)")
        }
        if let bad = view.excluded.first { throw refuse(bad.reason) }
        guard view.versions.count == 1, let (_, version) = view.versions.first else {
            throw refuse("holds \(view.versions.count) groups' versions (a merged index?); a partition holds one group's build")
        }
        guard version.publicKey == key.publicKey else {
            throw refuse("holds group \(version.group)'s version, not group \(key.group)'s (the join's key)")
        }
        guard version.analyzer == analyzer.identifier else {
            throw IndexError.otherAnalyzer(input: name, found: version.analyzer, expected: analyzer.identifier)
        }
        // The view has read and checked every segment the version lists (another group's batch
        // is in `excluded`); one it does not hold was replaced by a merger's compaction.
        let opened = Dictionary(view.segments.map { ($0.cid, $0.info) }, uniquingKeysWith: { a, _ in a })
        var segments: [(cid: CID, info: SegmentInfo)] = []
        for cid in version.segments {
            guard let info = opened[cid] else { throw refuse("segment \(cid) is replaced by a merger's compaction; a join lists a build's segments") }
            guard info.tombstones.isEmpty else {
                throw refuse(
                    "segment \(cid) holds \(info.tombstones.count) tombstones (an incremental build's); a join lists partitions built from scratch")
            }
            guard !info.batches.isEmpty else { throw refuse("segment \(cid) holds no batch") }
            segments.append((cid, info))
        }
        return Part(name: name, store: source.store, segments: segments)
    }
}
