import ArgumentParser
import Ingest
import Support

#if canImport(Glibc)
    import Glibc
#endif

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Turn WARC, WARC.gz, WARC.zst, ARC, ARC.gz, WACZ and site folders into documents, one JSON object per line.",
        discussion: """
            Formats are recognised from their first bytes; a directory is read as a site folder. \
            stdout gets one JSON object per document (url, title, date, mime, lang, digest, source, \
            tags, mentions; text with --text). stderr gets a summary: records read, \
            documents, records left out by reason, skipped and repaired records by reason and the \
            first 100 of each with their file and offset. \
            Exit status: 0 every record read as it was, 2 every record kept but some repaired (a \
            wrong Content-Length corrected, a declared truncation, an HTTP body that could not be \
            decoded), 3 finished but skipped damaged records, 1 a source could not be read at all, \
            64 a malformed command line.
            """
    )

    @Argument(help: "WARC / WARC.gz / WARC.zst / ARC / ARC.gz / WACZ files and site folders.") var sources: [String]
    @Flag(help: "Include each document's extracted text.") var text = false
    @Option(help: "URL of the site folder's root, so site documents get real URLs (default: the folder's site.json, else file:// URLs).") var baseURL:
        String?
    @Option(help: "Extraction threads (default: all cores).") var threads: Int?
    /// The name `extract` used before `build` and `extract` agreed on `--threads`.
    @Option(help: .hidden) var workers: Int?
    @Option(help: "Memory budget in MiB, bounding one record, decoded payload and page list as `build --memory-mb` does.")
    var memoryMb = 512
    @Flag(help: "Trust the WARC-Block-Digest and WARC-Payload-Digest records carry instead of checking them (a mismatch otherwise skips the record).")
    var noDigestCheck = false
    @Flag(help: "Print the summary on stderr as one JSON object.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity

    func validate() throws {
        if threads != nil && workers != nil { throw ValidationError("--workers is the old name of --threads: give one of them") }
        if let t = threads ?? workers, t < 1 { throw ValidationError("--threads must be at least 1") }
        if memoryMb < 16 { throw ValidationError("--memory-mb must be at least 16") }
    }

    func run() throws {
        if workers != nil { printError("warning: --workers is deprecated; use --threads") }
        var pipeline = Pipeline(reader: SourceReader(baseURL: baseURL), builder: .standard()).bounded(memoryBytes: memoryMb << 20)
        if let threads = threads ?? workers { pipeline.workers = threads }
        pipeline.builder.checksDigests = !noDigestCheck
        let includeText = text
        let progress = Progress(sources: sources, enabled: output.showsProgress, perSource: output.verbose)
        let out = OutputBuffer(fd: 1)
        let summary = try pipeline.run(
            sources,
            transform: { outcome -> ([UInt8], SourceRef?) in
                guard case .document(let doc, _) = outcome else {
                    if case .skipped(let s) = outcome { return ([], s.source) }
                    return ([], nil)
                }
                return (doc.jsonLine(length: nil, text: includeText), doc.source)
            },
            consume: { line, source in
                try out.write(line)
                if let source { progress.update(source, documents: line.isEmpty ? 0 : 1) }
            })
        try out.flush()
        progress.finish()
        printSummary(summary, progress: progress)
        if let status = ingestExitStatus(summary) { throw status }
    }

    private func printSummary(_ s: IngestSummary, progress: Progress) {
        if json {
            var w = JSONWriter()
            w.object { w in
                w.key("records"); w.number(Int64(s.records))
                w.key("documents"); w.number(Int64(s.documents))
                w.key("milliseconds"); w.number(Int64(progress.elapsed * 1000))
                for (name, counts) in [("leftOut", s.ignored), ("recovered", s.recovered), ("skippedByReason", s.skippedByReason)] {
                    w.key(name)
                    w.object { w in for (k, v) in counts.sorted(by: { $0.key < $1.key }) { w.key(k); w.number(Int64(v)) } }
                }
                // Each listed record: where it is, then why (one reason, or the repairs made).
                func listed(_ key: String, _ items: [(SourceRef, (inout JSONWriter) -> Void)]) {
                    w.key(key)
                    w.array { w in
                        for (source, why) in items {
                            w.object { w in
                                w.key("file"); w.string(source.file)
                                w.key("offset"); w.number(source.offset)
                                if source.inner != 0 { w.key("inner"); w.number(source.inner) }
                                why(&w)
                            }
                        }
                    }
                }
                listed(
                    "skipped",
                    s.skipped.map { k in
                        (
                            k.source,
                            { w in
                                w.key("reason"); w.string(k.reason); w.key("detail"); w.string(k.detail)
                            }
                        )
                    })
                w.key("skippedNotListed"); w.number(Int64(s.skippedNotListed))
                listed(
                    "repaired",
                    s.repaired.map { r in
                        (
                            r.source,
                            { w in
                                w.key("reasons"); w.array { w in for k in r.reasons { w.string(k) } }
                            }
                        )
                    })
                w.key("repairedNotListed"); w.number(Int64(s.repairedNotListed))
                w.key("failed")
                w.array { w in for f in s.failed { w.string(f.description) } }
            }
            printError(String(decoding: w.bytes, as: UTF8.self))
            return
        }
        printSkips(s)
        for f in s.failed { printError("failed \(f)") }
        guard !output.quiet else { return }
        printError("records read: \(s.records)")
        printError("documents: \(s.documents)")
        let mb = Double(progress.totalBytes) / 1_000_000
        printError("read \(formatted(mb)) MB in \(formatted(progress.elapsed)) s (\(formatted(mb / max(progress.elapsed, 1e-9))) MB/s)")
        for (title, counts) in [("left out", s.ignored), ("repaired", s.recovered), ("skipped", s.skippedByReason)] where !counts.isEmpty {
            printError("\(title):")
            for (k, v) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) { printError("  \(v)\t\(k)") }
        }
    }
}
