import Nettle
import Sodium
import Support
import Testing
import TextTestSupport
import Zlib

@testable import Ingest

/// warcio's pages.warc (50 responses, each after its request, with sha1 block and payload
/// digests) damaged one way per test: every record the damage did not touch comes out, and the
/// damage is reported with file and offset (issue 10).
@Suite(.tags(.python), .needsExternalTools) struct WARCDamageTests {
    let pages: [UInt8]

    init() throws { pages = try readBytes(try fixture("pages.warc")) }

    func run(_ bytes: [UInt8], _ name: String = "d.warc") throws -> RunResult {
        let dir = makeTempDir("damage")
        try writeBytes(dir + "/" + name, bytes)
        return try ingest([dir + "/" + name])
    }

    /// Offsets of the record starts (version lines) in a plain WARC.
    func recordStarts(_ b: [UInt8]) -> [Int] {
        var out = [0]
        var from = b.startIndex
        let sep = Array("\r\n\r\nWARC/1.0\r\n".utf8)
        while let r = b[from...].firstRange(of: sep) {
            out.append(r.lowerBound + 4)
            from = r.lowerBound + 4
        }
        return out
    }

    /// Start of the record of `type` that is the `n`th of that type.
    func start(of type: String, _ n: Int, in b: [UInt8]) -> Int {
        let tag = Array("WARC-Type: \(type)\r\n".utf8)
        let starts = recordStarts(b)
        let matching = starts.filter { s in b[s..<min(b.count, s + 400)].firstRange(of: tag) != nil }
        return matching[n]
    }

    /// The byte range of the value of header `field` in the record starting at `record`.
    func field(_ field: String, at record: Int, in b: [UInt8]) -> Range<Int> {
        let name = Array("\r\n\(field): ".utf8)
        let r = b[record...].firstRange(of: name)!
        var e = r.upperBound
        while b[e] != 0x0D { e += 1 }
        return r.upperBound..<e
    }

    func replaceField(_ name: String, of type: String, _ n: Int, in b: inout [UInt8], with value: String) {
        let r = field(name, at: start(of: type, n, in: b), in: b)
        b.replaceSubrange(r, with: Array(value.utf8))
    }

    func expectAllPages(_ out: RunResult, _ comment: Comment? = nil) {
        #expect(out.documents.map(\.url) == (0..<50).map { "http://example.com/page\($0).html" }, comment)
        #expect(out.documents.allSatisfy { $0.text.hasSuffix("</html>") }, comment)
    }

    // MARK: resynchronisation

    /// 2 MiB of bare version lines between two records (gzipped, as in issue 10): one report, in
    /// one linear pass (the reader used to rescan up to `maxHeader` after each line: ~88 s CPU
    /// and one skip per line).
    @Test(arguments: [false, true]) func runOfVersionLinesIsOneSkip(gzip: Bool) throws {
        var b = pages
        let at = start(of: "request", 20, in: b)
        b.insert(contentsOf: Array(repeating: Array("WARC/1.0\r\n".utf8), count: 2 << 20 / 10).joined(), at: at)
        let out = gzip ? try run(Zlib.compress(b, format: .gzip), "v.warc.gz") : try run(b)
        expectAllPages(out)
        #expect(out.summary.skipped.map(\.reason) == ["unreadable bytes"])
        if !gzip { #expect(out.summary.skipped.first?.source.offset == Int64(at)) }
    }

    /// A header run into by 80,000 lines that each end in a whole version line after other
    /// bytes (`xWARC/1.0`): the record is found at the last, the run reported once, in one
    /// linear pass (looking for a record cut mid-line rescanned the header's fields per such
    /// line: 6 s of CPU for 32,000 lines in a release build, quadratic, so minutes here).
    @Test(.timeLimit(.minutes(1))) func headerOfMidLineVersionLinesIsLinear() throws {
        var b = pages
        let at = start(of: "request", 20, in: b)
        let firstLineEnd = b[at...].firstIndex(of: Bytes.lf)! + 1
        b.insert(contentsOf: Array(repeating: Array("xWARC/1.0\r\n".utf8), count: 80_000).joined(), at: firstLineEnd)
        let out = try run(b)
        expectAllPages(out)
        #expect(out.summary.skipped.map(\.reason) == ["unreadable bytes"], "\(out.summary.skipped.prefix(3))")
        #expect(out.summary.skipped.first?.source.offset == Int64(at))
    }

    /// A file that is nothing but version lines: one skip, no document.
    @Test func onlyVersionLines() throws {
        let b = Array(Array(repeating: Array("WARC/1.0\r\n".utf8), count: 2 << 20 / 10).joined())
        let out = try run(Zlib.compress(b, format: .gzip), "v.warc.gz")
        #expect(out.documents.isEmpty)
        #expect(out.summary.skipped.count == 1, "\(out.summary.skipped.prefix(3))")
    }

    // MARK: Content-Length that does not end on a record boundary

    /// Too long by a few bytes (the declared end inside the next version line, or just after it),
    /// by a lot, and by more than `maxBlock`: the record is cut where the next one begins. For a
    /// request, whose block is not kept, the response after it survives. Either way the repair
    /// is reported at the record's offset; a request's length 1–3 bytes long swallows only
    /// terminator bytes, which without its block cannot be told from a clean end.
    @Test(arguments: ["response", "request"], [1, 3, 5, 6, 7, 8, 9, 10, 700, 100_000_000])
    func contentLengthTooLong(_ type: String, by extra: Int) throws {
        var b = pages
        let r = field("Content-Length", at: start(of: type, 10, in: b), in: b)
        let v = Int(String(decoding: b[r], as: UTF8.self))!
        b.replaceSubrange(r, with: Array(String(v + extra).utf8))
        let out = try run(b)
        expectAllPages(out, "\(type) extra \(extra)")
        #expect(out.summary.skipped.isEmpty, "\(out.summary.skipped)")
        let repaired = type == "response" || extra > 3
        #expect(out.summary.recovered["Content-Length too long"] == (repaired ? 1 : nil))
        #expect(out.summary.repaired.map(\.source.offset) == (repaired ? [Int64(start(of: type, 10, in: b))] : []))
    }

    /// Every response with a length 7 bytes too long: each is cut, none absorbs the next. The
    /// last has no next record to end at: its block digest shows it whole.
    @Test func everyContentLengthTooLong() throws {
        var b = pages
        for n in 0..<50 {
            let r = field("Content-Length", at: start(of: "response", n, in: b), in: b)
            let v = Int(String(decoding: b[r], as: UTF8.self))!
            b.replaceSubrange(r, with: Array(String(v + 7).utf8))
        }
        let out = try run(b)
        expectAllPages(out)
        #expect(out.summary.recovered["Content-Length too long"] == 50)
        #expect(out.summary.skipped.isEmpty)
    }

    /// A length too long and junk without a line end before the next record (two damages): the
    /// next record starts mid-line, where the reader still finds it, so neither record is lost
    /// and the junk is reported. Copies of the file make it larger than the read buffer, so
    /// that the long lengths are also found while the block streams.
    @Test(arguments: ["response", "request"], [3, 5, 9, 30, 700, 100_000_000])
    func contentLengthTooLongThenJunkWithoutLineEnd(_ type: String, by extra: Int) throws {
        for (junk, copies) in [("xx", 1), (String(repeating: "j", count: 300), 1), ("xx", 30)] {
            var b = Array(Array(repeating: pages, count: copies).joined())
            let at = start(of: type, 10, in: b)
            let next = recordStarts(b).first { $0 > at }!
            b.insert(contentsOf: Array(junk.utf8), at: next)
            let r = field("Content-Length", at: at, in: b)
            let v = Int(String(decoding: b[r], as: UTF8.self))!
            b.replaceSubrange(r, with: Array(String(v + extra).utf8))
            let out = try run(b)
            let why: Comment = "\(type) extra \(extra) junk \(junk.count) copies \(copies): \(out.summary.skipped)"
            if copies == 1 {
                expectAllPages(out, why)
            } else {
                #expect(out.documents.count == 50 * copies, why)
            }
            // The junk is reported where the block before it is kept whole, so that the bytes
            // after its real end are read again; a block not kept (a request, or one cut at a
            // length past `maxBlock` while it streams) keeps only what follows the junk.
            #expect(out.summary.skipped.allSatisfy { $0.reason == "unreadable bytes" }, why)
            if copies == 1 {
                #expect(out.summary.skipped.count == 1, why)
                #expect(out.summary.skipped.first?.source.offset == Int64(next + String(v + extra).count - String(v).count), why)
            }
        }
    }

    /// In a file larger than the read buffer the over-long block is streamed: the bytes after
    /// the real end are kept (the block is cut, or not kept at all for a request) and read again.
    @Test(arguments: ["response", "request"]) func contentLengthOverMaxBlockInALargeFile(_ type: String) throws {
        var b = Array(Array(repeating: pages, count: 30).joined())
        let r = field("Content-Length", at: start(of: type, 10, in: b), in: b)
        b.replaceSubrange(r, with: Array("100000000".utf8))
        let out = try run(b)
        #expect(out.documents.count == 1500)
        #expect(out.summary.skipped.isEmpty, "\(out.summary.skipped)")
        // Repairs of records that are not indexed (requests) are reported too.
        #expect(out.summary.recovered["Content-Length too long"] == 1)
        #expect(out.summary.repaired.map(\.source.offset) == [Int64(start(of: type, 10, in: b))])
    }

    /// When what follows the real end is more than `maxBlock` (here made small), memory stays
    /// bounded: the records in it are lost, and that is reported.
    @Test func contentLengthTooLongBeyondTheRetentionLimit() throws {
        var b = Array(Array(repeating: pages, count: 30).joined())
        let r = field("Content-Length", at: start(of: "response", 10, in: b), in: b)
        b.replaceSubrange(r, with: Array("100000000".utf8))
        var limits = WARCReader.Limits()
        limits.maxBlock = 4000
        limits.cutBlockPrefix = 1000
        let reader = WARCReader(stream: MemoryStream(b), file: "r.warc", limits: limits)
        var records = 0
        var skips: [Skip] = []
        while let e = reader.next() {
            switch e {
            case .record: records += 1
            case .skipped(let s, _): skips.append(s)
            case .ignored: break
            }
        }
        #expect(records >= 11)
        #expect(skips.count == 1)
        #expect(skips.first?.detail.contains("lost") == true, "\(skips)")
    }

    // MARK: leading junk

    @Test(arguments: ["\u{FEFF}", "  \t", "junk line\r\n", "\u{FEFF}junk\r\nmore junk\n", "\r\n\r\n"])
    func leadingJunkIsSkippedAndReported(_ junk: String) throws {
        let out = try run(Array(junk.utf8) + pages)
        #expect(out.summary.failed.isEmpty, "\(out.summary.failed)")
        expectAllPages(out)
        let visible = junk.contains { !" \t\r\n".contains($0) }
        #expect(out.summary.skipped.map(\.reason) == (visible ? ["unreadable bytes"] : []))
        if visible { #expect(out.summary.skipped.first?.source.offset == 0) }
    }

    // MARK: damaged headers

    @Test(arguments: ["WARC-Type: respXnse", "WARC-Typo: response", "WARC-Type:"])
    func damagedWARCTypeIsReported(_ line: String) throws {
        var b = pages
        let at = start(of: "response", 10, in: b)
        let r = b[at...].firstRange(of: Array("WARC-Type: response".utf8))!
        b.replaceSubrange(r, with: Array(line.utf8))
        let out = try run(b)
        #expect(out.documents.count == 49)
        #expect(out.summary.skipped.map(\.reason) == ["unknown WARC-Type"])
        #expect(out.summary.skipped.first?.source.offset == Int64(at))
    }

    /// A response cut inside its header (a lost gzip member, a truncated copy) runs straight into
    /// the next record, mid-line: the cut record is reported where it starts and the next one is
    /// read, wherever the cut falls (in a field name, a value, right after the version line),
    /// in a plain WARC and in a WARC.gz of one member per record.
    @Test(arguments: [false, true]) func headerCutMidLineIsReported(gzip: Bool) throws {
        let at = start(of: "response", 10, in: pages)
        let headerEnd = pages[at...].firstRange(of: Array("\r\n\r\n".utf8))!.lowerBound
        let next = recordStarts(pages).first { $0 > at }!
        for cut in [at + 12, at + 30, (at + headerEnd) / 2, headerEnd - 3] where pages[cut - 1] != 0x0A {
            let b = Array(pages[..<cut] + pages[next...])
            let starts = recordStarts(pages).filter { $0 < at } + [at] + recordStarts(pages).filter { $0 >= next }
            let file =
                gzip
                ? Array(
                    zip(starts, starts.dropFirst() + [pages.count]).map { s, e in
                        Zlib.compress(Array(pages[s..<(s == at ? cut : e)]), format: .gzip)
                    }.joined()) : b
            let out = try run(file, gzip ? "d.warc.gz" : "d.warc")
            let why: Comment = "cut at +\(cut - at): \(out.summary.skipped)"
            #expect(out.documents.count == 49, why)
            #expect(!out.documents.contains { $0.url == "http://example.com/page10.html" }, why)
            #expect(out.summary.skipped.map(\.reason) == ["unreadable bytes"], why)
            if !gzip { #expect(out.summary.skipped.first?.source.offset == Int64(at), why) }
        }
    }

    /// A header value that merely ends in a version line (a URL path `…/WARC/1.0`) shares no
    /// field with the rest of its header: it is a field, not a cut, and the record is kept.
    @Test func headerValueEndingInAVersionLineIsAField() throws {
        var b = pages
        replaceField("WARC-Target-URI", of: "response", 10, in: &b, with: "http://example.com/WARC/1.0")
        let out = try run(b)
        #expect(out.documents.count == 50)
        #expect(out.documents.contains { $0.url == "http://example.com/WARC/1.0" })
        #expect(out.summary.skipped.isEmpty, "\(out.summary.skipped)")
    }

    /// A damaged version line: the record cannot be read; it is reported where it starts.
    @Test func damagedVersionLineIsReported() throws {
        var b = pages
        let at = start(of: "response", 10, in: b)
        b[at + 3] = UInt8(ascii: "X")
        let out = try run(b)
        #expect(out.documents.count == 49)
        #expect(out.summary.skipped.map(\.reason) == ["unreadable bytes"])
        #expect(out.summary.skipped.first?.source.offset == Int64(at))
    }

    // MARK: digests

    /// One flipped byte in a page's text: the block digest catches it; the record is skipped and
    /// reported, the others are kept.
    @Test func flippedByteFailsTheBlockDigest() throws {
        var b = pages
        let at = start(of: "response", 10, in: b)
        let hello = b[at...].firstRange(of: Array("Hello page".utf8))!
        b[hello.lowerBound] = UInt8(ascii: "J")
        let out = try run(b)
        #expect(out.documents.count == 49)
        #expect(!out.documents.contains { $0.url == "http://example.com/page10.html" })
        #expect(out.summary.skipped.map(\.reason) == ["digest mismatch"])
        #expect(out.summary.skipped.first?.source.offset == Int64(at))
        #expect(out.summary.skipped.first?.detail.contains("WARC-Block-Digest") == true)
    }

    /// Without a block digest the payload digest is checked (it covers the body after the HTTP head).
    @Test func flippedByteFailsThePayloadDigest() throws {
        var b = pages
        let at = start(of: "response", 10, in: b)
        let name = b[at...].firstRange(of: Array("WARC-Block-Digest".utf8))!
        b.replaceSubrange(name, with: Array("X-Unchecked-Diges".utf8))
        let intact = try run(b)
        expectAllPages(intact)
        #expect(intact.summary.skipped.isEmpty, "\(intact.summary.skipped)")
        let hello = b[at...].firstRange(of: Array("Hello page".utf8))!
        b[hello.lowerBound] = UInt8(ascii: "J")
        let out = try run(b)
        #expect(out.documents.count == 49)
        #expect(out.summary.skipped.map(\.reason) == ["digest mismatch"])
        #expect(out.summary.skipped.first?.detail.contains("WARC-Payload-Digest") == true)
    }

    /// The same digest in hex, and SHA-256 digests in base32 and hex, are checked too.
    @Test(arguments: ["sha1-hex", "sha256-base32", "sha256-hex", "SHA-256-base32", "sha256-wrong"])
    func otherDigestSpellings(_ spelling: String) throws {
        var b = pages
        let at = start(of: "response", 10, in: b)
        let cl = Int(String(decoding: b[field("Content-Length", at: at, in: b)], as: UTF8.self))!
        let blockStart = b[at...].firstRange(of: Array("\r\n\r\n".utf8))!.upperBound
        let block = Array(b[blockStart..<blockStart + cl])
        let sha1 = WARCDigestValue(String(decoding: b[field("WARC-Block-Digest", at: at, in: b)], as: UTF8.self))!
        #expect(sha1.bytes == block.withUnsafeBytes { Nettle.sha1($0) })
        var sha256 = Sodium.sha256(block)
        let value: String
        switch spelling {
        case "sha1-hex": value = "sha1:" + Hex.encode(sha1.bytes)
        case "sha256-base32": value = "sha256:" + Base32.encode(sha256, uppercase: true)
        case "sha256-hex": value = "sha256:" + Hex.encode(sha256).uppercased()
        case "SHA-256-base32": value = "SHA-256:" + Base32.encode(sha256, uppercase: true).lowercased() + "===="
        default:
            sha256[0] ^= 1
            value = "sha256:" + Base32.encode(sha256, uppercase: true)
        }
        b.replaceSubrange(field("WARC-Block-Digest", at: at, in: b), with: Array(value.utf8))
        let out = try run(b)
        if spelling == "sha256-wrong" {
            #expect(out.documents.count == 49)
            #expect(out.summary.skipped.map(\.reason) == ["digest mismatch"])
        } else {
            expectAllPages(out, "\(spelling)")
            #expect(out.summary.skipped.isEmpty, "\(out.summary.skipped)")
        }
    }
}

/// SHA-1 (Nettle's, which the digest check uses) against FIPS 180 test vectors.
@Suite struct SHA1Tests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "a", count: 1_000_000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
    ])
    func vectors(_ input: String, _ expected: String) {
        #expect(Hex.encode(Array(input.utf8).withUnsafeBytes { Nettle.sha1($0) }) == expected)
    }

    /// Every length around the padding boundaries (55, 56, 63, 64, 119, 120 bytes), against
    /// Python's hashlib.
    @Test(.tags(.python), .needsExternalTools) func lengthsAgreeWithHashlib() throws {
        let script = "import hashlib\nfor n in range(200): print(hashlib.sha1(bytes(range(200))[:n]).hexdigest())"
        let lines = String(decoding: try PythonChecker.output(script), as: UTF8.self).split(separator: "\n").map(String.init)
        let data = (0..<200).map { UInt8($0) }
        #expect(lines.count == 200)
        for (n, line) in lines.enumerated() {
            #expect(Hex.encode(data.prefix(n).withUnsafeBytes { Nettle.sha1($0) }) == line, "length \(n)")
        }
    }

    @Test func base32RoundTrip() {
        let bytes: [UInt8] = (0..<20).map { UInt8($0 * 13 & 0xFF) }
        #expect(WARCDigestValue("sha1:" + Base32.encode(bytes, uppercase: true))?.bytes == bytes)
        #expect(WARCDigestValue("sha1:" + Hex.encode(bytes))?.bytes == bytes)
        #expect(WARCDigestValue("md5:" + Hex.encode(bytes)) == nil)
        #expect(WARCDigestValue("sha1:" + Base32.encode(Array(bytes.prefix(19)), uppercase: true)) == nil)
    }
}
