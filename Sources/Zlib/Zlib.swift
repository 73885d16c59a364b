import CZlib

/// The one Swift owner of zlib: gzip, zlib-wrapped and raw deflate, streaming and whole-buffer.
///
/// Every decoder here is bounded: callers pass the most output they will accept, and a stream
/// that would inflate past it throws instead of allocating (a "zip bomb" costs a few bytes).
public enum Zlib {
    /// libzlib's version string.
    public static var version: String { String(cString: zlibVersion()) }

    /// The container around the deflate data.
    public enum Format: Sendable, Equatable {
        /// RFC 1952 members (10-byte header, CRC-32 and size trailer).
        case gzip
        /// RFC 1950 (2-byte header, Adler-32 trailer): what HTTP `deflate` is meant to be.
        case zlib
        /// RFC 1951 deflate with no wrapper: ZIP members, and HTTP `deflate` as many servers send it.
        case raw

        var windowBits: Int32 {
            switch self {
            case .gzip: 16 + 15
            case .zlib: 15
            case .raw: -15
            }
        }
    }

    /// CRC-32 (the gzip and ZIP checksum) of `bytes`, continuing from `crc` (start with 0).
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        var c = UInt(crc)
        var p = base.assumingMemoryBound(to: Bytef.self)
        var left = bytes.count
        // zlib's length argument is 32-bit; feed huge buffers in slices.
        while left > 0 {
            let n = min(left, 1 << 30)
            c = CZlib.crc32(c, p, uInt(n))
            p += n
            left -= n
        }
        return UInt32(truncatingIfNeeded: c)
    }

    /// Decompresses all of `input`. For `.gzip`, consecutive members are joined (RFC 1952 allows
    /// several); bytes after the last complete member that do not start another member are
    /// ignored, as browsers do. Throws `.tooLarge` once the output would pass `limit` bytes,
    /// `.truncated` when the input stops mid-stream, `.corrupt` on invalid data.
    public static func decompress(_ input: UnsafeRawBufferPointer, format: Format, limit: Int) throws -> [UInt8] {
        var inflater = try Inflater(format: format)
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: min(max(limit, 1), max(64 * 1024, input.count * 4)))
        var offset = 0
        while true {
            let step = try chunk.withUnsafeMutableBytes { o in
                try inflater.inflate(UnsafeRawBufferPointer(rebasing: input[offset...]), into: o)
            }
            offset += step.consumed
            if step.produced > 0 {
                guard out.count + step.produced <= limit else { throw Error.tooLarge(limit: limit) }
                out.append(contentsOf: chunk[0..<step.produced])
            }
            if step.streamEnded {
                let rest = UnsafeRawBufferPointer(rebasing: input[offset...])
                if format == .gzip, rest.count >= 2, rest[0] == 0x1f, rest[1] == 0x8b {
                    inflater.reset()
                    continue
                }
                return out
            }
            if step.consumed == 0 && step.produced == 0 {
                // No progress with output room left: the input ran out before the end marker.
                if offset >= input.count { throw Error.truncated }
                throw Error.corrupt("no progress")
            }
        }
    }

    public static func decompress(_ input: [UInt8], format: Format, limit: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, format: format, limit: limit) }
    }

    /// Compresses `input` as one stream of `format` at `level` (0–9). For tests and writers.
    public static func compress(_ input: UnsafeRawBufferPointer, format: Format, level: Int32 = 6) -> [UInt8] {
        let strm = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        strm.initialize(to: z_stream())
        defer { deflateEnd(strm); strm.deinitialize(count: 1); strm.deallocate() }
        precondition(czlib_deflate_init(strm, level, format.windowBits) == Z_OK, "deflateInit2 failed")
        let bound = Int(deflateBound(strm, uLong(input.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        let written: Int = out.withUnsafeMutableBytes { o in
            strm.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            strm.pointee.avail_in = uInt(input.count)
            strm.pointee.next_out = o.baseAddress!.assumingMemoryBound(to: Bytef.self)
            strm.pointee.avail_out = uInt(bound)
            let rc = deflate(strm, Z_FINISH)
            precondition(rc == Z_STREAM_END, "deflate with deflateBound room did not finish")
            return bound - Int(strm.pointee.avail_out)
        }
        out.removeLast(bound - written)
        return out
    }

    public static func compress(_ input: [UInt8], format: Format, level: Int32 = 6) -> [UInt8] {
        input.withUnsafeBytes { compress($0, format: format, level: level) }
    }
}
