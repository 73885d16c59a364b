import Blocks
import Ingest
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// A build of sources (WARC, WARC.gz, WARC.zst, WACZ, site folders) into a signed shard:
/// ingest's `Pipeline` feeding a `ShardBuilder`, and for an incremental build (`base`) a new
/// batch written to a scratch folder and merged with the base. The CLI only parses flags and
/// prints the `Report`.
public struct IndexBuild {
    public var sources: [String]
    /// Output index folder; `manifest.json` is written last and atomically.
    public var out: String
    public var key: GroupKey
    public var analyzer = IndexAnalyzer()
    /// Memory for buffered index entries before they spill to disk.
    public var memoryBytes = 512 << 20
    /// Extraction threads; nil: every core.
    public var workers: Int? = nil
    /// URL of the site folder's root, so site documents get real URLs.
    public var baseURL: String? = nil
    /// An earlier index of this group: only documents it lacks (by content digest) are indexed,
    /// as its next batch, and base + batch are written to `out`.
    public var base: String? = nil
    /// The manifest's creation time (ISO 8601); the only input that is not content.
    public var created: String

    public init(sources: [String], out: String, key: GroupKey, created: String) {
        self.sources = sources
        self.out = out
        self.key = key
        self.created = created
    }

    /// What a build did, for the summary the CLI prints.
    public struct Report: Sendable {
        public var manifest: Manifest
        /// Counts of the trees written (for an incremental build: the new batch's documents and
        /// terms, and only the blocks the merge wrote).
        public var built: ShardBuilder.Summary
        public var ingest: IngestSummary
        /// The batch number in the group (0 for a first build).
        public var batch: UInt32 = 0
        /// Revisit records: they carry no text and are not indexed.
        public var revisits = 0
        /// Documents whose digest the base already holds.
        public var alreadyInBase = 0
        public var blocksCopiedFromBase = 0
        public var blocksReusedFromBase = 0

        /// Skipped records by reason, revisits apart when they are reported on their own.
        public var skippedByReason: [String: Int] {
            var skipped = ingest.skippedByReason
            if revisits > 0 { skipped["revisit records (no text; not indexed)"] = nil }
            return skipped
        }
    }

    /// Runs the build. `progress` is called on the calling thread, in source order, once per
    /// record with the number of documents it added (0 or 1).
    /// Throws `IndexError.nothingIndexed` when every source failed and nothing was indexed (the
    /// output folder is then unchanged), `IndexError.baseOfAnotherGroup` for a base this key
    /// did not build.
    public func run(progress: (SourceRef, Int) -> Void = { _, _ in }) throws -> Report {
        var baseShard: (shard: Shard, manifestBytes: [UInt8])? = nil
        var baseDigests = Set<[UInt8]>()
        var batch: UInt32 = 0
        if let base {
            let (shard, manifestBytes) = try Shard.openReadingManifest(directory: base)
            let mine = shard.info.batches.filter { $0.group == key.group }
            guard !mine.isEmpty else { throw IndexError.baseOfAnotherGroup(path: base, group: key.group) }
            batch = (mine.map(\.batch).max() ?? 0) + 1
            try shard.forEachDocument { _, r in baseDigests.insert(r.digest) }
            baseShard = (shard, manifestBytes)
        }
        // An incremental build writes the new batch to a scratch folder, then merges it with the base.
        let batchDirectory = base == nil ? out : out + "/.batch-\(getpid())"
        let builder = try ShardBuilder(
            directory: batchDirectory, key: key, analyzer: analyzer,
            options: .init(memoryBytes: memoryBytes, batch: batch))
        // Whatever happens next, no scratch stays in `out`: a failed build leaves it as it was
        // (apart from blocks no manifest names).
        defer {
            builder.discard()
            if base != nil { try? FileSystem.removeTree(batchDirectory) }
        }
        let known = baseDigests
        var pipeline = Pipeline(reader: SourceReader(baseURL: baseURL), builder: .standard()).bounded(memoryBytes: memoryBytes)
        if let workers { pipeline.workers = workers }
        let attribution = SourceAttribution(sources)
        var nextSeq = [UInt32](repeating: 0, count: sources.count)
        var revisits = 0, alreadyInBase = 0

        /// What a worker hands the in-order consumer for one outcome.
        struct Step: Sendable {
            var analyzed: ShardBuilder.Analyzed?
            var source: SourceRef?
            var revisit = false
            var inBase = false
        }
        let ingest = try pipeline.run(
            sources,
            transform: { outcome -> Step in
                switch outcome {
                case .document(let doc, _):
                    if doc.kind == .revisit { return Step(source: doc.source, revisit: true) }
                    let indexDoc = IndexDocument(doc)
                    if known.contains(indexDoc.digest) { return Step(source: doc.source, inBase: true) }
                    return Step(analyzed: builder.analyze(indexDoc), source: doc.source)
                case .skipped(let s): return Step(source: s.source)
                case .ignored: return Step()
                }
            },
            consume: { step in
                if step.revisit { revisits += 1 }
                if step.inBase { alreadyInBase += 1 }
                guard let source = step.source else { return }
                var added = 0
                if let analyzed = step.analyzed {
                    guard let file = attribution.file(of: source.file) else {
                        throw IndexError.unattributedRecord(source: source.description)
                    }
                    try builder.add(analyzed, file: file, seq: nextSeq[file])
                    nextSeq[file] += 1
                    added = 1
                }
                progress(source, added)
            })
        if nextSeq.allSatisfy({ $0 == 0 }) && !ingest.failed.isEmpty {
            throw IndexError.nothingIndexed(failed: ingest.failed.map { "\($0)" })
        }
        let finished = try builder.finish(
            sources: sources.map { .init(name: $0, bytes: FileSystem.fileSize($0)) },
            created: created)
        var report = Report(
            manifest: finished.manifest, built: finished.summary, ingest: ingest, batch: batch,
            revisits: revisits, alreadyInBase: alreadyInBase)
        if let baseShard, let base {
            // The batch was just written by `builder`: opened from the manifest in hand.
            let batchManifest = finished.manifest.fileBytes
            let inputs = [
                IndexMerge.Input(shard: baseShard.shard, manifestBytes: baseShard.manifestBytes, name: base),
                IndexMerge.Input(
                    shard: try Shard.open(
                        manifestBytes: batchManifest, path: batchDirectory + "/" + Manifest.fileName, store: builder.store),
                    manifestBytes: batchManifest, name: "batch \(batch)"),
            ]
            let merged = try IndexMerge.merge(inputs, into: try DirectoryStore(root: out), key: key, analyzer: analyzer, created: created)
            try merged.manifest.write(toIndex: out)
            report.manifest = merged.manifest
            // New blocks only; blocks copied unchanged from the base are reported apart.
            report.built.blocksWritten = merged.summary.blocksWritten
            report.built.bytesWritten = merged.summary.bytesWritten
            report.blocksCopiedFromBase = merged.summary.blocksCopied
            report.blocksReusedFromBase = Int(merged.summary.blocksReused)
        }
        return report
    }
}

/// Which source a record came from: records name their file (`a.warc.gz`), a file inside a
/// site folder (`site/docs/a.html`), or a member of a WACZ package (`a.wacz#archive/data.warc`).
struct SourceAttribution {
    let sources: [String]
    let exact: [String: Int]

    init(_ sources: [String]) {
        self.sources = sources
        exact = Dictionary(sources.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    func file(of path: String) -> Int? {
        if let i = exact[path] { return i }
        if let hash = path.firstIndex(of: "#"), let i = exact[String(path[..<hash])] { return i }
        return sources.indices.filter { path.hasPrefix(sources[$0].hasSuffix("/") ? sources[$0] : sources[$0] + "/") }
            .max { sources[$0].count < sources[$1].count }
    }
}

extension IndexDocument {
    /// The index's view of an ingested document; the digest (`blake2b-256:<hex>`, `sha1:<base32>`)
    /// becomes the bytes of its hex form, or its text when it is not hex.
    public init(_ d: Ingest.Document) {
        let digestHex = d.digest.split(separator: ":").last.map(String.init) ?? d.digest
        self.init(
            url: d.url, title: d.title ?? "", text: d.text, date: d.date, lang: d.lang, mime: d.mime,
            digest: Hex.decode(digestHex) ?? Array(d.digest.utf8), source: d.source.description,
            tags: d.tags, mentions: d.mentions, parent: d.threadParent)
    }
}
