import ArgumentParser
import Ingest
#if canImport(Glibc)
import Glibc
#endif

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Turn WARC, WARC.gz, WARC.zst, WACZ and site folders into documents, one JSON object per line.",
        discussion: """
        Formats are recognised from their first bytes; a directory is read as a site folder. \
        stdout gets one JSON object per document (url, title, date, mime, lang, digest, source, \
        tags, mentions; text with --text). stderr gets a summary: records read, \
        documents, records left out by reason, and every skipped record with its file and offset. \
        Exit status: 0 nothing skipped, 3 finished but skipped damaged records, 1 a source could \
        not be read at all.
        """
    )

    @Argument(help: "WARC / WARC.gz / WARC.zst / WACZ files and site folders.") var sources: [String]
    @Flag(help: "Include each document's extracted text.") var text = false
    @Option(help: "URL of the site folder's root, so site documents get real URLs (default: file:// URLs).") var baseURL: String?
    @Option(help: "Extraction threads (default: all cores).") var workers: Int?
    @Flag(help: "Print the summary on stderr as one JSON object.") var json = false

    func validate() throws {
        if let w = workers, w < 1 { throw ValidationError("--workers must be at least 1") }
    }

    func run() throws {
        var pipeline = Pipeline(reader: SourceReader(baseURL: baseURL), builder: .standard())
        if let workers { pipeline.workers = workers }
        let includeText = text
        let progress = Progress(sources: sources, enabled: stderrIsTerminal)
        let out = OutputBuffer(fd: 1)
        let summary = try pipeline.run(sources, transform: { outcome -> ([UInt8], SourceRef?) in
            guard case .document(let doc, _) = outcome else {
                if case .skipped(let s) = outcome { return ([], s.source) }
                return ([], nil)
            }
            return (doc.jsonLine(length: nil, text: includeText), doc.source)
        }) { line, source in
            try out.write(line)
            if let source { progress.update(source, documents: line.isEmpty ? 0 : 1) }
        }
        try out.flush()
        progress.finish()
        printSummary(summary, progress: progress)
        if !summary.failed.isEmpty { throw ExitCode.failure }
        if !summary.skipped.isEmpty { throw ExitCode(3) }
    }

    private func printSummary(_ s: IngestSummary, progress: Progress) {
        if json {
            var w = JSONWriter()
            w.object { w in
                w.key("records"); w.number(Int64(s.records))
                w.key("documents"); w.number(Int64(s.documents))
                w.key("seconds"); w.string(String(progress.elapsed))
                for (name, counts) in [("ignored", s.ignored), ("recovered", s.recovered), ("skipped_by_reason", s.skippedByReason)] {
                    w.key(name)
                    w.object { w in for (k, v) in counts.sorted(by: { $0.key < $1.key }) { w.key(k); w.number(Int64(v)) } }
                }
                w.key("skipped")
                w.array { w in
                    for k in s.skipped {
                        w.object { w in
                            w.key("file"); w.string(k.source.file)
                            w.key("offset"); w.number(k.source.offset)
                            if k.source.inner != 0 { w.key("inner"); w.number(k.source.inner) }
                            w.key("reason"); w.string(k.reason)
                            w.key("detail"); w.string(k.detail)
                        }
                    }
                }
                w.key("failed")
                w.array { w in for f in s.failed { w.string(f.description) } }
            }
            printError(String(decoding: w.bytes, as: UTF8.self))
            return
        }
        printError("records read: \(s.records)")
        printError("documents: \(s.documents)")
        let mb = Double(progress.totalBytes) / 1_000_000
        printError("read \(formatted(mb)) MB in \(formatted(progress.elapsed)) s (\(formatted(mb / max(progress.elapsed, 1e-9))) MB/s)")
        for (title, counts) in [("left out", s.ignored), ("repaired", s.recovered), ("skipped", s.skippedByReason)] where !counts.isEmpty {
            printError("\(title):")
            for (k, v) in counts.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) { printError("  \(v)\t\(k)") }
        }
        for k in s.skipped { printError("skipped \(k)") }
        for f in s.failed { printError("failed \(f)") }
    }
}

private func formatted(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return String(r)
}

/// Buffered stdout: one write(2) per 256 KiB, not per document.
final class OutputBuffer {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(1 << 18)
    }

    func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= 1 << 18 { try flush() }
    }

    func flush() throws {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, buffer.count - off) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ValidationError("cannot write to stdout: \(String(cString: strerror(errno)))") }
            off += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Progress on a terminal: documents, MB/s and ETA, redrawn at most 4 times a second.
final class Progress {
    private let sizes: [String: Int64]
    private var done: Set<String> = []
    private var doneBytes: Int64 = 0
    private var current: (String, Int64) = ("", 0)
    private var documents = 0
    private let enabled: Bool
    private let start = monotonicSeconds()
    private var lastDraw = 0.0
    let totalBytes: Int64

    init(sources: [String], enabled: Bool) {
        var sizes: [String: Int64] = [:]
        for s in sources { sizes[s] = fileSize(s) }
        self.sizes = sizes
        totalBytes = sizes.values.reduce(0, +)
        self.enabled = enabled
    }

    var elapsed: Double { monotonicSeconds() - start }

    func update(_ source: SourceRef, documents n: Int) {
        documents += n
        guard enabled else { return }
        let file = String(source.file.split(separator: "#", maxSplits: 1).first ?? "")
        if file != current.0 {
            if sizes[current.0] != nil, done.insert(current.0).inserted { doneBytes += sizes[current.0] ?? 0 }
            current = (file, 0)
        }
        current.1 = source.offset
        let now = monotonicSeconds()
        guard now - lastDraw > 0.25 else { return }
        lastDraw = now
        let read = doneBytes + min(current.1, sizes[file] ?? 0)
        let t = now - start
        let rate = Double(read) / max(t, 1e-9)
        let eta = rate > 0 ? Double(totalBytes - read) / rate : 0
        printErrorNoNewline("\r\(documents) documents, \(formatted(rate / 1e6)) MB/s, ETA \(Int(eta)) s   ")
    }

    func finish() {
        if enabled { printErrorNoNewline("\r\u{1B}[K") }
    }
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Size of a file, or the total of the files under a folder.
private func fileSize(_ path: String) -> Int64 {
    var st = stat()
    guard stat(path, &st) == 0 else { return 0 }
    if st.st_mode & S_IFMT != S_IFDIR { return Int64(st.st_size) }
    return 0
}

private func printErrorNoNewline(_ s: String) {
    var line = s
    line.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
}
