import Blocks
import ProllyTree
import Sodium
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Combines shards and merged indexes into one index, deterministically.
///
/// Each tree is the union of the inputs' trees (`Tree.union`): every subtree no other input
/// touches is reused, its blocks copied byte for byte. Documents are never renumbered (a DocRef
/// names its group and batch), so postings of different groups simply interleave.
///
/// Duplicates: when documents of *different* groups share a content digest, the group holding
/// the smallest DocRef with that digest keeps its copies and the other groups' copies are
/// removed, postings and all (re-derived by analyzing the stored record and text). The rule
/// depends only on the union, so merge order and grouping cannot change the result.
public enum IndexMerge {
    public struct Input: Sendable {
        public var shard: Shard
        /// The bytes of its manifest.json, hashed into the provenance record.
        public var manifestBytes: [UInt8]
        public var name: String
        public init(shard: Shard, manifestBytes: [UInt8], name: String) {
            self.shard = shard
            self.manifestBytes = manifestBytes
            self.name = name
        }
    }

    public struct Summary: Sendable {
        public var blocksReused: UInt64 = 0
        public var blocksWritten = 0
        public var bytesWritten = 0
        public var blocksCopied = 0
        public var subtreesReused = 0
        public var duplicatesRemoved = 0
        public var documents: UInt64 = 0
    }

    /// Checks that the inputs were analyzed as this tool analyzes; the error names the input.
    /// (Tree parameters need no check here: `Shard` refuses to open trees of another shape.)
    public static func checkCompatible(_ inputs: [Input], analyzer: IndexAnalyzer) throws {
        for input in inputs where input.shard.info.analyzer != analyzer.identifier {
            throw IndexError.otherAnalyzer(input: input.name, found: input.shard.info.analyzer, expected: analyzer.identifier)
        }
    }

    /// Two inputs holding the same batch of the same group must hold the same batch (built from
    /// the same sources): DocRefs name documents by group, batch and ordinal, so two different
    /// batches under one name would collide and lose documents.
    public static func checkBatches(_ inputs: [Input]) throws {
        var seen: [String: (input: String, sources: [String])] = [:]
        for input in inputs {
            for b in input.shard.info.batches {
                let id = "\(b.group)/\(b.batch)"
                let sources = b.sources.map { "\($0.name)#\($0.bytes)" }.sorted()
                if let earlier = seen[id], earlier.sources != sources {
                    throw IndexError.batchCollision(first: earlier.input, second: input.name, group: b.group, batch: b.batch)
                }
                seen[id] = (input.name, sources)
            }
        }
    }

    /// A merge's signed manifest (not yet written) and what it cost.
    public struct Merged: Sendable {
        public var manifest: Manifest
        public var summary: Summary
    }

    /// Merges the indexes named `inputs` into the folder `out` and writes its manifest: each
    /// input is opened by `open` (a local folder or a URL, as the caller reaches them); blocks go
    /// to `out/blocks`, or with `sharedStore` to `sharedStore/blocks`, which `out/blocks` links to.
    /// An input that cannot be opened throws `IndexError.inputRefused` naming it.
    public static func merge(
        named inputs: [String], open: (String) throws -> (shard: Shard, manifestBytes: [UInt8]),
        out: String, sharedStore: String? = nil, key: GroupKey,
        analyzer: IndexAnalyzer = IndexAnalyzer(), created: String
    ) throws -> Merged {
        var loaded: [Input] = []
        for name in inputs {
            do {
                let opened = try open(name)
                loaded.append(Input(shard: opened.shard, manifestBytes: opened.manifestBytes, name: name))
            } catch {
                throw IndexError.inputRefused(input: name, reason: "\(error)")
            }
        }
        let merged = try merge(loaded, into: try outputStore(out: out, shared: sharedStore), key: key, analyzer: analyzer, created: created)
        try merged.manifest.write(toIndex: out)
        return merged
    }

    /// The store a merge into `out` writes to: its own `blocks/`, or a shared block folder linked from it.
    static func outputStore(out: String, shared: String?) throws -> DirectoryStore {
        guard let shared else { return try DirectoryStore(root: out) }
        let store = try DirectoryStore(root: shared)
        try FileSystem.makeDirectories(out)
        let link = out + "/blocks"
        if !FileSystem.exists(link) {
            var target = store.blocksPath
            if !target.hasPrefix("/"), let cwd = getcwd(nil, 0) {
                target = String(cString: cwd) + "/" + target
                free(cwd)
            }
            guard symlink(target, link) == 0 else {
                throw IndexError.blocksLink(path: link, target: target, reason: String(cString: strerror(errno)))
            }
        }
        return store
    }

    /// Merges opened inputs into `store`; the caller writes the manifest (`Manifest.write(toIndex:)`).
    public static func merge(
        _ inputs: [Input], into store: DirectoryStore, key: GroupKey, analyzer: IndexAnalyzer,
        created: String
    ) throws -> Merged {
        guard !inputs.isEmpty else { throw IndexError.nothingToMerge }
        try checkCompatible(inputs, analyzer: analyzer)
        try checkBatches(inputs)
        var summary = Summary()
        var trees: [ShardTree: Tree] = [:]
        for tree in ShardTree.allCases {
            let (t, s) = try Tree.union(inputs.map { $0.shard.tree(tree) }, into: store, aggregator: tree.aggregator)
            trees[tree] = t
            summary.blocksReused += s.blocksReused
            summary.blocksWritten += s.blocksWritten
            summary.bytesWritten += s.bytesWritten
            summary.blocksCopied += s.blocksCopied
            summary.subtreesReused += s.subtreesReused
        }

        // One pass over the merged documents: duplicates across groups, and the statistics.
        let reader = NodeReader(store: store)
        let docs = try Tree.open(trees[.docs]!.headerCID, reader: reader)
        var firstByDigest: [[UInt8]: DocRef] = [:]
        var records: [(DocRef, DocRecord)] = []
        try Shard.forEachDocument(in: docs) { ref, r in
            records.append((ref, r))
            if !r.digest.isEmpty, firstByDigest[r.digest] == nil { firstByDigest[r.digest] = ref }
        }
        let text = try Tree.open(trees[.text]!.headerCID, reader: reader)
        var removals: [ShardTree: [([UInt8], [UInt8]?)]] = [:]
        var kept: [(DocRef, DocRecord)] = []
        for (ref, r) in records {
            if let first = firstByDigest[r.digest], first.group != ref.group {
                summary.duplicatesRemoved += 1
                let body = try text.get(ref.bytes).map { String(decoding: $0, as: UTF8.self) } ?? ""
                let terms = DocumentTerms(r.document(text: body), analyzer: analyzer)
                for e in terms.entries {
                    let k = ShardKeys.posting(e.field, e.term, ref)
                    removals[.postings, default: []].append((k, nil))
                    if !e.positions.isEmpty { removals[.positions, default: []].append((k, nil)) }
                }
                removals[.docs, default: []].append((ref.bytes, nil))
                removals[.text, default: []].append((ref.bytes, nil))
            } else {
                kept.append((ref, r))
            }
        }
        for (tree, edits) in removals {
            let t = try Tree.open(trees[tree]!.headerCID, reader: reader)
            let (edited, s) = try t.applying(edits, aggregator: tree.aggregator)
            trees[tree] = edited
            summary.blocksWritten += s.blocksWritten
            summary.bytesWritten += s.bytesWritten
        }

        // Statistics and batches, recomputed from the documents kept.
        var groups: [GroupID: IndexInfo.GroupStats] = [:]
        var batchDocs: [String: UInt64] = [:]
        var body: UInt64 = 0, title: UInt64 = 0
        for (ref, r) in kept {
            var g = groups[ref.group] ?? IndexInfo.GroupStats(group: ref.group, documents: 0, bodyLength: 0, titleLength: 0)
            g.documents += 1
            g.bodyLength += UInt64(r.bodyLength)
            g.titleLength += UInt64(r.titleLength)
            groups[ref.group] = g
            body += UInt64(r.bodyLength)
            title += UInt64(r.titleLength)
            batchDocs["\(ref.group)/\(ref.batch)", default: 0] += 1
        }
        var batches: [String: IndexInfo.Batch] = [:]
        for input in inputs {
            for b in input.shard.info.batches {
                let id = "\(b.group)/\(b.batch)"
                var merged = batches[id] ?? IndexInfo.Batch(group: b.group, batch: b.batch, documents: 0, sources: [])
                for s in b.sources where !merged.sources.contains(s) { merged.sources.append(s) }
                merged.documents = batchDocs[id] ?? 0
                batches[id] = merged
            }
        }
        let provenance = inputs.map { input in
            IndexInfo.Provenance(
                manifestHash: Sodium.blake2b256(input.manifestBytes), root: input.shard.manifest.root,
                signer: input.shard.manifest.signer)
        }
        var seen = Set<[UInt8]>()
        let info = IndexInfo(
            analyzer: analyzer.identifier, trees: Dictionary(uniqueKeysWithValues: trees.map { ($0.key.name, $0.value.headerCID) }),
            documents: UInt64(kept.count), bodyLength: body, titleLength: title,
            groups: groups.values.sorted { $0.group < $1.group },
            batches: batches.values.sorted { ($0.group, $0.batch) < ($1.group, $1.batch) }
                .map { b in
                    var b = b; b.sources.sort { $0.name < $1.name }; return b
                },
            mergedFrom: provenance.filter { seen.insert($0.manifestHash).inserted }
                .sorted { $0.manifestHash.lexicographicallyPrecedes($1.manifestHash) })
        summary.documents = info.documents
        let root = try store.put(info.cbor.encode())
        let manifest = try Manifest.signed(root: root, info: info, key: key, created: created)
        return Merged(manifest: manifest, summary: summary)
    }
}
