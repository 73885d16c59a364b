import ArgumentParser
import Ingest
import Support

#if canImport(Glibc)
    import Glibc
#endif

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

    func line(_ s: String) throws {
        try write(Array(s.utf8) + [UInt8(ascii: "\n")])
    }

    func flush() throws {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, buffer.count - off) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CommandFailure("cannot write to stdout: \(String(cString: strerror(errno)))") }
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
    /// Prints a line per source when it is done (`--verbose`).
    private let perSource: Bool
    private var sourceDocuments = 0
    private let start = monotonicSeconds()
    private var lastDraw = 0.0
    let totalBytes: Int64

    init(sources: [String], enabled: Bool, perSource: Bool = false) {
        self.perSource = perSource
        var sizes: [String: Int64] = [:]
        for s in sources { sizes[s] = FileSystem.isDirectory(s) ? SourceReader.siteBytes(s) : Int64(FileSystem.fileSize(s)) }
        self.sizes = sizes
        totalBytes = sizes.values.reduce(0, +)
        self.enabled = enabled
    }

    var elapsed: Double { monotonicSeconds() - start }

    func update(_ source: SourceRef, documents n: Int) {
        documents += n
        guard enabled || perSource else { return }
        let file = String(source.file.split(separator: "#", maxSplits: 1).first ?? "")
        if file != current.0 {
            // A file of a site folder (no source of its own) counts once the next one starts.
            if !current.0.isEmpty, done.insert(current.0).inserted {
                doneBytes += sizes[current.0] ?? Int64(FileSystem.fileSize(current.0))
            }
            sourceDone()
            current = (file, 0)
        }
        sourceDocuments += n
        guard enabled else { return }
        current.1 = source.offset
        let now = monotonicSeconds()
        guard now - lastDraw > 0.25 else { return }
        lastDraw = now
        let read = doneBytes + min(current.1, sizes[file] ?? 0)
        let t = now - start
        let rate = Double(read) / max(t, 1e-9)
        // No ETA in the first second: the pipeline is still starting (the first line read
        // "1 documents, 0.0 MB/s, ETA 33955 s").
        let eta = t >= 1 && rate > 0 ? "\(Int(Double(totalBytes - read) / rate)) s" : "…"
        printErrorNoNewline("\rbuild 1/3, reading: \(documents) documents, \(formatted(rate / 1e6)) MB/s, ETA \(eta)   ")
    }

    func finish() {
        if enabled { printErrorNoNewline("\r\u{1B}[K") }
        sourceDone()
    }

    /// With `perSource`, the line for the source just finished (sources are read in order).
    private func sourceDone() {
        defer { sourceDocuments = 0 }
        guard perSource, !current.0.isEmpty else { return }
        if enabled { printErrorNoNewline("\r\u{1B}[K") }
        printError("read \(current.0): \(sourceDocuments) documents")
    }
}

/// The finish phase's line on a terminal: the share of index entries written into trees, and
/// its ETA; once every entry is in a leaf, the last steps' name (joining each tree's key
/// ranges, then publishing), which take seconds. Called from the finish's threads.
final class FinishProgress: @unchecked Sendable {  // state only under `monitor`
    private let monitor = Monitor()
    private let enabled: Bool
    private var start: Double? = nil
    private var lastDraw = 0.0

    init(enabled: Bool) { self.enabled = enabled }

    func update(done: Int, total: Int) {
        guard enabled else { return }
        monitor.locked {
            let now = monotonicSeconds()
            if done >= total {
                printErrorNoNewline("\rbuild 3/3, joining key ranges and publishing   \u{1B}[K")
                return
            }
            guard let start else { start = now; return }
            guard now - lastDraw > 0.25 else { return }
            lastDraw = now
            let share = Double(done) / Double(max(1, total))
            let eta = share > 0 ? (now - start) * (1 - share) / share : 0
            printErrorNoNewline(
                "\rbuild 2/3, writing trees: \(Int(share * 100))% of \(total >> 20) MB of entries, ETA \(Int(eta)) s   \u{1B}[K")
        }
    }
}

private func printErrorNoNewline(_ s: String) {
    var line = s
    line.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
}

func formatted(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    return String(r)
}
