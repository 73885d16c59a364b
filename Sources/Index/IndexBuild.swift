import Blocks
import Ingest
import Sodium
import Support

/// A build of sources (WARC, WARC.gz, WARC.zst, WACZ, site folders) into a segment and a new
/// signed version of the group's index: ingest's `Pipeline` feeding a `SegmentBuilder`. With a
/// `base` (an earlier index of the group) the new segment holds only what is new, plus
/// tombstones for the base's documents this build replaces or deletes; the base's segments are
/// kept by reference. The CLI only parses flags and prints the `Report`.
public struct IndexBuild {
    public var sources: [String]
    /// Output index folder; `manifest.json` is written last and atomically.
    public var out: String
    public var key: GroupKey
    public var analyzer = IndexAnalyzer()
    /// Memory for buffered index entries before they spill to disk.
    public var memoryBytes = 512 << 20
    /// Check the WARC digests records carry (`DocumentBuilder.checksDigests`).
    public var checksDigests = true
    /// Extraction threads; nil: every core.
    public var workers: Int? = nil
    /// Called from the finish phase's threads: bytes of index entries written into trees so
    /// far, and in all.
    public var finishProgress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    /// URL of the site folders' root, so site documents get real URLs: for every folder with
    /// no pair in `folderBaseURLs` and no `site.json` (`SourceReader.siteBaseURL`).
    public var baseURL: String? = nil
    /// Base URLs of particular folders, keyed by their path as given in `sources`.
    public var folderBaseURLs: [String: String] = [:]
    /// An earlier index holding this group's version: the new version keeps its segments and
    /// adds one with what is new. May be `out` itself (an update in place).
    public var base: String? = nil
    /// URLs whose documents in the base are removed (tombstoned), whatever their source.
    public var deletions: [String] = []
    /// The manifest's creation time (ISO 8601); with `sequence`, the only inputs that are not content.
    public var created: String
    /// The new version's sequence number; nil: the wall clock in microseconds (or the base's
    /// plus one, if higher), so a rebuild from scratch still outranks every earlier version.
    public var sequence: UInt64? = nil
    /// The replay link template recorded in the new version (`ReplayTemplate.text`); nil keeps
    /// the base's, "" removes it.
    public var replay: String? = nil
    /// One partition of a build spread over several machines: its segment is batch `index` of
    /// the group, fixed by the partition and not by timing, so `IndexJoin` can list the
    /// partitions' segments in one version. Refused with a `base` (tombstones and the next
    /// batch number need the whole group's state).
    public var partition: Partition? = nil
    /// The names recorded for `sources` (the segment's source list and each record's
    /// `file:offset`), one per source; nil: the inputs' own names (`SourceNames`). A task that fetched a URL to a
    /// scratch file records the URL, so the segment does not depend on where it was fetched to.
    public var sourceNames: [String]? = nil

    /// Partition `index` of `count` (0-based, as Spark numbers its partitions).
    public struct Partition: Sendable, Equatable {
        public var index: UInt32
        public var count: UInt32
        public init(index: UInt32, count: UInt32) {
            self.index = index
            self.count = count
        }
    }

    public init(sources: [String], out: String, key: GroupKey, created: String) {
        self.sources = sources
        self.out = out
        self.key = key
        self.created = created
    }

    /// What a build did, for the summary the CLI prints.
    public struct Report: Sendable {
        public var manifest: Manifest
        /// Counts of the segment written (for an incremental build: only the new documents).
        public var built: SegmentBuilder.Summary
        public var ingest: IngestSummary
        /// The new segment's root (nil when an incremental build found nothing new).
        public var segment: CID?
        /// The batch number in the group (0 for a first build).
        public var batch: UInt32 = 0
        /// The new version's sequence number and its number of segments.
        public var sequence: UInt64 = 0
        public var segments = 0
        /// Revisit records: they carry no text and are not indexed.
        public var revisits = 0
        /// Documents the base already holds unchanged (same URL and content digest).
        public var alreadyInBase = 0
        /// Base documents replaced by a new version of their page, and removed.
        public var replaced = 0
        public var deleted = 0
        /// `deletions` that named no document of the base.
        public var deletionsNotFound: [String] = []
        /// Base blocks brought into `out` (0 for an update in place).
        public var blocksFromBase = 0
        /// Where the time went, in order: `ingest` (read, extract, analyze, spill sorted runs),
        /// `finish` (merge the runs into trees, write their blocks), `publish` (the version,
        /// the base's blocks, the manifest and its self-check).
        public var phases: [Phase] = []

        /// Skipped records by reason, revisits apart when they are reported on their own.
        public var skippedByReason: [String: Int] {
            var skipped = ingest.skippedByReason
            if revisits > 0 { skipped["revisit records (no text; not indexed)"] = nil }
            return skipped
        }
    }

    /// One phase of a build: wall seconds, and CPU seconds of the whole process (all threads).
    public struct Phase: Sendable, Equatable {
        public var name: String
        public var seconds: Double
        public var cpuSeconds: Double
    }

    /// Times phases one after the other, each from the end of the one before.
    struct PhaseClock {
        var phases: [Phase] = []
        var wall = monotonicSeconds(), cpu = processCPUSeconds()

        mutating func end(_ name: String) {
            let (w, c) = (monotonicSeconds(), processCPUSeconds())
            phases.append(Phase(name: name, seconds: w - wall, cpuSeconds: c - cpu))
            (wall, cpu) = (w, c)
        }
    }

    /// The group's current state in the base: its version and live documents.
    struct Base {
        var version: (cid: CID, version: GroupVersion)
        var nextBatch: UInt32
        /// Live documents by URL (several captures of one URL may be live): only what an update
        /// decides on, not whole records, since every live document of the base is held.
        var byURL: [String: [Page]] = [:]

        struct Page {
            var ref: DocRef
            /// Hex of the content digest's key (`DocRecord.digestKey`), as pages are matched by
            /// (URL, digest) whichever format holds them.
            var digest: String
            var source: String
            var tombstone: SegmentInfo.Tombstone
        }
        var store: BlockStore
        /// Other groups' versions in the base (a merged index).
        var others: Int

        init(path: String, key: GroupKey) throws {
            let view = try IndexView.open(directory: path)
            guard let mine = view.versions.first(where: { $0.version.publicKey == key.publicKey }) else {
                throw IndexError.baseOfAnotherGroup(path: path, group: key.group)
            }
            others = view.versions.count - 1
            version = mine
            store = view.store
            let own = view.segments.filter { s in mine.version.segments.contains(s.cid) }
            nextBatch = (own.flatMap { $0.info.batches.filter { $0.group == key.group }.map(\.batch) }.max() ?? 0) + 1
            for s in own {
                try s.forEachDocument { ref, r in
                    guard view.isLive(ref) else { return }
                    let tombstone = SegmentInfo.Tombstone(doc: ref, bodyLength: r.bodyLength, titleLength: r.titleLength)
                    let digest = Hex.encode(DocRecord.digestKey(r.digest))
                    byURL[r.url, default: []].append(Page(ref: ref, digest: digest, source: r.source, tombstone: tombstone))
                }
            }
        }
    }

    /// Runs the build. `progress` is called on the calling thread, in source order, once per
    /// record with the number of documents it added (0 or 1).
    /// Throws `IndexError.nothingIndexed` when every source failed and nothing was indexed (the
    /// output folder is then unchanged), `IndexError.baseOfAnotherGroup` for a base holding no
    /// version of this key.
    public func run(progress: (SourceRef, Int) -> Void = { _, _ in }) throws -> Report {
        if let partition {
            guard partition.index < partition.count else {
                throw IndexError.partition(
                    input: out, reason: "partition \(partition.index)/\(partition.count): the index must be below the count (0-based)")
            }
            if let base = self.base { throw IndexError.partitionWithBase(base: base) }
            if !deletions.isEmpty { throw IndexError.partitionWithBase(base: "--delete") }
        }
        if let sourceNames, sourceNames.count != sources.count {
            throw IndexError.partition(input: out, reason: "\(sourceNames.count) source names for \(sources.count) sources")
        }
        var clock = PhaseClock()
        let base = try self.base.map { try Base(path: $0, key: key) }
        // Updating a merged index in place would publish it under this group's key alone and
        // drop the other groups: a group's index is its own; merging is the merger's job.
        if let base, base.others > 0, let path = self.base, FileSystem.sameFile(path, out) {
            throw IndexError.baseIsShared(path: path, others: base.others)
        }
        // Unchanged pages are skipped by (URL, digest): the same content at a new URL is new.
        var known = Set<String>()
        for (url, pages) in base?.byURL ?? [:] { for p in pages { known.insert(url + "\u{0}" + p.digest) } }
        let batch = partition?.index ?? base?.nextBatch ?? 0
        let builder = try SegmentBuilder(
            directory: out, key: key, analyzer: analyzer, options: .init(memoryBytes: memoryBytes, batch: batch, threads: workers ?? processorCount))
        // Whatever happens next, no scratch stays in `out`: a failed build leaves it as it was
        // (apart from blocks no manifest names).
        defer { builder.discard() }
        let knownPages = known
        let sources = self.sources
        var pipeline = Pipeline(reader: SourceReader(baseURL: baseURL, folderBaseURLs: folderBaseURLs), builder: .standard(links: false)).bounded(
            memoryBytes: memoryBytes)
        pipeline.builder.checksDigests = checksDigests
        if let workers { pipeline.workers = workers }
        let attribution = SourceAttribution(sources)
        let names = SourceNames(sources, names: sourceNames)
        let folders = Set(sources.indices.filter { FileSystem.isDirectory(sources[$0]) })
        var nextSeq = [UInt32](repeating: 0, count: sources.count)
        var revisits = 0, alreadyInBase = 0
        // Site-folder pages seen in this build, by URL and by (URL, digest): a base page of a
        // folder is current only if this build saw it with the same content.
        var folderURLs = Set<String>()
        var folderPages = Set<String>()

        /// What a worker hands the in-order consumer for one outcome.
        struct Step: Sendable {
            var analyzed: SegmentBuilder.Analyzed?
            var source: SourceRef?
            var url: String?
            /// URL and content digest.
            var page: String?
            var revisit = false
            var inBase = false
            var failure: Error? = nil
        }
        let ingest = try pipeline.run(
            sources,
            transform: { outcome -> Step in
                switch outcome {
                case .document(let doc, _):
                    if doc.kind == .revisit { return Step(source: doc.source, revisit: true) }
                    let indexDoc = IndexDocument(doc, source: names.name(of: doc.source))
                    let page = indexDoc.url + "\u{0}" + Hex.encode(DocRecord.digestKey(indexDoc.digest))
                    if knownPages.contains(page) { return Step(source: doc.source, url: indexDoc.url, page: page, inBase: true) }
                    do {
                        return Step(analyzed: try builder.analyze(indexDoc), source: doc.source, url: indexDoc.url, page: page)
                    } catch {
                        return Step(source: doc.source, failure: error)  // a chunk block not written: the build fails
                    }
                case .skipped(let s): return Step(source: s.source)
                case .ignored: return Step()
                }
            },
            consume: { step in
                if let failure = step.failure { throw failure }
                if step.revisit { revisits += 1 }
                if step.inBase { alreadyInBase += 1 }
                guard let source = step.source else { return }
                let file = attribution.file(of: source.file)
                if let file, folders.contains(file), let url = step.url, let page = step.page {
                    folderURLs.insert(url)
                    folderPages.insert(page)
                }
                var added = 0
                if let analyzed = step.analyzed {
                    guard let file else { throw IndexError.unattributedRecord(source: source.description) }
                    try builder.add(analyzed, file: file, seq: nextSeq[file])
                    nextSeq[file] += 1
                    added = 1
                }
                progress(source, added)
            })
        clock.end("ingest")
        if nextSeq.allSatisfy({ $0 == 0 }) && !ingest.failed.isEmpty {
            throw IndexError.nothingIndexed(failed: ingest.failed.map { "\($0)" })
        }

        // Tombstones: a folder's page that changed or is gone, and pages deleted by URL. Web
        // archive captures are history, not state: a new capture of a URL adds to the old ones.
        var tombstones: [DocRef: SegmentInfo.Tombstone] = [:]
        var replaced = 0, deleted = 0
        var notFound: [String] = []
        if let base {
            // Sources are recorded by name (`SourceNames`); indexes built before named them by path.
            let folderPaths = folders.flatMap { i in
                [sources[i], names.names[i]].map { $0.hasSuffix("/") ? $0 : $0 + "/" }
            }
            for (url, pages) in base.byURL {
                for p in pages where folderPaths.contains(where: { p.source.hasPrefix($0) }) {
                    if folderPages.contains(url + "\u{0}" + p.digest) { continue }
                    tombstones[p.ref] = p.tombstone
                    if folderURLs.contains(url) { replaced += 1 } else { deleted += 1 }
                }
            }
            for url in deletions {
                guard let pages = base.byURL[url] else { notFound.append(url); continue }
                for p in pages where tombstones[p.ref] == nil {
                    tombstones[p.ref] = p.tombstone
                    deleted += 1
                }
            }
        } else {
            notFound = deletions
        }

        let documents = nextSeq.reduce(0) { $0 + Int($1) }
        var report = Report(
            manifest: Manifest(root: CID(of: []), created: "", signer: [], signature: [], summary: .null),
            built: SegmentBuilder.Summary(), ingest: ingest, batch: batch, revisits: revisits, alreadyInBase: alreadyInBase)
        report.replaced = replaced
        report.deleted = deleted
        report.deletionsNotFound = notFound
        var segments = base?.version.version.segments ?? []
        if base == nil || documents > 0 || !tombstones.isEmpty {
            let finished = try builder.finish(
                sources: sources.indices.map { .init(name: names.names[$0], bytes: FileSystem.fileSize(sources[$0])) },
                tombstones: Array(tombstones.values), progress: finishProgress)
            report.built = finished.summary
            report.segment = finished.segment
            segments.append(finished.segment)
        }
        clock.end("finish")
        if let base, let path = self.base, path != out {
            let copied = try DAGCopy.copy(roots: [base.version.cid] + base.version.version.segments, from: base.store, into: builder.store)
            report.blocksFromBase = copied.linked + copied.copied
        }
        var version = base.map { ($0.version.cid, $0.version.version) }
        let replay = self.replay.map { $0.isEmpty ? nil : $0 } ?? base?.version.version.replay
        if version == nil || report.segment != nil || replay != base?.version.version.replay {
            let sequence = max((base?.version.version.sequence ?? 0) + 1, self.sequence ?? wallClockMicroseconds())
            let v = try GroupVersion.signed(
                key: key, sequence: sequence, created: created, analyzer: analyzer.identifier, segments: segments, replay: replay)
            version = (try IndexWriter.store(v, in: builder.store), v)
        }
        report.sequence = version!.1.sequence
        report.segments = segments.count
        report.manifest = try IndexWriter.publish(
            versions: [version!], analyzer: analyzer.identifier, store: builder.store, out: out, key: key, created: created)
        clock.end("publish")
        report.phases = clock.phases
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
    /// becomes the bytes of its hex form, or the BLAKE2b-256 of its text when it is not hex (the
    /// index keeps a digest's first 8 bytes: a text's could be shared by different contents).
    /// `source` replaces the record's location as ingest gave it (`SourceNames` makes it
    /// path-free).
    public init(_ d: Ingest.Document, source: String? = nil) {
        let digestHex = d.digest.split(separator: ":").last.map(String.init) ?? d.digest
        self.init(
            url: d.url, title: d.title ?? "", text: d.text, date: d.date, lang: d.lang, mime: d.mime,
            digest: Hex.decode(digestHex) ?? Sodium.blake2b256(Array(d.digest.utf8)), source: source ?? d.source.description,
            recordID: d.recordID, tags: d.tags, mentions: d.mentions, parent: d.threadParent)
        author = d.author
        authorName = d.authorName
    }
}
