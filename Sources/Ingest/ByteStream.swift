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

/// The last of `marks` (sorted by `output`, the output position each begins at) at or before
/// `position`: how a stream that changes lengths (decompression, ARC conversion) maps a
/// position back. The marks before it are dropped now and then: readers only go forward.
func lastMark<M>(_ marks: inout [M], atOrBefore position: Int64, output: (M) -> Int64) -> M {
    var idx = 0
    var lo = 0, hi = marks.count - 1
    while lo <= hi {
        let mid = (lo + hi) / 2
        if output(marks[mid]) <= position { idx = mid; lo = mid + 1 } else { hi = mid - 1 }
    }
    let m = marks[idx]
    if idx > 64 { marks.removeFirst(idx) }
    return m
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

/// Bytes read ahead from a `ByteStream` for a parser that looks at them in place (the WARC
/// reader, the ARC converter): `bytes[start..<end]` are read and not yet consumed, and
/// `bytes[0]` is stream position `base`. The owner frees it (`deallocate`) in its `deinit`.
struct ReadBuffer {
    var bytes: UnsafeMutableRawBufferPointer
    var start = 0
    var end = 0
    var base: Int64 = 0
    private let initialCapacity: Int

    init(capacity: Int) {
        bytes = .allocate(byteCount: capacity, alignment: 16)
        initialCapacity = capacity
    }

    func deallocate() { bytes.deallocate() }

    /// Stream position of `bytes[start]`.
    var position: Int64 { base + Int64(start) }

    /// Bytes read and not yet consumed.
    var count: Int { end - start }

    @inline(__always) subscript(k: Int) -> UInt8 { bytes[k] }

    var raw: UnsafeRawBufferPointer { UnsafeRawBufferPointer(bytes) }

    /// Reads more from `stream` after `end`, keeping `bytes[start...]`; returns how many bytes
    /// came: 0 at the end of the stream, nil when the buffer is full at `maxCapacity`.
    ///
    /// Bytes are moved to the front only when that frees at least half the buffer: moving many
    /// bytes to gain a few would make a slow scan over a full buffer quadratic. Otherwise the
    /// buffer doubles, up to `maxCapacity` (callers bound what they hold ahead of `start`). A
    /// buffer grown past four times its first size shrinks back once emptied, so memory stays
    /// bounded by the callers' limits rather than by how a file is damaged.
    mutating func fill(from stream: ByteStream, maxCapacity: Int = .max) throws -> Int? {
        if start == end && bytes.count > 4 * initialCapacity {
            bytes.deallocate()
            bytes = .allocate(byteCount: initialCapacity, alignment: 16)
            base += Int64(start)
            start = 0
            end = 0
        }
        if start > 0 && (start == end || (end == bytes.count && start >= bytes.count / 2)) {
            let n = end - start
            if n > 0 { bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: n) }
            base += Int64(start)
            start = 0
            end = n
        }
        if end == bytes.count {
            guard bytes.count < maxCapacity else { return nil }
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: min(bytes.count * 2, maxCapacity), alignment: 16)
            bigger.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: end)
            bytes.deallocate()
            bytes = bigger
        }
        let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[end...]))
        end += n
        return n
    }

    /// Puts bytes back in front of `start`, to be read again (the tail of a block that was too
    /// long): into the consumed bytes before `start` when they fit, else a new buffer.
    mutating func unread(_ b: ArraySlice<UInt8>) {
        let n = b.count
        guard n > 0 else { return }
        if start >= n {
            start -= n
        } else {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, n + end - start), alignment: 16)
            bigger.baseAddress!.advanced(by: n).copyMemory(from: bytes.baseAddress! + start, byteCount: end - start)
            base = position - Int64(n)
            end = n + end - start
            start = 0
            bytes.deallocate()
            bytes = bigger
        }
        b.withUnsafeBytes { bytes.baseAddress!.advanced(by: start).copyMemory(from: $0.baseAddress!, byteCount: n) }
    }
}
