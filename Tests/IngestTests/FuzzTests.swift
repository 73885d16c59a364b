import Support
import Testing
import TextTestSupport
import Zlib

@testable import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// A seeded mutation fuzzer over the WARC, gzip, zstd, HTTP and ZIP paths: mutated inputs must
/// never crash, trap or hang, and every run must end. Hostile inputs made by hand and any that
/// once crashed live in Corpora/fixtures/hostile/ and are replayed first.
/// INDEXER_FUZZ_SCALE multiplies the iteration counts for longer crash hunts.
@Suite struct FuzzTests {
    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static func mutate(_ input: [UInt8], _ rng: inout RNG) -> [UInt8] {
        var b = input
        for _ in 0..<(1 + rng.below(4)) {
            guard !b.isEmpty else { b = [UInt8(truncatingIfNeeded: rng.next())]; continue }
            let at = rng.below(b.count)
            switch rng.below(8) {
            case 0: b[at] ^= UInt8(1 << rng.below(8))
            case 1: b[at] = UInt8(truncatingIfNeeded: rng.next())
            case 2: b.removeSubrange(at..<min(b.count, at + 1 + rng.below(64)))
            case 3: b.insert(contentsOf: (0..<(1 + rng.below(32))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 4: b.removeSubrange(at...)
            case 5:
                let len = min(b.count - at, 1 + rng.below(256))
                b.insert(contentsOf: b[at..<at + len], at: rng.below(b.count))
            case 6:
                // Digits are what lengths are made of.
                b[at] = UInt8(0x30 + rng.below(10))
            default:
                let interesting: [[UInt8]] = [
                    Array("\r\n\r\n".utf8), Array("WARC/1.0\r\n".utf8), Array("\nWARC/".utf8),
                    [0x1f, 0x8b, 0x08], [0x28, 0xb5, 0x2f, 0xfd], [0xff, 0xff, 0xff, 0xff], [0, 0, 0, 0],
                    Array("Content-Length: 99999999\r\n".utf8), Array("0\r\n\r\n".utf8), Array("PK\u{5}\u{6}".utf8),
                ]
                b.insert(contentsOf: interesting[rng.below(interesting.count)], at: at)
            }
        }
        return b
    }

    /// The first `records` records of a warcio fixture, plain.
    static func seedWARC() throws -> [UInt8] {
        let all = try readBytes(try fixture("features.warc.gz"))
        let plain = try Zlib.decompress(all, format: .gzip, limit: 1 << 24)
        return plain
    }

    let builder = DocumentBuilder(html: rawHTML)

    /// Reads `bytes` as a WARC of `format` through the full record path, in memory.
    func consume(_ bytes: [UInt8], format: SourceFormat) {
        let reader = SourceReader()
        _ = reader.readWARC(MemoryStream(bytes), format: format, file: "fuzz", pages: nil) { item in
            _ = item.outcome(using: builder)
            return true
        }
    }

    static let scale: Int = getenv("INDEXER_FUZZ_SCALE").flatMap { Int(String(cString: $0)) } ?? 1
    static let seedBase: UInt64 = getenv("INDEXER_FUZZ_SEED").flatMap { UInt64(String(cString: $0)) } ?? 0

    @Test func replaysHostileInputs() throws {
        let dir = packageRoot + "/Corpora/fixtures/hostile"
        var paths: [String] = []
        _ = SiteFolder.walk(dir) {
            paths.append(dir + "/" + $0); return true
        }
        let count = paths.count
        for path in paths {
            // Each either fails as a source or ends with its damage reported; none is silent.
            let r = try ingest([path])
            #expect(!r.summary.failed.isEmpty || !r.summary.skipped.isEmpty || r.summary.recovered.count > 0, "\(path)")
        }
        #expect(count >= 5, "Corpora/fixtures/hostile/ should hold the regression inputs")
    }

    @Test(.tags(.python), .needsExternalTools) func plainWARC() throws {
        let seed = try Self.seedWARC()
        var rng = RNG(state: Self.seedBase &* 100 &+ 1)
        for _ in 0..<(3000 * Self.scale) { consume(Self.mutate(seed, &rng), format: .warc) }
    }

    @Test(.tags(.python), .needsExternalTools) func gzipWARC() throws {
        let seed = try readBytes(try fixture("features.warc.gz"))
        var rng = RNG(state: Self.seedBase &* 100 &+ 2)
        for _ in 0..<(2000 * Self.scale) { consume(Self.mutate(seed, &rng), format: .warcGzip) }
    }

    @Test(.tags(.python), .needsExternalTools) func zstdWARC() throws {
        let full = try readBytes(try fixture("pages-dict.warc.zst"))
        let seed = Array(full.prefix(6000))
        var rng = RNG(state: Self.seedBase &* 100 &+ 3)
        for _ in 0..<(2000 * Self.scale) { consume(Self.mutate(seed, &rng), format: .warcZstd) }
    }

    /// ARC, plain and one gzip member per record, through the converter and the WARC reader.
    @Test(arguments: [false, true]) func arc(gzip: Bool) throws {
        let recs = ARCTests.records(8) + [ARCTests.record("dns:example.net", "text/dns", Array("1.2.3.4\n".utf8))]
        let seed = gzip ? Array(recs.map { Zlib.compress($0, format: .gzip) }.joined()) : Array(recs.joined())
        var rng = RNG(state: Self.seedBase &* 100 &+ (gzip ? 8 : 7))
        for _ in 0..<(2000 * Self.scale) { consume(Self.mutate(seed, &rng), format: gzip ? .arcGzip : .arc) }
    }

    @Test func httpPayloads() throws {
        let seeds: [[UInt8]] = [
            Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8),
            Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n".utf8)
                + Zlib.compress(Array("<p>gz</p>".utf8), format: .gzip),
            Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: deflate, gzip\r\n\r\n".utf8)
                + Zlib.compress(Zlib.compress(Array("<p>two</p>".utf8), format: .raw), format: .gzip),
            Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\u{FF}\u{FE}h\0i\0".utf8),
        ]
        var rng = RNG(state: Self.seedBase &* 100 &+ 4)
        for i in 0..<(20000 * Self.scale) {
            let block = Self.mutate(seeds[i % seeds.count], &rng)
            var h = WARCHeader()
            h.type = "response"
            h.targetURI = "http://fuzz.test/"
            _ = builder.build(WARCRecord(header: h, block: block, blockCut: false, source: SourceRef(file: "fuzz"), repairs: []))
        }
    }

    @Test(.tags(.python), .needsExternalTools) func zipArchives() throws {
        let seeds = [try readBytes(try fixture("pages.wacz")), try readBytes(try fixture("pages64.wacz"))]
        let dir = makeTempDir("fuzzzip")
        var rng = RNG(state: Self.seedBase &* 100 &+ 5)
        for i in 0..<(400 * Self.scale) {
            var b = seeds[i % 2]
            // Most of the structure is at the end: aim half the mutations there.
            if i % 2 == 0 {
                let tail = Self.mutate(Array(b.suffix(400)), &rng)
                b.removeLast(min(400, b.count))
                b += tail
            } else {
                b = Self.mutate(b, &rng)
            }
            let path = dir + "/f\(i % 4).wacz"
            try writeBytes(path, b)
            let reader = SourceReader()
            try? reader.read(path) { item in
                _ = item.outcome(using: builder)
                return true
            }
        }
    }

    @Test func jsonAndSitePosts() throws {
        let seed = Array(
            #"{"text": "hi #tag @who", "createdAt": "2024-01-02T03:04:05+02:00", "threadParent": {"uri": "/posts/1.json"}, "tags": ["a"]}"#.utf8)
        var rng = RNG(state: Self.seedBase &* 100 &+ 6)
        for _ in 0..<(20000 * Self.scale) {
            let b = Self.mutate(seed, &rng)
            _ = builder.build(
                SiteFile(source: SourceRef(file: "fuzz"), relative: "posts/x.json", url: "u", role: .post, bytes: b, siteRoot: "http://s/"))
            _ = Markdown.convert(String(decoding: b, as: UTF8.self))
            _ = ISODate.parse(String(decoding: b.prefix(40), as: UTF8.self))
        }
    }
}
