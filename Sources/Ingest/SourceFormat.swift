#if canImport(Glibc)
    import Glibc
#endif

/// What a source is, decided from its first bytes (never its name) or from being a directory.
public enum SourceFormat: String, Sendable, Equatable {
    case warc, warcGzip = "warc.gz", warcZstd = "warc.zst", zip = "wacz", siteFolder = "site", unknown
    /// ARC, plain or gzip (one member per record, as the Internet Archive writes it).
    case arc, arcGzip = "arc.gz"

    /// Whether records are WARC or ARC framed (read through the WARC reader either way).
    var isRecords: Bool { [.warc, .warcGzip, .warcZstd, .arc, .arcGzip].contains(self) }

    /// The format of `head`, the first bytes of a file (8 are enough, except for a plain WARC
    /// after junk lines, whose version line must be within `head`, and for ARC, whose first
    /// header line must be, inflated for ARC.gz).
    public static func detect(head: UnsafeRawBufferPointer) -> SourceFormat {
        func starts(_ m: [UInt8]) -> Bool { head.count >= m.count && Swift.zip(head, m).allSatisfy { $0 == $1 } }
        if starts([0x1f, 0x8b]) { return isARC(inflating: head) ? .arcGzip : .warcGzip }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) || starts([0x5d, 0x2a, 0x4d, 0x18]) { return .warcZstd }
        if starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06]) || starts([0x50, 0x4b, 0x06, 0x06]) { return .zip }
        // Leading blank lines, spaces or a byte-order mark before the first record occur in
        // hand-made files.
        var k = 0
        if starts([0xEF, 0xBB, 0xBF]) { k = 3 }
        while k < head.count, head[k] == 0x0D || head[k] == 0x0A || head[k] == 0x20 || head[k] == 0x09 { k += 1 }
        if head.count - k >= 5, Array(head[k..<k + 5]) == Array("WARC/".utf8) { return .warc }
        if isARC(head, from: k) { return .arc }
        // Junk before the first record: a version line at a line start, or a whole one anywhere,
        // within the head (the reader reports the junk and keeps every record). Binary junk (NUL
        // bytes) is accepted only before a whole version line (`WARC/1.0` and a line end), which
        // no other format starts its lines with. (Not at 0: that began with `WARC/` above.)
        if let hit = VersionLineFinder.firstVersionLine(in: head, from: 0, to: head.count),
            !head[0..<hit].contains(0) || VersionLineFinder.isWholeVersionLine(in: head, at: hit + 1, to: head.count)
        {
            return .warc
        }
        // Likewise an ARC header line at a line start after junk (text, not binary, before it).
        var line = k
        while let nl = Bytes.find(Bytes.lf, in: head, from: line, to: head.count), !head[line..<nl].contains(0) {
            line = nl + 1
            if isARC(head, from: line) { return .arc }
        }
        return .unknown
    }

    /// The format of the file or directory at `path`. Throws `IngestError` when it cannot be read.
    public static func detect(path: String) throws -> SourceFormat {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw IngestError(SourceRef(file: path), .cannotOpen(errno: errno))
        }
        if st.st_mode & S_IFMT == S_IFDIR { return .siteFolder }
        return try detect(stream: FileStream(path: path))
    }

    /// The format of what `stream` starts with, from its first 4 KiB: enough to see past a few
    /// junk lines before a plain WARC's first record. For files and WACZ members alike.
    public static func detect(stream s: ByteStream) throws -> SourceFormat {
        var head = [UInt8](repeating: 0, count: 4096)
        let n = try head.withUnsafeMutableBytes { b -> Int in
            var got = 0
            while got < b.count {
                let r = try s.read(into: UnsafeMutableRawBufferPointer(rebasing: b[got...]))
                if r == 0 { break }
                got += r
            }
            return got
        }
        return head.withUnsafeBytes { detect(head: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }
}

extension SourceFormat {
    /// True when `head[from...]` starts with a whole ARC header line.
    static func isARC(_ head: UnsafeRawBufferPointer, from k: Int) -> Bool {
        guard let nl = Bytes.find(Bytes.lf, in: head, from: k, to: head.count) else { return false }
        return ARCHeaderLine(head, k, nl, length: nl + 1 - k) != nil
    }

    /// True when the gzip data in `head` (the start of a file) inflates to an ARC header line.
    static func isARC(inflating head: UnsafeRawBufferPointer) -> Bool {
        guard let gz = try? DecodingStream(MemoryStream(Array(head)), format: .gzip) else { return false }
        var out = [UInt8](repeating: 0, count: 4096)
        var n = 0
        // The head may end inside a member: what inflated before that is enough.
        while n < out.count, let r = try? out.withUnsafeMutableBytes({ try gz.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[n...])) }), r > 0
        {
            n += r
        }
        return out.withUnsafeBytes { detect(head: UnsafeRawBufferPointer(rebasing: $0[0..<n])) } == .arc
    }
}

/// Opens a WARC byte stream over `stream` whose first bytes say `format`: ARC is converted to
/// WARC as it is read (`ARCStream`), looking ahead at most `arcLookahead` bytes; each gzip
/// member or zstd frame is held to `ratioCap` (a decompression-bomb bound) when given.
func warcStream(_ stream: ByteStream, format: SourceFormat, arcLookahead: Int = 4 << 20, ratioCap: ZipArchive.Limits? = nil) throws -> ByteStream {
    switch format {
    case .warcGzip: try DecodingStream(stream, format: .gzip, ratioCap: ratioCap)
    case .warcZstd: try DecodingStream(stream, format: .zstd, ratioCap: ratioCap)
    case .arc: ARCStream(stream, maxLookahead: arcLookahead)
    case .arcGzip: ARCStream(try DecodingStream(stream, format: .gzip, ratioCap: ratioCap), maxLookahead: arcLookahead)
    default: stream
    }
}
