#if canImport(Glibc)
    import Glibc
#endif

/// What a source is, decided from its first bytes (never its name) or from being a directory.
public enum SourceFormat: String, Sendable, Equatable {
    case warc, warcGzip = "warc.gz", warcZstd = "warc.zst", zip = "wacz", siteFolder = "site", unknown

    /// The format of `head`, the first bytes of a file (8 are enough, except for a plain WARC
    /// after junk lines: its version line must be within `head`).
    public static func detect(head: UnsafeRawBufferPointer) -> SourceFormat {
        func starts(_ m: [UInt8]) -> Bool { head.count >= m.count && Swift.zip(head, m).allSatisfy { $0 == $1 } }
        if starts([0x1f, 0x8b]) { return .warcGzip }
        if starts([0x28, 0xb5, 0x2f, 0xfd]) || starts([0x5d, 0x2a, 0x4d, 0x18]) { return .warcZstd }
        if starts([0x50, 0x4b, 0x03, 0x04]) || starts([0x50, 0x4b, 0x05, 0x06]) || starts([0x50, 0x4b, 0x06, 0x06]) { return .zip }
        // Leading blank lines, spaces or a byte-order mark before the first record occur in
        // hand-made files.
        var k = 0
        if starts([0xEF, 0xBB, 0xBF]) { k = 3 }
        while k < head.count, head[k] == 0x0D || head[k] == 0x0A || head[k] == 0x20 || head[k] == 0x09 { k += 1 }
        if head.count - k >= 5, Array(head[k..<k + 5]) == Array("WARC/".utf8) { return .warc }
        // Junk lines before the first record: a version line at a line start within the head
        // (the reader reports the junk and keeps every record).
        if let hit = VersionLineFinder.firstVersionLine(in: head, from: 0, to: head.count), !head[0..<hit].contains(0) {
            return .warc
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

/// Opens a WARC byte stream over `stream` whose first bytes say `format`.
func warcStream(_ stream: ByteStream, format: SourceFormat) throws -> ByteStream {
    switch format {
    case .warcGzip: try DecodingStream(stream, format: .gzip)
    case .warcZstd: try DecodingStream(stream, format: .zstd)
    default: stream
    }
}
