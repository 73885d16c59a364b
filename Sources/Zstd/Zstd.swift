import CZstd

/// The one Swift owner of libzstd for whole-buffer work (block payloads).
/// Streaming decompression of `.warc.zst` lives beside it in `ZstdStream.swift`.
public enum Zstd {
    /// libzstd's version string, recorded in manifests: identical output bytes across
    /// machines assume the same compressor version and level.
    public static var version: String { String(cString: ZSTD_versionString()) }

    static func errorName(_ code: Int) -> String { String(cString: ZSTD_getErrorName(code)) }

    /// Compresses `input` as one frame with its content size, no checksum (a CID covers the bytes).
    public static func compress(_ input: UnsafeRawBufferPointer, level: Int32) throws -> [UInt8] {
        var ctx = Compressor(level: level)
        return try ctx.compress(input)
    }

    public static func compress(_ input: [UInt8], level: Int32) throws -> [UInt8] {
        try input.withUnsafeBytes { try compress($0, level: level) }
    }

    /// Decompresses one frame from untrusted bytes. The frame must declare its content size and
    /// that size must not exceed `limit`; anything else throws rather than allocating.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws -> [UInt8] {
        guard let base = input.baseAddress, input.count > 0 else { throw Error.corrupt("empty input") }
        let declared = ZSTD_getFrameContentSize(base, input.count)
        if declared == ZSTD_CONTENTSIZE_ERROR { throw Error.corrupt("not a zstd frame") }
        if declared == ZSTD_CONTENTSIZE_UNKNOWN { throw Error.unknownSize }
        guard declared <= UInt64(limit) else { throw Error.tooLarge(declared: declared, limit: limit) }
        let size = Int(declared)
        // The frame must be exactly the input: trailing bytes would make two encodings of one value.
        let frameSize = ZSTD_findFrameCompressedSize(base, input.count)
        if ZSTD_isError(frameSize) != 0 { throw Error.corrupt(errorName(frameSize)) }
        guard frameSize == input.count else { throw Error.corrupt("\(input.count - frameSize) trailing bytes after the frame") }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { o in
            ZSTD_decompress(o.baseAddress, size, base, input.count)
        }
        if ZSTD_isError(written) != 0 { throw Error.corrupt(errorName(written)) }
        guard written == size else { throw Error.corrupt("frame declared \(size) bytes but held \(written)") }
        return out
    }

    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, limit: limit) }
    }

    /// A reusable compression context: creating one per block costs more than compressing
    /// a 16 KiB node, so builders keep one per thread.
    public struct Compressor: ~Copyable {
        private let ctx: OpaquePointer
        public let level: Int32

        public init(level: Int32) {
            ctx = ZSTD_createCCtx()
            self.level = level
        }

        deinit { ZSTD_freeCCtx(ctx) }

        public mutating func compress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
            let bound = ZSTD_compressBound(input.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = out.withUnsafeMutableBytes { o in
                ZSTD_compressCCtx(ctx, o.baseAddress, bound, input.baseAddress, input.count, level)
            }
            if ZSTD_isError(n) != 0 { throw Error.compressionFailed(errorName(n)) }
            out.removeLast(bound - n)
            return out
        }
    }
}
