#if canImport(Glibc)
    import Glibc
#endif

/// The seekable position of an output byte of a stream: `offset` in the underlying bytes of the
/// unit (gzip member, zstd frame) that holds it, `inner` bytes into that unit's output.
public struct StreamLocation: Sendable, Hashable {
    public var offset: Int64
    public var inner: Int64
}

/// A pull source of bytes, read in large chunks by the format readers. Classes, not protocols
/// with associated state, because readers nest (a WARC reader over gzip over a ZIP member).
public protocol ByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes and returns how many; 0 only at the end of the stream.
    /// Throws `StreamDamage` for corrupt compressed data and `IngestError` for I/O failures.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Where output byte `position` (counted from 0 over everything `read` returned) lives.
    func location(ofOutput position: Int64) -> StreamLocation
}

/// A file read with `read(2)`, optionally only the byte range `[start, start + length)`
/// (a ZIP member). Offsets reported are relative to `start`.
public final class FileStream: ByteStream {
    private let fd: Int32
    private let path: String
    private var position: Int64
    private let end: Int64?
    private let start: Int64

    /// Opens `path`; throws `IngestError` naming it when it cannot be opened.
    public init(path: String, start: Int64 = 0, length: Int64? = nil) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestError(SourceRef(file: path), .cannotOpen(errno: errno)) }
        self.path = path
        self.start = start
        self.position = start
        self.end = length.map { start + $0 }
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var want = buffer.count
        if let end { want = Int(min(Int64(want), max(0, end - position))) }
        guard want > 0 else { return 0 }
        while true {
            let n = pread(fd, buffer.baseAddress, want, off_t(position))
            if n >= 0 {
                position += Int64(n)
                return n
            }
            if errno == EINTR { continue }
            throw IngestError(SourceRef(file: path, offset: position - start), .readFailed(errno: errno))
        }
    }

    public func location(ofOutput position: Int64) -> StreamLocation {
        StreamLocation(offset: position, inner: 0)
    }
}

/// Bytes already in memory (tests, small members).
public final class MemoryStream: ByteStream {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, bytes.count - position)
        guard n > 0 else { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + position, byteCount: n)
        }
        position += n
        return n
    }

    public func location(ofOutput position: Int64) -> StreamLocation {
        StreamLocation(offset: position, inner: 0)
    }
}
