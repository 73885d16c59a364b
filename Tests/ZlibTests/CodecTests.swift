import Brotli
import Testing
import TextTestSupport
import Zlib
import Zstd

#if canImport(Glibc)
    import Glibc
#endif

/// Bytes from a Python one-liner (the project venv), so decoders are checked against other encoders.
func pythonBytes(_ code: String) throws -> [UInt8] {
    Array(try PythonChecker.output("import sys\n" + code))
}

struct CodecTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

let sample: [UInt8] = Array((0..<20000).map { "line \($0) of sample text\n" }.joined().utf8)

@Suite struct ZlibTests {
    @Test(.tags(.python), .needsExternalTools) func gzipMultiMemberFromPython() throws {
        let data = try pythonBytes("import gzip; sys.stdout.buffer.write(gzip.compress(b\"first \", mtime=0) + gzip.compress(b\"second\", mtime=0))")
        #expect(try Zlib.decompress(data, format: .gzip, limit: 100) == Array("first second".utf8))
    }

    @Test(.tags(.python), .needsExternalTools) func zlibAndRawFromPython() throws {
        let z = try pythonBytes("import zlib; sys.stdout.buffer.write(zlib.compress(b\"hello zlib\" * 100))")
        #expect(try Zlib.decompress(z, format: .zlib, limit: 10_000) == Array(String(repeating: "hello zlib", count: 100).utf8))
        let r = try pythonBytes("import zlib; c = zlib.compressobj(wbits=-15); sys.stdout.buffer.write(c.compress(b\"raw deflate\") + c.flush())")
        #expect(try Zlib.decompress(r, format: .raw, limit: 100) == Array("raw deflate".utf8))
    }

    @Test(arguments: [Zlib.Format.gzip, .zlib, .raw])
    func roundTripsAndBoundsOutput(_ format: Zlib.Format) throws {
        let c = Zlib.compress(sample, format: format)
        #expect(try Zlib.decompress(c, format: format, limit: sample.count) == sample)
        #expect(throws: Zlib.Error.tooLarge(limit: sample.count - 1)) {
            try Zlib.decompress(c, format: format, limit: sample.count - 1)
        }
    }

    @Test func bombIsRefusedWithoutAllocating() throws {
        let zeros = [UInt8](repeating: 0, count: 50 << 20)
        let bomb = Zlib.compress(zeros, format: .gzip, level: 9)
        #expect(bomb.count < 100_000)
        #expect(throws: Zlib.Error.tooLarge(limit: 1 << 20)) { try Zlib.decompress(bomb, format: .gzip, limit: 1 << 20) }
    }

    @Test func truncatedAndCorruptThrow() throws {
        let c = Zlib.compress(sample, format: .gzip)
        #expect(throws: Zlib.Error.truncated) { try Zlib.decompress(Array(c.prefix(c.count / 2)), format: .gzip, limit: 1 << 24) }
        var bad = c
        bad[20] ^= 0xff
        bad[21] ^= 0xff
        #expect(throws: (any Error).self) { try Zlib.decompress(bad, format: .gzip, limit: 1 << 24) }
        #expect(throws: (any Error).self) { try Zlib.decompress(Array("not gzip at all".utf8), format: .gzip, limit: 100) }
    }

    @Test(.tags(.python), .needsExternalTools) func crc32MatchesPython() throws {
        let expected = try pythonBytes("import zlib; print(zlib.crc32(b\"123456789\"))")
        let text = String(decoding: expected, as: UTF8.self).split(separator: "\n")[0]
        #expect(Zlib.crc32(UnsafeRawBufferPointer(start: Array("123456789".utf8), count: 9)) == UInt32(text)!)
    }
}

@Suite struct BrotliTests {
    @Test(.tags(.python), .needsExternalTools) func decodesPythonBrotliAndBounds() throws {
        let data = try pythonBytes("import brotli; sys.stdout.buffer.write(brotli.compress(b\"brotli text \" * 1000))")
        let expected = Array(String(repeating: "brotli text ", count: 1000).utf8)
        #expect(try Brotli.decompress(data, limit: expected.count) == expected)
        #expect(throws: Brotli.Error.tooLarge(limit: 100)) { try Brotli.decompress(data, limit: 100) }
        #expect(throws: Brotli.Error.truncated) { try Brotli.decompress(Array(data.prefix(data.count / 2)), limit: 1 << 20) }
        #expect(throws: (any Error).self) { try Brotli.decompress(Array("\u{7f}garbage".utf8) + data, limit: 1 << 20) }
    }
}

@Suite struct ZstdStreamTests {
    /// Decodes `data` through `StreamDecoder` in `chunk`-byte pieces; returns output and frame ends.
    func stream(_ data: [UInt8], chunk: Int) throws -> ([UInt8], Int) {
        var d = Zstd.StreamDecoder()
        var out: [UInt8] = []
        var ends = 0
        var buf = [UInt8](repeating: 0, count: 777)
        var k = 0
        var idle = 0
        while k < data.count || d.isMidFrame {
            let end = min(data.count, k + chunk)
            let step = try data.withUnsafeBytes { src in
                try buf.withUnsafeMutableBytes { try d.decompress(UnsafeRawBufferPointer(rebasing: src[k..<end]), into: $0) }
            }
            k += step.consumed
            out += buf[0..<step.produced]
            if step.frameEnded { ends += 1 }
            if step.consumed == 0 && step.produced == 0 && !step.frameEnded {
                idle += 1
                if idle > 2 { throw CodecTestError("stalled at \(k)") }
            } else {
                idle = 0
            }
        }
        return (out, ends)
    }

    @Test(.tags(.python), .needsExternalTools) func framesWithDictionaryFrameFromPython() throws {
        let data = try pythonBytes(
            """
            import zstandard
            samples = [(b"record %d " % i) * 20 for i in range(200)]
            d = zstandard.train_dictionary(1024, samples)
            dc = zstandard.ZstdCompressor().compress(d.as_bytes())
            c = zstandard.ZstdCompressor(dict_data=d, write_checksum=True)
            out = (0x184D2A5D).to_bytes(4, "little") + len(dc).to_bytes(4, "little") + dc
            out += b"".join(c.compress(s) for s in samples[:3])
            sys.stdout.buffer.write(out)
            """)
        let expected = Array((0..<3).map { String(repeating: "record \($0) ", count: 20) }.joined().utf8)
        for chunk in [1, 7, 4096] {
            let (out, ends) = try stream(data, chunk: chunk)
            #expect(out == expected)
            #expect(ends == 4)  // dictionary frame + three data frames
        }
    }

    @Test(.tags(.python), .needsExternalTools) func checksumMismatchIsDetected() throws {
        var data = try pythonBytes(
            """
            import zstandard
            sys.stdout.buffer.write(zstandard.ZstdCompressor(write_checksum=True, level=1).compress(bytes(range(256)) * 4))
            """)
        data[data.count - 1] ^= 0x55  // the last 4 bytes are the checksum
        #expect(throws: Zstd.Error.self) { try stream(data, chunk: 4096) }
    }

    @Test func oversizedDictionaryFrameIsRefused() throws {
        var data: [UInt8] = [0x5d, 0x2a, 0x4d, 0x18]
        data += withUnsafeBytes(of: UInt32(Zstd.StreamDecoder.maxDictionaryBytes + 1).littleEndian) { Array($0) }
        #expect(throws: Zstd.Error.self) { try stream(data + [1, 2, 3], chunk: 64) }
    }
}
