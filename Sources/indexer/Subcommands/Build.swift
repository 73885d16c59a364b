import ArgumentParser
import Blocks
import Foundation
import Index
import Ingest
import Support

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Index WARC, WARC.gz, WARC.zst, ARC, ARC.gz, WACZ files and site folders into a signed segment of the group's index.",
        discussion: """
            Writes DIR/blocks/<xy>/<cid> (a folder built before fan-out keeps blocks/<cid>) and, \
            last and atomically, DIR/manifest.json: a killed build \
            leaves any previous index in DIR intact. The segment depends only on the sources and \
            the key, not on --threads, nor on --memory-mb except that a record or payload over the \
            bounds it sets is skipped. With --base (an earlier index of the group; may be --out \
            itself), the new version keeps the base's segments and adds one holding only what is \
            new: pages of a site folder that changed or disappeared, and --delete URLs, become \
            tombstones that hide the old documents from every query. Web archive captures \
            accumulate (a new capture of a URL is shown over the older ones).

            With --partition I/N the build is one partition of a build spread over N tasks (a \
            Spark job, or several machines): its segment is batch I of the group (0-based), so \
            `indexer join` lists the N partitions' segments in one version. It takes no --base. \
            --source-name records a source under another name (the URL a task fetched it from), \
            so the segment does not depend on where the file was fetched to.

            Exit status: 0 \
            success, 2 every record kept but some repaired (a wrong Content-Length corrected, a \
            declared truncation, an HTTP body that could not be decoded; counted by repair on \
            stderr, the first 100 with file and offset), 3 finished but skipped damaged or \
            oversized records (likewise), 1 failed.
            """)

    @Argument(help: "WARC / WARC.gz / WARC.zst / ARC / ARC.gz / WACZ files and site folders.") var sources: [String] = []
    @Option(help: "Output index folder.") var out: String
    @Option(
        help:
            "Group key file (default: the key that signed --base, or the index already in --out; else a new key in the user's key ring, said on stderr)."
    ) var key: String?
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Option(
        help:
            "Memory budget in MiB: index entries buffered before they spill to disk, and the bounds on one record (1/8), decoded payload (1/16) and WACZ page lists (1/8); what passes a bound is skipped and reported."
    ) var memoryMb = 512
    @Option(
        help: ArgumentHelp(
            "The URL a site folder is published at, so its documents get real URLs: DIR=URL for the folder DIR (repeatable), or a plain URL for every folder with no pair and no site.json.",
            discussion:
                "A folder's URL is, first to last: its DIR=URL pair, the baseURL of a site.json at its root ({\"baseURL\": \"https://…/\"}), the plain --base-url, its file:// URL (with a warning: readers cannot open those).",
            valueName: "[DIR=]URL"))
    var baseURL: [String] = []
    @Option(
        help:
            "An earlier index of this group (may be --out): keep its segments and add one with only what is new, tombstoning changed and deleted site pages."
    )
    var base: String?
    @Option(help: ArgumentHelp("With --base: remove the documents of this URL (repeatable).", valueName: "url")) var delete: [String] = []
    @Option(help: ArgumentHelp("With --base: remove the documents of every URL listed in this file, one per line.", valueName: "file"))
    var deleteFrom: String?
    @Option(
        help: ArgumentHelp(
            "Record a replay link template in the group's version: results link to their captures there (searchers may override it; \"\" removes it; default: the base's).",
            discussion: ReplayOption.help, valueName: "template"))
    var replay: String?
    @Option(help: ArgumentHelp("Build partition I of N (0-based) of a distributed build: its segment is batch I.", valueName: "I/N"))
    var partition: PartitionArgument?
    @Option(help: ArgumentHelp("Record the source at the same position under this name (repeatable, one per source).", valueName: "name"))
    var sourceName: [String] = []
    @Flag(help: "Trust the WARC-Block-Digest and WARC-Payload-Digest records carry instead of checking them (a mismatch otherwise skips the record).")
    var noDigestCheck = false
    @Flag(help: "Print the summary on stdout as JSON.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity

    func validate() throws {
        if partition != nil && (base != nil || !delete.isEmpty || deleteFrom != nil) {
            throw ValidationError(
                "--partition takes no --base, --delete or --delete-from: join the partitions, then update the joined index with --base")
        }
        // Each new --out would get its own key, and a join takes one group's partitions.
        if partition != nil && key == nil {
            throw ValidationError("--partition needs --key: every partition of a build is signed by the group's one key")
        }
        if !sourceName.isEmpty && sourceName.count != sources.count {
            throw ValidationError("--source-name is given \(sourceName.count) times for \(sources.count) sources; give one per source, in order")
        }
        if sources.isEmpty && base == nil { throw ValidationError("give the sources to index (or --base with --delete)") }
        if (!delete.isEmpty || deleteFrom != nil) && base == nil { throw ValidationError("--delete and --delete-from need --base") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if memoryMb < 16 { throw ValidationError("--memory-mb must be at least 16") }
        if replay != "" { _ = try ReplayOption.parse(replay) }
        _ = try baseURLs()
    }

    /// `--base-url` values: the plain URL, and the pairs keyed by the source each names.
    func baseURLs() throws -> (all: String?, folders: [String: String]) {
        var all: String?
        var folders: [String: String] = [:]
        for value in baseURL {
            // A plain URL may hold `=` in its query; a pair's DIR comes before any `://`.
            guard let eq = value.firstIndex(of: "="), !value[..<eq].contains("://") else {
                if all != nil { throw ValidationError("--base-url URL is given twice; give DIR=URL to set one folder's URL") }
                all = value
                continue
            }
            let dir = String(value[..<eq]), url = String(value[value.index(after: eq)...])
            guard !url.isEmpty else { throw ValidationError("--base-url \(value): no URL after \"=\"") }
            guard let source = sources.first(where: { SourceReader.folderKey($0) == SourceReader.folderKey(dir) || FileSystem.sameFile($0, dir) }),
                FileSystem.isDirectory(source)
            else { throw ValidationError("--base-url \(value): \(dir) is not one of the site folders given") }
            let key = SourceReader.folderKey(source)
            guard folders[key] == nil else { throw ValidationError("--base-url gives \(dir) two URLs") }
            folders[key] = url
        }
        return (all, folders)
    }

    func run() throws {
        let started = monotonicSeconds()
        var build = IndexBuild(
            sources: sources, out: out, key: try loadKey(key, base.map(KeyChoice.signerOf) ?? .forOutput(out)),
            created: ISODate.now())
        build.memoryBytes = memoryMb << 20
        build.checksDigests = !noDigestCheck
        build.workers = threads
        (build.baseURL, build.folderBaseURLs) = try baseURLs()
        build.base = base
        build.deletions = delete
        build.replay = replay == "" ? "" : try ReplayOption.parse(replay)?.text
        build.partition = partition?.value
        if !sourceName.isEmpty { build.sourceNames = sourceName }
        if let deleteFrom {
            let text = String(decoding: try FileSystem.readFile(deleteFrom, limit: 256 << 20), as: UTF8.self)
            build.deletions += text.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        let progress = Progress(sources: sources, enabled: output.showsProgress, perSource: output.verbose)
        let finishing = FinishProgress(enabled: output.showsProgress)
        build.finishProgress = { finishing.update(done: $0, total: $1) }
        let report: IndexBuild.Report
        do {
            report = try build.run { source, documents in progress.update(source, documents: documents) }
        } catch IndexError.nothingIndexed(let failed) {
            progress.finish()
            for f in failed { printError("failed \(f)") }
            printError("nothing was indexed; \(out) is unchanged")
            throw ExitCode.failure
        }
        progress.finish()
        let (manifest, built, summary) = (report.manifest, report.built, report.ingest)
        if let base, report.segment == nil {
            output.note("nothing new (\(report.alreadyInBase) documents unchanged in \(base)); version \(report.sequence) kept as it was")
        } else if let base {
            output.note(
                "batch \(report.batch): \(built.documents) new documents (\(report.alreadyInBase) unchanged in \(base)), \(report.replaced) replaced, \(report.deleted) deleted; version \(report.sequence) has \(report.segments) segments"
            )
        }
        if let base { for url in report.deletionsNotFound { printError("warning: --delete \(url): no such document in \(base)") } }
        let seconds = monotonicSeconds() - started
        let page = SearchPageFiles.write(into: out, output: output, json: json)

        let skipped = report.skippedByReason
        if json {
            var o: [String: JSON] = [
                "index": .string(out), "root": .string(manifest.root.description), "group": .string(manifest.group.description),
                "documents": .int(Int64(built.documents)), "records": .int(Int64(summary.records)),
                "terms": .int(Int64(built.terms)), "postings": .int(Int64(built.postings)),
                "blocksWritten": .int(Int64(built.blocksWritten)), "bytesWritten": .int(Int64(built.bytesWritten)),
                "runs": .int(Int64(built.runs)), "milliseconds": .int(Int64(seconds * 1000)), "revisits": .int(Int64(report.revisits)),
                "batch": .int(Int64(report.batch)), "alreadyInBase": .int(Int64(report.alreadyInBase)),
                "replaced": .int(Int64(report.replaced)), "deleted": .int(Int64(report.deleted)),
                "deletionsNotFound": .array(report.deletionsNotFound.map { .string($0) }),
                "sequence": .int(Int64(clamping: report.sequence)), "segments": .int(Int64(report.segments)),
                "segment": report.segment.map { .string($0.description) } ?? .null,
                "blocksFromBase": .int(Int64(report.blocksFromBase)),
                "partition": partition.map { .string("\($0.value.index)/\($0.value.count)") } ?? .null,
                "searchPage": page.map { .string($0 + "/index.html") } ?? .null,
                "phases": .array(
                    report.phases.map {
                        .object([
                            "phase": .string($0.name), "milliseconds": .int(Int64($0.seconds * 1000)),
                            "cpuMilliseconds": .int(Int64($0.cpuSeconds * 1000)),
                        ])
                    }),
            ]
            o["leftOut"] = .object(summary.ignored.mapValues { .int(Int64($0)) })
            o["skippedByReason"] = .object(skipped.mapValues { .int(Int64($0)) })
            o["skipped"] = .array(summary.skipped.map { .string($0.description) })
            o["skippedNotListed"] = .int(Int64(summary.skippedNotListed))
            o["recovered"] = .object(summary.recovered.mapValues { .int(Int64($0)) })
            o["repaired"] = .array(summary.repaired.map { .string($0.description) })
            o["repairedNotListed"] = .int(Int64(summary.repairedNotListed))
            o["failed"] = .array(summary.failed.map { .string($0.description) })
            o["notices"] = .array(summary.notices.map { .string($0) })
            // Warnings reach a person even when stdout goes to a script.
            for n in summary.notices where n.hasPrefix("warning: ") { output.note(n) }
            print(JSON.object(o).pretty, terminator: "")
        } else {
            output.note("indexed \(built.documents) documents from \(summary.records) records in \(String(format: "%.1f", seconds)) s")
            output.note(
                "\(built.terms) terms, \(built.postings) postings; wrote \(built.blocksWritten) blocks, \(built.bytesWritten) bytes (\(built.runs) sorted runs)"
            )
            output.note(
                "time: "
                    + report.phases.map { "\($0.name) \(String(format: "%.1f", $0.seconds)) s (CPU \(String(format: "%.1f", $0.cpuSeconds)) s)" }
                    .joined(separator: ", "))
            if report.revisits > 0 { output.note("\(report.revisits) revisit records carry no text and were not indexed") }
            for (title, counts) in [("left out", summary.ignored), ("repaired", summary.recovered), ("skipped", skipped)] where !counts.isEmpty {
                output.note("\(title):")
                for (k, v) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) { output.note("  \(v)\t\(k)") }
            }
            printSkips(summary)
            for n in summary.notices { output.note(n) }
            for f in summary.failed { printError("failed \(f)") }
            if let partition, let segment = report.segment {
                output.note("partition \(partition.value.index)/\(partition.value.count): segment \(segment) (batch \(report.batch))")
            }
            output.note("index \(out): root \(manifest.root), group \(manifest.group)")
        }
        if let status = ingestExitStatus(summary) { throw status }
    }
}

/// `--partition I/N`: 0-based partition I of N.
struct PartitionArgument: ExpressibleByArgument {
    var value: IndexBuild.Partition

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = UInt32(parts[0]), let n = UInt32(parts[1]), i < n else { return nil }
        value = .init(index: i, count: n)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
