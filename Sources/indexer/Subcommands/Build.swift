import ArgumentParser
import Blocks
import Foundation
import Index
import Ingest
import Support

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Index WARC, WARC.gz, WARC.zst, WACZ files and site folders into a signed shard.",
        discussion: """
            Writes DIR/blocks/<cid> and, last and atomically, DIR/manifest.json: a killed build \
            leaves any previous index in DIR intact. The trees depend only on the sources and the \
            key, not on --threads or --memory-mb. Exit status: 0 success, 3 finished but skipped \
            damaged records (listed on stderr with file and offset), 1 failed.
            """)

    @Argument(help: "WARC / WARC.gz / WARC.zst / WACZ files and site folders.") var sources: [String]
    @Option(help: "Output index folder.") var out: String
    @Option(help: "Group key file (default: the user's default key, created on first use).") var key: String?
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Option(help: "Memory for buffered index entries before they spill to disk, in MiB.") var memoryMb = 512
    @Option(help: "URL of the site folder's root, so site documents get real URLs.") var baseURL: String?
    @Option(help: "An earlier index of this group: add only documents it lacks (by content digest) as a new batch, and write base + batch to --out.") var base: String?
    @Flag(help: "Print the summary on stdout as JSON.") var json = false

    func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if memoryMb < 16 { throw ValidationError("--memory-mb must be at least 16") }
    }

    func run() throws {
        let started = monotonicSeconds()
        let groupKey = try loadKey(key)
        // An incremental build writes the new batch to a scratch folder, then merges it with the base.
        var baseShard: Shard? = nil
        var baseDigests = Set<[UInt8]>()
        var batch: UInt32 = 0
        if let base {
            let shard = try Shard.open(directory: base)
            let mine = shard.info.batches.filter { $0.group == groupKey.group }
            guard !mine.isEmpty else {
                throw ValidationError("\(base) holds no batch of group \(groupKey.group); an incremental build extends the same group's index (use merge to combine groups)")
            }
            batch = (mine.map(\.batch).max() ?? 0) + 1
            try shard.forEachDocument { _, r in baseDigests.insert(r.digest) }
            baseShard = shard
        }
        let batchDirectory = base == nil ? out : out + "/.batch-\(getpid())"
        let builder = try ShardBuilder(directory: batchDirectory, key: groupKey, analyzer: IndexAnalyzer(),
                                       options: .init(memoryBytes: memoryMb << 20, batch: batch))
        let known = baseDigests
        var pipeline = Pipeline(reader: SourceReader(baseURL: baseURL), builder: .standard())
        if let threads { pipeline.workers = threads }
        // Records name their file; files inside a site folder are attributed to the folder.
        let exact = Dictionary(sources.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
        func fileIndex(_ path: String) -> Int? {
            if let i = exact[path] { return i }
            return sources.indices.filter { path.hasPrefix(sources[$0].hasSuffix("/") ? sources[$0] : sources[$0] + "/") }
                .max { sources[$0].count < sources[$1].count }
        }
        var nextSeq = [UInt32](repeating: 0, count: sources.count)
        var revisits = 0
        var alreadyIndexed = 0
        var copiedFromBase = 0
        var reusedFromBase = 0
        let progress = Progress(sources: sources, enabled: stderrIsTerminal)

        /// What a worker hands the in-order consumer for one outcome.
        struct Step: Sendable {
            var analyzed: ShardBuilder.Analyzed?
            var source: SourceRef?
            var revisit = false
            var inBase = false
        }
        let summary = try pipeline.run(sources, transform: { outcome -> Step in
            switch outcome {
            case .document(let doc, _):
                if doc.kind == .revisit { return Step(source: doc.source, revisit: true) }
                let indexDoc = IndexDocument(doc)
                if known.contains(indexDoc.digest) { return Step(source: doc.source, inBase: true) }
                return Step(analyzed: builder.analyze(indexDoc), source: doc.source)
            case .skipped(let s): return Step(source: s.source)
            case .ignored: return Step()
            }
        }) { step in
            let (analyzed, source) = (step.analyzed, step.source)
            if step.revisit { revisits += 1 }
            if step.inBase { alreadyIndexed += 1 }
            if let analyzed, let source, let file = fileIndex(source.file) {
                try builder.add(analyzed, file: file, seq: nextSeq[file])
                nextSeq[file] += 1
            }
            if let source { progress.update(source, documents: analyzed == nil ? 0 : 1) }
        }
        progress.finish()
        if nextSeq.allSatisfy({ $0 == 0 }) && !summary.failed.isEmpty {
            for f in summary.failed { printError("failed \(f)") }
            printError("nothing was indexed; \(out) is unchanged")
            throw ExitCode.failure
        }
        let created = ISO8601DateFormatter().string(from: Date())
        var (manifest, built) = try builder.finish(
            sources: sources.map { (name: $0, bytes: UInt64(max(0, fileSize($0)))) }, created: created)
        if let baseShard, let base {
            defer { try? FileSystem.removeTree(batchDirectory) }
            let inputs = [
                IndexMerge.Input(shard: baseShard, manifestBytes: try FileSystem.readFile(base + "/" + Manifest.fileName), name: base),
                IndexMerge.Input(shard: try Shard.open(directory: batchDirectory),
                                 manifestBytes: try FileSystem.readFile(batchDirectory + "/" + Manifest.fileName), name: "batch \(batch)"),
            ]
            let (merged, m) = try IndexMerge.merge(inputs, into: try DirectoryStore(root: out), key: groupKey,
                                                   analyzer: IndexAnalyzer(), created: created)
            try FileSystem.writeAtomically(out + "/" + Manifest.fileName, merged.fileBytes, sync: true)
            manifest = merged
            // New blocks only; blocks copied unchanged from the base are reported apart.
            built.blocksWritten = m.blocksWritten
            built.bytesWritten = m.bytesWritten
            copiedFromBase = m.blocksCopied
            reusedFromBase = Int(m.blocksReused)
            printError("batch \(batch): \(built.documents) new documents (\(alreadyIndexed) already in \(base)); \(m.blocksReused) blocks reused from the base, \(m.blocksWritten) written")
        }
        let seconds = monotonicSeconds() - started

        var skipped = summary.skippedByReason
        if revisits > 0 { skipped["revisit records (no text; not indexed)"] = nil }
        if json {
            var o: [String: JSON] = [
                "index": .string(out), "root": .string(manifest.root.description), "group": .string(manifest.group.description),
                "documents": .int(Int64(built.documents)), "records": .int(Int64(summary.records)),
                "terms": .int(Int64(built.terms)), "postings": .int(Int64(built.postings)),
                "blocksWritten": .int(Int64(built.blocksWritten)), "bytesWritten": .int(Int64(built.bytesWritten)),
                "runs": .int(Int64(built.runs)), "milliseconds": .int(Int64(seconds * 1000)), "revisits": .int(Int64(revisits)), "batch": .int(Int64(batch)),
                "alreadyInBase": .int(Int64(alreadyIndexed)),
                "blocksCopiedFromBase": .int(Int64(copiedFromBase)), "blocksReusedFromBase": .int(Int64(reusedFromBase)),
            ]
            o["leftOut"] = .object(summary.ignored.mapValues { .int(Int64($0)) })
            o["skippedByReason"] = .object(skipped.mapValues { .int(Int64($0)) })
            o["skipped"] = .array(summary.skipped.map { .string($0.description) })
            o["failed"] = .array(summary.failed.map { .string($0.description) })
            print(JSON.object(o).pretty, terminator: "")
        } else {
            printError("indexed \(built.documents) documents from \(summary.records) records in \(String(format: "%.1f", seconds)) s")
            printError("\(built.terms) terms, \(built.postings) postings; wrote \(built.blocksWritten) blocks, \(built.bytesWritten) bytes (\(built.runs) sorted runs)")
            if revisits > 0 { printError("\(revisits) revisit records carry no text and were not indexed") }
            for (title, counts) in [("left out", summary.ignored), ("skipped", skipped)] where !counts.isEmpty {
                printError("\(title):")
                for (k, v) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) { printError("  \(v)\t\(k)") }
            }
            for k in summary.skipped { printError("skipped \(k)") }
            for f in summary.failed { printError("failed \(f)") }
            printError("index \(out): root \(manifest.root), group \(manifest.group)")
        }
        if !summary.failed.isEmpty { throw ExitCode.failure }
        if !summary.skipped.isEmpty { throw ExitCode(3) }
    }
}

extension IndexDocument {
    /// The index's view of an ingested document.
    init(_ d: Ingest.Document) {
        let digestHex = d.digest.split(separator: ":").last.map(String.init) ?? d.digest
        self.init(url: d.url, title: d.title ?? "", text: d.text, date: d.date, lang: d.lang, mime: d.mime,
                  digest: Hex.decode(digestHex) ?? Array(d.digest.utf8), source: d.source.description,
                  tags: d.tags, mentions: d.mentions, parent: d.threadParent)
    }
}
