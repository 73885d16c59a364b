import Support
import Testing
import TextTestSupport
import Zlib

@testable import Ingest

/// ARC files written from the documented layout, read as warcio reads them (issue 10).
struct ARCTests {
    /// One ARC v1 record: header line, block, newline.
    static func record(_ url: String, _ type: String, _ block: [UInt8], date: String = "20240501120000", length: Int? = nil) -> [UInt8] {
        Array("\(url) 93.184.216.34 \(date) \(type) \(length ?? block.count)\n".utf8) + block + [0x0A]
    }

    static func http(_ body: String, status: String = "200 OK", type: String = "text/html") -> [UInt8] {
        Array("HTTP/1.0 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    static let version = Array("1 0 test\nURL IP-address Archive-date Content-type Archive-length\n".utf8)

    static func pageURL(_ i: Int) -> String { "http://example.net/p\(i).html" }
    static func pageBody(_ i: Int) -> String { "<html><title>P\(i)</title><p>page \(i) text</p></html>" }

    /// The records of a small ARC: the file header, then `n` pages.
    static func records(_ n: Int = 6) -> [[UInt8]] {
        [record("filedesc://t.arc", "text/plain", version)] + (0..<n).map { record(pageURL($0), "text/html", http(pageBody($0))) }
    }

    func run(_ bytes: [UInt8], _ name: String = "t.arc") throws -> (RunResult, String) {
        let dir = makeTempDir("arc")
        try writeBytes(dir + "/" + name, bytes)
        return (try ingest([dir + "/" + name]), dir + "/" + name)
    }

    /// Every page but those in `except` came out whole, in order.
    func expectPages(_ r: RunResult, _ n: Int = 6, except: Set<Int> = [], _ comment: Comment? = nil) {
        let want = (0..<n).filter { !except.contains($0) }
        let got = r.documents.filter { d in want.contains { Self.pageURL($0) == d.url } }
        #expect(got.map(\.url) == want.map(Self.pageURL), comment)
        #expect(got.map(\.text) == want.map(Self.pageBody), comment)
    }

    func offset(ofRecord k: Int, in recs: [[UInt8]]) -> Int64 { Int64(recs[0..<k].map(\.count).reduce(0, +)) }

    @Test func detection() throws {
        let arc = Self.records().joined()
        let gz = Self.records().map { Zlib.compress($0, format: .gzip) }.joined()
        func format(_ b: [UInt8]) -> SourceFormat {
            b.withUnsafeBytes { SourceFormat.detect(head: UnsafeRawBufferPointer(rebasing: $0.prefix(4096))) }
        }
        #expect(format(Array(arc)) == .arc)
        #expect(format(Array(gz)) == .arcGzip)
        // An ARC without its file header, or after junk lines, is still recognised.
        #expect(format(Array(Self.records()[1...].joined())) == .arc)
        #expect(format(Array("junk\nmore junk\n".utf8) + Array(arc)) == .arc)
        #expect(format(Zlib.compress(Array("WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\n".utf8), format: .gzip)) == .warcGzip)
        #expect(format(Array("Note: see page 4 of 1 2 20240101000000 text\nplain text\n".utf8)) == .unknown)
    }

    @Test func headerLines() {
        func parse(_ s: String) -> ARCHeaderLine? {
            let b = Array(s.utf8)
            return b.withUnsafeBytes { ARCHeaderLine($0, 0, b.count, length: b.count + 1) }
        }
        let v1 = parse("http://a.example/x y.html 1.2.3.4 20240501120000 text/html 123")
        #expect(v1?.url == "http://a.example/x y.html")
        #expect(v1?.date == "20240501120000")
        #expect(v1?.blockLength == 123)
        let v2 = parse("http://a.example/ 1.2.3.4 20240501120000123 text/html 200 ABCDEF - 991 IA-1.arc 456\r")
        #expect(v2?.url == "http://a.example/")
        #expect(v2?.date == "20240501120000")
        #expect(v2?.blockLength == 456)
        #expect(parse("dns:a.example 8.8.8.8 20240501120000 text/dns 56")?.contentType == "text/dns")
        for text in [
            "Note: see 1.2.3.4 20240501120000 text/html 12", "http://a/ 1.2.3.4 2024 text/html 12",
            "http://a/ 1.2.3.4 20240501120000 text/html twelve",
            "http://a/ host.example 20240501120000 text/html 12", "<p>http://a/ 1.2.3.4 20240501120000 text/html 12",
            "http://a/ 20240501120000 text/html 12",
        ] {
            #expect(parse(text) == nil, "\(text)")
        }
    }

    @Test(arguments: [false, true]) func everyPageOnceAndTheFileHeaderIgnored(gzip: Bool) throws {
        let recs = Self.records()
        let bytes = gzip ? Array(recs.map { Zlib.compress($0, format: .gzip) }.joined()) : Array(recs.joined())
        let (r, path) = try run(bytes, gzip ? "t.arc.gz" : "t.arc")
        expectPages(r)
        #expect(r.summary.records == 7)
        #expect(r.summary.ignored == ["warc type warcinfo": 1])
        #expect(r.summary.skipped.isEmpty && r.summary.recovered.isEmpty)
        #expect(r.documents.allSatisfy { $0.date == ISODate.parse("2024-05-01T12:00:00Z") && $0.title?.hasPrefix("P") == true })
        // Each document names its header line's offset (or gzip member's).
        let offsets =
            gzip
            ? (1...6).map { Int64(recs[0..<$0].map { Zlib.compress($0, format: .gzip).count }.reduce(0, +)) }
            : (1...6).map { offset(ofRecord: $0, in: recs) }
        #expect(r.documents.map(\.source.file) == Array(repeating: path, count: 6))
        #expect(r.documents.map(\.source.offset) == offsets)
        // ARC has no digests: the payload's SHA-1 is computed.
        #expect(r.documents.allSatisfy { $0.payloadDigest?.hasPrefix("sha1:") == true && $0.payloadDigest?.count == 37 })
    }

    // MARK: damage

    @Test func aJunkLineIsReportedWithItsOffset() throws {
        var recs = Self.records()
        recs.insert(Array("this line is no record\n".utf8), at: 3)
        let (r, path) = try run(Array(recs.joined()))
        expectPages(r)
        #expect(r.summary.skipped.map(\.reason) == ["unreadable bytes"])
        #expect(r.summary.skipped.first?.source == SourceRef(file: path, offset: offset(ofRecord: 3, in: recs)))
    }

    /// A length too long swallows the next header unless the reader finds it; too short cuts
    /// the block. Both are repaired and every page kept; a huge length as well.
    @Test(arguments: [40, 2, -10, 1_000_000_000_000]) func wrongLengthsAreRepaired(_ delta: Int) throws {
        var recs = Self.records()
        let block = Self.http(Self.pageBody(2))
        recs[3] = Self.record(Self.pageURL(2), "text/html", block, length: delta > 1_000_000 ? delta : block.count + delta)
        let (r, _) = try run(Array(recs.joined()))
        expectPages(r, 6, except: [], "delta \(delta)")
        #expect(r.summary.skipped.isEmpty, "\(r.summary.skipped)")
        #expect(r.summary.recovered == [delta < 0 ? "Content-Length too short" : "Content-Length too long": 1])
    }

    @Test func aTruncatedFileKeepsWhatCameBefore() throws {
        let recs = Self.records()
        let cut = Int(offset(ofRecord: 5, in: recs)) + 90
        let (r, path) = try run(Array(Array(recs.joined())[..<cut]))
        expectPages(r, 4)
        #expect(r.documents.count == 4)
        #expect(r.summary.skipped.map(\.reason) == ["truncated record"])
        #expect(r.summary.skipped.first?.source == SourceRef(file: path, offset: offset(ofRecord: 5, in: recs)))
    }

    @Test func aDamagedGzipMemberLosesOnlyItsRecord() throws {
        var members = Self.records().map { Zlib.compress($0, format: .gzip) }
        members[3][members[3].count / 2] ^= 0xFF
        let (r, path) = try run(Array(members.joined()), "t.arc.gz")
        expectPages(r, except: [2])
        #expect(r.summary.skipped.map(\.reason) == ["damaged compressed data"])
        #expect(r.summary.skipped.first?.source.file == path)
        #expect(r.documents.count == 5)
    }

    /// 40,000 header lines whose lengths overrun, and 2 MB of near-header text lines: read in
    /// linear time, every real page kept, the junk reported.
    @Test(arguments: ["overrun", "text"]) func hostileLinesAreReadInLinearTime(_ kind: String) throws {
        let line = kind == "overrun" ? "http://x/ 1.2.3.4 20240101000000 text/html 3000\n" : "See: 1.2.3.4 20240101000000 text/html and more\n"
        var recs = Self.records()
        recs.insert(Array(Array(repeating: Array(line.utf8), count: 40_000).joined()), at: 4)
        let clock = ContinuousClock()
        var result: (RunResult, String)?
        let took = try clock.measure { result = try run(Array(recs.joined())) }
        let r = try #require(result).0
        expectPages(r)
        #expect(took < .seconds(30), "\(kind): \(took)")
        if kind == "text" { #expect(r.summary.skipped.map(\.reason) == ["unreadable bytes"]) }
    }

    /// Headers whose lengths all end just before one 100 KB line that starts like a URL: each
    /// look-ahead would search that line for its end (64 KiB per header); searched once.
    @Test func lookAheadIntoOneLongLineSearchesItOnce() throws {
        let n = 5_000
        let size = Array("http://x/ 1.2.3.4 20240101000000 text/html 0000000000\n".utf8).count
        var b: [UInt8] = []
        for k in 0..<n {
            let length = String((n - k - 1) * size)
            b += Array("http://x/ 1.2.3.4 20240101000000 text/html \(String(repeating: "0", count: 10 - length.count))\(length)\n".utf8)
        }
        b += [0x0A] + Array("http:".utf8) + Array(repeating: 0x61, count: 100_000) + [0x0A]
        let stream = ARCStream(MemoryStream(b))
        var out = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while case let got = try out.withUnsafeMutableBytes({ try stream.read(into: $0) }), got > 0 { total += got }
        #expect(total > b.count)
        #expect(stream.lineEndSearched < 4 * Int64(b.count), "searched \(stream.lineEndSearched) bytes of \(b.count)")
    }
}

/// pages.arc, written from the ARC layout by Corpora/fixtures/make_arc.py, against warcio's
/// conversion of it to WARC (`warcio recompress`): the same documents.
@Suite(.tags(.python), .needsExternalTools) struct ARCWarcioTests {
    let dir: String

    init() throws {
        dir = makeTempDir("arc-fixtures")
        _ = try PythonChecker.output(arguments: [packageRoot + "/Corpora/fixtures/make_arc.py", dir])
    }

    @Test(arguments: ["pages.arc", "pages.arc.gz"]) func sameDocumentsAsWarciosConversion(_ name: String) throws {
        let arc = try ingest([dir + "/" + name])
        let warc = try ingest([dir + "/pages-arc.warc.gz"])
        // warcio's conversion types a dns: record as HTTP (and it is then indexed as text);
        // read from the ARC it keeps its own type, text/dns, and is left out like Heritrix's.
        let converted = warc.documents.filter { !$0.url.hasPrefix("dns:") }
        #expect(arc.documents.map(\.url) == converted.map(\.url))
        #expect(arc.documents.map(\.date) == converted.map(\.date))
        #expect(arc.documents.map(\.text) == converted.map(\.text))
        #expect(arc.documents.map(\.title) == converted.map(\.title))
        #expect(arc.documents.map(\.payloadDigest) == converted.map(\.payloadDigest))
        let listed = try JSON.parse(try readBytes(dir + "/arc.json"), options: .metadata)
        #expect(arc.documents.map(\.url) == listed["documents"]?.array?.compactMap(\.string))
        #expect(arc.summary.records == Int(listed["records"]?.number ?? 0))
        #expect(arc.summary.skipped.isEmpty && warc.summary.skipped.isEmpty)
        #expect(arc.summary.ignored["non-text text/dns"] == 1)
    }
}
