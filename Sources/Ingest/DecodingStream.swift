import Zlib
import Zstd

/// One decompressor behind `DecodingStream`: gzip members, zstd frames, or a single raw deflate
/// stream. Classes so the noncopyable C handles have one stable owner.
protocol FrameCodec: AnyObject {
    /// Bytes that start every unit, used to find the next one after damage (nil: no recovery).
    var magic: [UInt8]? { get }
    /// A new unit must start with `magic` after one ends (gzip); zstd checks this itself.
    var checksMagicBetweenUnits: Bool { get }
    /// Several units may follow each other (gzip members, zstd frames) rather than exactly one.
    var multiUnit: Bool { get }
    var isMidUnit: Bool { get }
    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int, ended: Bool)
    func reset()
}

final class GzipCodec: FrameCodec {
    private var inflater: Zlib.Inflater
    private(set) var isMidUnit = false
    let magic: [UInt8]?
    let checksMagicBetweenUnits: Bool
    let multiUnit: Bool

    init(format: Zlib.Format) throws {
        inflater = try Zlib.Inflater(format: format)
        magic = format == .gzip ? [0x1f, 0x8b, 0x08] : nil
        checksMagicBetweenUnits = format == .gzip
        multiUnit = format == .gzip
    }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int, ended: Bool) {
        let s = try inflater.inflate(input, into: output)
        if s.consumed > 0 || s.produced > 0 { isMidUnit = true }
        if s.streamEnded { isMidUnit = false }
        return (s.consumed, s.produced, s.streamEnded)
    }

    func reset() {
        inflater.reset()
        isMidUnit = false
    }
}

final class ZstdCodec: FrameCodec {
    private var decoder = Zstd.StreamDecoder()
    let magic: [UInt8]? = [0x28, 0xb5, 0x2f, 0xfd]
    let checksMagicBetweenUnits = false
    let multiUnit = true
    var isMidUnit: Bool { decoder.isMidFrame }

    func decode(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> (consumed: Int, produced: Int, ended: Bool) {
        let s = try decoder.decompress(input, into: output)
        return (s.consumed, s.produced, s.frameEnded)
    }

    func reset() { decoder.resetFrame() }
}

/// Decompresses an inner stream, keeping memory constant (one input buffer; the caller's output
/// buffer), remembering where each gzip member or zstd frame starts so records can be located,
/// and recovering from damage by skipping to the next member or frame magic.
public final class DecodingStream: ByteStream {
    public enum Format: Sendable { case gzip, zstd, rawDeflate }

    private let inner: ByteStream
    private let codec: FrameCodec
    private let input: UnsafeMutableRawBufferPointer
    private var inStart = 0
    private var inEnd = 0
    /// Inner offset of `input[0]`.
    private var inBase: Int64 = 0
    private var innerEOF = false
    private var finished = false
    private var outPosition: Int64 = 0
    private var unitEnded = false
    /// (output position, inner offset) of each unit start not yet behind the reader.
    private var marks: [(output: Int64, offset: Int64)] = [(0, 0)]

    /// Most output one gzip member or zstd frame may give for its compressed size (nil: no
    /// cap). A unit past it is a decompression bomb: reported as damage, the rest of it skipped
    /// unread, decoding resumed at the next unit.
    private let ratioCap: ZipArchive.Limits?
    /// (output position, inner offset) where the unit being decoded started.
    private var unitStart: (output: Int64, offset: Int64) = (0, 0)

    public init(_ inner: ByteStream, format: Format, bufferSize: Int = 256 << 10, ratioCap: ZipArchive.Limits? = nil) throws {
        self.inner = inner
        self.ratioCap = format == .rawDeflate ? nil : ratioCap
        switch format {
        case .gzip: codec = try GzipCodec(format: .gzip)
        case .zstd: codec = ZstdCodec()
        case .rawDeflate: codec = try GzipCodec(format: .raw)
        }
        input = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { input.deallocate() }

    private var innerPosition: Int64 { inBase + Int64(inStart) }

    /// Moves buffered bytes to the front and reads until at least 64 KiB are buffered, the
    /// buffer is full, or the inner stream ends.
    private func refill() throws {
        if inStart > 0 {
            let n = inEnd - inStart
            if n > 0 { input.baseAddress!.copyMemory(from: input.baseAddress! + inStart, byteCount: n) }
            inBase += Int64(inStart)
            inStart = 0
            inEnd = n
        }
        while !innerEOF && inEnd < input.count && inEnd < 64 << 10 {
            let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: input[inEnd...]))
            if n == 0 { innerEOF = true } else { inEnd += n }
        }
    }

    private func truncated() -> StreamDamage {
        finished = true
        return StreamDamage(message: "compressed data ends in the middle of a member (truncated file)", offset: innerPosition)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        while true {
            if inEnd - inStart < 16 && !innerEOF { try refill() }
            if inStart == inEnd {
                if codec.isMidUnit { throw truncated() }
                finished = true
                return 0
            }
            if unitEnded {
                unitEnded = false
                if !codec.multiUnit {
                    finished = true
                    return 0
                }
                if codec.checksMagicBetweenUnits, let magic = codec.magic, !startsWith(magic) {
                    // Zero padding after the last member is common; anything else is damage.
                    if isAllZero() { inStart = inEnd; continue }
                    try resync(after: "bytes that are not a gzip member")
                }
                marks.append((outPosition, innerPosition))
                unitStart = (outPosition, innerPosition)
            }
            let result: (consumed: Int, produced: Int, ended: Bool)
            do {
                result = try codec.decode(UnsafeRawBufferPointer(rebasing: input[inStart..<inEnd]), into: buffer)
            } catch {
                try resync(after: "\(error)")
            }
            inStart += result.consumed
            outPosition += Int64(result.produced)
            if let cap = ratioCap, outPosition - unitStart.output > cap.cap(compressed: innerPosition - unitStart.offset) {
                try resync(
                    after:
                        "a \(codec.magic?.count == 3 ? "gzip member" : "zstd frame") inflating past \(cap.maxRatio):1 beyond its first \(cap.ratioAllowance) bytes (a decompression bomb)"
                )
            }
            if result.ended {
                codec.reset()
                unitEnded = true
            }
            if result.produced > 0 { return result.produced }
            if result.consumed == 0 && !result.ended {
                // The codec needs more than is buffered (e.g. the 8-byte frame header).
                if innerEOF { throw truncated() }
                if inStart == 0 && inEnd == input.count { try resync(after: "decoder made no progress") }
                try refill()
            }
        }
    }

    private func startsWith(_ magic: [UInt8]) -> Bool {
        guard inEnd - inStart >= magic.count else { return false }
        for (k, b) in magic.enumerated() where input[inStart + k] != b { return false }
        return true
    }

    private func isAllZero() -> Bool {
        for k in inStart..<inEnd where input[k] != 0 { return false }
        return innerEOF
    }

    /// Reports damage at the current position and moves to the next unit magic, throwing a
    /// recovered `StreamDamage` when one is found (decoding goes on from there) or an
    /// unrecovered one when the data ends first.
    private func resync(after message: String) throws -> Never {
        let damagedAt = innerPosition
        codec.reset()
        unitEnded = false
        guard let magic = codec.magic, codec.multiUnit else {
            finished = true
            throw StreamDamage(message: message, offset: damagedAt)
        }
        inStart = min(inStart + 1, inEnd)
        while true {
            if let hit = Bytes.find(magic, in: UnsafeRawBufferPointer(input), from: inStart, to: inEnd) {
                inStart = hit
                marks.append((outPosition, innerPosition))
                unitStart = (outPosition, innerPosition)
                throw StreamDamage(message: message, offset: damagedAt, resumedAt: innerPosition)
            }
            // Keep what could be the start of a magic split across reads.
            inStart = max(inStart, inEnd - (magic.count - 1))
            if innerEOF {
                finished = true
                throw StreamDamage(message: message, offset: damagedAt)
            }
            do { try refill() } catch {
                finished = true
                throw StreamDamage(message: message, offset: damagedAt)
            }
        }
    }

    public func location(ofOutput position: Int64) -> StreamLocation {
        let m = lastMark(&marks, atOrBefore: position) { $0.output }
        // Member starts are in inner coordinates; map them through the inner stream (e.g. a
        // gzip member inside a deflated ZIP member maps to an offset in that member's output).
        let innerLoc = inner.location(ofOutput: m.offset)
        return StreamLocation(offset: innerLoc.offset, inner: position - m.output + innerLoc.inner)
    }
}
