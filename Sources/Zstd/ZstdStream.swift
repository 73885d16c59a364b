import CZstd

extension Zstd {
    /// What one `StreamDecoder.decompress` call did.
    public struct Step: Sendable, Equatable {
        /// Input bytes used.
        public var consumed: Int
        /// Output bytes written.
        public var produced: Int
        /// A frame (data, skippable or the dictionary frame) ended exactly at `consumed`:
        /// the next input byte starts a new frame, which is where a `.warc.zst` record starts.
        public var frameEnded: Bool
    }

    /// The skippable-frame magic that marks a dictionary frame in a `.warc.zst` file
    /// (iipc "Zstandard Compression for WARC Files 1.0").
    public static let warcDictionaryMagic: UInt32 = 0x184D_2A5D

    /// Streaming decoder for a sequence of zstd frames: a `.warc.zst` file.
    ///
    /// Per the WARC zstd spec the file may begin with a dictionary frame (a skippable frame with
    /// magic 0x184D2A5D whose content is a zstd dictionary, itself zstd-compressed when it starts
    /// with the zstd magic); it is loaded and used for every following frame. Other skippable
    /// frames are skipped. Frame content checksums, when a frame has one, are verified by libzstd
    /// (a mismatch throws `.corrupt`). The window is capped by libzstd's default (128 MiB), so a
    /// hostile frame cannot demand unbounded memory; the caller owns all output buffers.
    public struct StreamDecoder: ~Copyable {
        private let dctx: OpaquePointer
        private var atFileStart = true
        private var dictionaryFrame: [UInt8] = []
        private var dictionaryFrameSize = -1
        private var head: [UInt8] = []
        /// True while inside a frame: at end of input this means the file was truncated.
        public private(set) var isMidFrame = false
        /// True once a dictionary frame was found and loaded.
        public private(set) var hasDictionary = false
        /// The largest dictionary accepted, compressed or not (bytes).
        public static let maxDictionaryBytes = 32 << 20

        public init() {
            dctx = ZSTD_createDCtx()
        }

        deinit { ZSTD_freeDCtx(dctx) }

        /// Forgets the frame in progress (after an error) so decoding can restart at a later
        /// frame boundary; a loaded dictionary stays loaded.
        public mutating func resetFrame() {
            ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only)
            isMidFrame = false
            if atFileStart { atFileStart = false; dictionaryFrame = []; head = [] }
        }

        /// Decodes from `input` into `output`, stopping at the end of each frame so the caller
        /// can note frame boundaries. A step that consumed and produced nothing needs more input.
        /// Throws `.corrupt` on invalid data, a checksum mismatch, or an oversized dictionary.
        public mutating func decompress(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Step {
            if atFileStart {
                if dictionaryFrameSize < 0 {
                    // The first 8 bytes decide whether a dictionary frame comes first; they may
                    // arrive in pieces, so they are gathered here.
                    let take = min(8 - head.count, input.count)
                    head.append(contentsOf: input[input.startIndex..<input.startIndex + take])
                    isMidFrame = true
                    guard head.count == 8 else { return Step(consumed: take, produced: 0, frameEnded: false) }
                    let isDictionary = head.withUnsafeBytes { loadLE32($0, 0) } == warcDictionaryMagic
                    guard isDictionary else {
                        // Not a dictionary: libzstd gets the gathered bytes first.
                        atFileStart = false
                        var step = try drainHead(into: output)
                        step.consumed = take
                        return step
                    }
                    let size = Int(head.withUnsafeBytes { loadLE32($0, 4) })
                    head = []
                    guard size <= Self.maxDictionaryBytes else {
                        throw Error.corrupt("dictionary frame of \(size) bytes exceeds \(Self.maxDictionaryBytes)")
                    }
                    dictionaryFrameSize = size
                    dictionaryFrame.reserveCapacity(size)
                    let rest = try collectDictionary(UnsafeRawBufferPointer(rebasing: input[(input.startIndex + take)...]))
                    return Step(consumed: take + rest, produced: 0, frameEnded: !atFileStart)
                }
                let used = try collectDictionary(input)
                return Step(consumed: used, produced: 0, frameEnded: !atFileStart)
            }
            if !head.isEmpty { return try drainHead(into: output) }
            return try decompressFrames(input, into: output)
        }

        /// Feeds the bytes gathered at file start to libzstd (they are already consumed).
        private mutating func drainHead(into output: UnsafeMutableRawBufferPointer) throws -> Step {
            let gathered = head
            let step = try gathered.withUnsafeBytes { try decompressFrames($0, into: output) }
            head.removeFirst(step.consumed)
            return Step(consumed: 0, produced: step.produced, frameEnded: step.frameEnded)
        }

        private mutating func collectDictionary(_ input: UnsafeRawBufferPointer) throws -> Int {
            let take = min(input.count, dictionaryFrameSize - dictionaryFrame.count)
            dictionaryFrame.append(contentsOf: input[input.startIndex..<input.startIndex + take])
            if dictionaryFrame.count == dictionaryFrameSize {
                try loadDictionary()
                atFileStart = false
                isMidFrame = false
            }
            return take
        }

        private mutating func loadDictionary() throws {
            var dict = dictionaryFrame
            dictionaryFrame = []
            if dict.count >= 4, dict.withUnsafeBytes({ loadLE32($0, 0) }) == 0xFD2F_B528 {
                dict = try dict.withUnsafeBytes { try decodeDictionary($0) }
            }
            let rc = dict.withUnsafeBytes { ZSTD_DCtx_loadDictionary(dctx, $0.baseAddress, $0.count) }
            if ZSTD_isError(rc) != 0 { throw Error.corrupt("dictionary: \(errorName(rc))") }
            hasDictionary = true
        }

        /// A compressed dictionary may not declare its size, so it is streamed with a bound.
        private func decodeDictionary(_ frame: UnsafeRawBufferPointer) throws -> [UInt8] {
            let d = ZSTD_createDCtx()
            defer { ZSTD_freeDCtx(d) }
            var out = [UInt8]()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var inBuf = ZSTD_inBuffer(src: frame.baseAddress, size: frame.count, pos: 0)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBytes { c in
                    var outBuf = ZSTD_outBuffer(dst: c.baseAddress, size: c.count, pos: 0)
                    let rc = ZSTD_decompressStream(d, &outBuf, &inBuf)
                    return (rc, outBuf.pos)
                }
                if ZSTD_isError(rc) != 0 { throw Error.corrupt("dictionary: \(errorName(rc))") }
                guard out.count + produced <= Self.maxDictionaryBytes else {
                    throw Error.corrupt("dictionary exceeds \(Self.maxDictionaryBytes) bytes")
                }
                out.append(contentsOf: chunk[0..<produced])
                if rc == 0 { return out }
                if produced == 0 && inBuf.pos == inBuf.size { throw Error.corrupt("dictionary frame is truncated") }
            }
        }

        private mutating func decompressFrames(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Step {
            var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let rc = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if ZSTD_isError(rc) != 0 {
                throw Error.corrupt(errorName(rc))
            }
            if inBuf.pos > 0 || outBuf.pos > 0 { isMidFrame = true }
            if rc == 0 { isMidFrame = false }
            return Step(consumed: inBuf.pos, produced: outBuf.pos, frameEnded: rc == 0)
        }
    }
}

@inline(__always)
private func loadLE32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}
