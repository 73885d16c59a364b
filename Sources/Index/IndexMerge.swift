import Blocks
import ProllyTree
import Sodium
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Combines indexes into one, by reference: the result lists every group's newest version
/// (each still signed by its group, so it stays verifiable with the group's key alone) and holds
/// a copy or hard link of every block they reach, so the folder is self-contained and exports as
/// one CAR. Nothing is re-encoded, so a merge costs about the blocks it moves, and the result
/// depends only on the set of versions: any order or grouping of the same inputs gives the same
/// root. Identical captures published by several groups collapse when searched.
///
/// Conflicts are refused, naming both inputs: two versions of a group with one sequence number,
/// two segments claiming one (group, batch), two keys with one group ID. A group present in
/// several inputs contributes its highest sequence number (the others are reported).
public enum IndexMerge {
    public struct Summary: Sendable {
        public var groups = 0
        public var segments = 0
        public var documents: UInt64 = 0
        public var blocks = DAGCopy.Summary()
        /// Inputs' versions not used (replaced by a newer one, untrusted), with the reason.
        public var excluded: [IndexView.Exclusion] = []
        /// Segments the merger compacted (`compaction`), and the number a reader trusting the
        /// merger searches.
        public var compacted: [IndexCompaction.Compacted] = []
        public var segmentsAfterCompaction = 0
    }

    /// Compaction during a merge: the merger's tiered compaction over the merged segments,
    /// when there are more than `above` of them (nil: always).
    public struct Compaction: Sendable {
        public var policy: CompactionPolicy
        public var above: Int?
        public var memoryBytes: Int
        public init(policy: CompactionPolicy = .init(), above: Int? = nil, memoryBytes: Int = 256 << 20) {
            self.policy = policy
            self.above = above
            self.memoryBytes = memoryBytes
        }
    }

    /// A merge's manifest (written) and what it did.
    public struct Merged: Sendable {
        public var manifest: Manifest
        public var summary: Summary
    }

    /// Merges the indexes named `inputs` into the folder `out` and writes its manifest, signed
    /// by `key`: each input is opened by `open` (a local folder or a URL, as the caller reaches
    /// them); blocks go to `out/blocks`, or with `sharedStore` to `sharedStore/blocks`, which
    /// `out/blocks` links to. `policy` decides which groups count (`--trust`) and refuses
    /// replayed versions. An input that cannot be opened throws `IndexError.inputRefused`.
    public static func merge(
        named inputs: [String], open: (String) throws -> IndexView.Source,
        out: String, sharedStore: String? = nil, key: GroupKey, policy: ReadPolicy = .init(),
        analyzer: IndexAnalyzer = IndexAnalyzer(), created: String, compaction: Compaction? = nil
    ) throws -> Merged {
        guard !inputs.isEmpty else { throw IndexError.nothingToMerge }
        // Each input's manifest and root are checked on their own, so a refusal names the input;
        // everything else is read once, by the view over all of them.
        var sources: [IndexView.Source] = []
        for name in inputs {
            do {
                let s = try open(name)
                let manifest = try Manifest.parse(s.manifestBytes, path: s.path)
                let root = try IndexRoot(cbor: try DagCBOR.decode(try s.store.get(manifest.root)))
                guard root.analyzer == analyzer.identifier else {
                    throw IndexError.otherAnalyzer(input: name, found: root.analyzer, expected: analyzer.identifier)
                }
                sources.append(s)
            } catch let e as IndexError {
                if case .otherAnalyzer = e { throw e }
                throw IndexError.inputRefused(input: name, reason: "\(e)")
            } catch {
                throw IndexError.inputRefused(input: name, reason: "\(error)")
            }
        }
        let view = try IndexView.open(sources, policy: policy)
        let store = try outputStore(out: out, shared: sharedStore)
        var summary = Summary()
        // A version's whole DAG is in the index it was read from (indexes are self-contained).
        summary.blocks = try DAGCopy.copy(
            zip(view.versions, view.origins).map { ([$0.0.cid], sources[$0.1].store) }, into: store)
        summary.groups = view.versions.count
        summary.segments = view.segments.count
        summary.documents = view.documentCount
        summary.excluded = view.excluded
        summary.segmentsAfterCompaction = view.segments.count
        var compacted: [IndexRoot.Compaction] = []
        if let compaction, compaction.above.map({ view.segments.count > $0 }) ?? true {
            let result = try IndexCompact.mergerCompactions(
                versions: view.versions, existing: [], store: store, policy: compaction.policy,
                cacheBytes: compaction.memoryBytes / 4)
            compacted = result.compactions
            summary.compacted = result.done
            summary.segmentsAfterCompaction = result.unitsAfter
        }
        let manifest = try IndexWriter.publish(
            versions: view.versions, compacted: compacted, analyzer: analyzer.identifier, store: store, out: out, key: key, created: created)
        return Merged(manifest: manifest, summary: summary)
    }

    /// The store a merge into `out` writes to: its own `blocks/`, or a shared block folder linked from it.
    static func outputStore(out: String, shared: String?) throws -> DirectoryStore {
        guard let shared else { return try DirectoryStore(root: out) }
        let store = try DirectoryStore(root: shared)
        try FileSystem.makeDirectories(out)
        let link = out + "/blocks"
        if !FileSystem.exists(link) {
            let target = FileSystem.absolute(store.blocksPath)
            guard symlink(target, link) == 0 else {
                throw IndexError.blocksLink(path: link, target: target, reason: String(cString: strerror(errno)))
            }
        }
        return store
    }
}
