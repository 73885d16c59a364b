import HTMLText
import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// One entry point per input path a hostile file can reach (issue 10), each taking arbitrary
/// bytes: run under libFuzzer by the `fuzz-*` executables (`make fuzz`), replayed over the kept
/// corpus and crashers (Tests/Fuzz/) by `FuzzCorpusTests`. Each must return for any input,
/// within the bounds the readers set, and never trap.
public enum FuzzTargets {
    /// The targets by name: the `fuzz-NAME` executable and the `Tests/Fuzz/NAME` corpus.
    public static let all: [(name: String, run: @Sendable (UnsafeRawBufferPointer) -> Void)] = [
        ("warc", warc), ("decompress", decompress), ("http", http), ("zip", zip), ("html", html),
    ]

    /// Bounds small enough that a hostile input costs little per run (what `--memory-mb 16`
    /// would set), so the fuzzer explores instead of inflating.
    static let limits: WARCReader.Limits = {
        var l = WARCReader.Limits()
        l.maxBlock = 1 << 20
        l.cutBlockPrefix = 64 << 10
        l.maxHeader = 64 << 10
        return l
    }()

    static let builder: DocumentBuilder = {
        var l = DocumentBuilder.Limits()
        l.maxDecodedBytes = 1 << 20
        return DocumentBuilder(html: rawText, limits: l)
    }()

    /// The payload as text: the HTML path has its own target, these look at framing and decoding.
    @Sendable static func rawText(_ b: UnsafeRawBufferPointer, _ charset: String?) -> PageText {
        PageText(title: nil, text: String(decoding: b.prefix(4096), as: UTF8.self), description: nil, lang: nil, links: [])
    }

    static func drain(_ reader: WARCReader) {
        while let e = reader.next() {
            if case .record(let r) = e { _ = builder.build(r) }
        }
    }

    /// WARC framing: headers, Content-Length repair, resynchronisation, segments, digests.
    @Sendable public static func warc(_ data: UnsafeRawBufferPointer) {
        drain(WARCReader(stream: MemoryStream(Array(data)), file: "fuzz", limits: limits))
    }

    /// gzip (members, damage, recovery), zstd (frames, skippable and dictionary frames) and raw
    /// deflate streams under the WARC reader; the first byte picks the format.
    @Sendable public static func decompress(_ data: UnsafeRawBufferPointer) {
        guard let first = data.first else { return }
        let formats: [DecodingStream.Format] = [.gzip, .zstd, .rawDeflate]
        let rest = Array(data.dropFirst())
        guard let stream = try? DecodingStream(MemoryStream(rest), format: formats[Int(first) % formats.count]) else { return }
        drain(WARCReader(stream: stream, file: "fuzz", limits: limits))
    }

    /// The HTTP head and body of a response record: status line, headers, chunked transfer,
    /// stacked content encodings (gzip, deflate, br, zstd), charsets, media types. An input
    /// starting with a NUL byte is a recipe (`HTTPRecipe`) for a well-formed compressed or
    /// chunked message, which mutated raw bytes almost never are (a flipped bit in a gzip body
    /// stops at its CRC); any other input is the message itself.
    @Sendable public static func http(_ data: UnsafeRawBufferPointer) {
        let message = data.first == 0 ? HTTPRecipe.message(data) : Array(data)
        let head =
            "WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://fuzz.test/\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: \(message.count)\r\n\r\n"
        drain(WARCReader(stream: MemoryStream(Array(head.utf8) + message + Array("\r\n\r\n".utf8)), file: "fuzz", limits: limits))
        message.withUnsafeBytes { _ = HTTPHead.parse($0) }
    }

    /// A ZIP (WACZ) file: central directory, ZIP64, local-header recovery, overlapping entries,
    /// CRC-32, datapackage and page lists, the WARCs inside. Read from a memory file, as ingest
    /// reads files.
    @Sendable public static func zip(_ data: UnsafeRawBufferPointer) {
        guard let path = MemoryFile.shared.write(data) else { return }
        var reader = SourceReader()
        reader.limits = limits
        reader.maxMetadataBytes = 1 << 20
        reader.maxPendingSegments = 1 << 20
        reader.zipLimits.ratioAllowance = 1 << 20
        reader.zipLimits.maxRatio = 100
        try? reader.read(path) { item in
            _ = item.outcome(using: builder)
            return true
        }
    }

    /// HTML extraction: charset sniffing and decoding, libxml2's parser, the text and link walk.
    @Sendable public static func html(_ data: UnsafeRawBufferPointer) {
        // The first line, when short, is the HTTP charset (as `Content-Type` would give it).
        var body = data
        var charset: String?
        if let nl = data.prefix(40).firstIndex(of: 0x0A) {
            charset = String(decoding: data[..<nl], as: UTF8.self)
            body = UnsafeRawBufferPointer(rebasing: data[(nl + 1)...])
        }
        _ = HTMLExtractor.extract(body, httpCharset: charset)
    }
}

/// One file in /dev/shm (memory) rewritten per input, for targets that read paths; removed
/// when the process exits.
final class MemoryFile: @unchecked Sendable {
    static let shared = MemoryFile()
    private let fd: Int32
    let path: String

    private init() {
        var template = Array("/dev/shm/indexer-fuzz-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        path = String(cString: template)
        atexit { unlink(MemoryFile.shared.path) }
    }

    func write(_ data: UnsafeRawBufferPointer) -> String? {
        guard fd >= 0, ftruncate(fd, 0) == 0 else { return nil }
        var off = 0
        while off < data.count {
            let n = pwrite(fd, data.baseAddress! + off, data.count - off, off_t(off))
            guard n > 0 else { return nil }
            off += n
        }
        return path
    }
}
