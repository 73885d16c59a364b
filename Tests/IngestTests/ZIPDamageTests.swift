import Foundation
import Testing
import TextTestSupport

@testable import Ingest

/// Damaged and hostile ZIPs (issue 10): archives written by Python's `zipfile`, damaged here.
/// Tests that read fixtures or write archives with Python's zipfile say so one by one, so the
/// others run in `make check` too.
@Suite struct ZIPDamageTests {
    // MARK: overlapping and repeated entries

    @Test(.tags(.python), .needsExternalTools) func repeatedDirectoryEntriesAreRefusedNotReadAgain() throws {
        let path = try fixture("pages.wacz")
        let dir = makeTempDir("zipdup")
        let dup = dir + "/dup.wacz"
        try writeBytes(dup, try repeatEntry(readBytes(path), named: "archive/pages.warc.gz", times: 20))
        let r = try ingest([dup])
        #expect(r.documents.count == 50)  // not 21 × 50
        let refused = r.summary.skipped.filter { $0.reason == "overlapping ZIP entry" }
        #expect(refused.count == 20)
        #expect(refused.allSatisfy { $0.source.file == dup && $0.source.offset == 0 && $0.detail.hasPrefix("archive/pages.warc.gz: ") })
    }

    @Test func overlappingRangesKeepTheFirstAndRefuseTheRest() {
        func entry(_ name: String, _ header: Int64, _ data: Int64, _ size: Int64) -> ZipEntry {
            ZipEntry(
                name: name, method: 0, flags: 0, crc32: 0, compressedSize: size, uncompressedSize: size,
                localHeaderOffset: header, dataOffset: data)
        }
        // a: bytes 0..<140, b: 150..<380, c: 400..<440.
        let all = [
            entry("c", 400, 430, 10), entry("a", 0, 40, 100), entry("b", 150, 180, 200),
            entry("inside-b", 200, 230, 5), entry("same-as-a", 0, 40, 100), entry("past-end", 500, 530, 10_000),
        ]
        let (kept, refused) = ZipArchive.refuseOverlaps(all, fileSize: 1000)
        #expect(kept.map(\.name) == ["c", "a", "b", "past-end"])  // past-end fails when opened
        #expect(refused.map(\.member) == ["same-as-a", "inside-b"].map { Optional($0) })
        #expect(refused.map(\.offset) == [0, 200])
    }

    // MARK: CRC-32 and sizes

    @Test(.tags(.python), .needsExternalTools) func flippedByteInStoredWARCIsReportedWithMemberAndOffset() throws {
        let dir = makeTempDir("zipcrc")
        let path = dir + "/crc.wacz"
        try pythonZip(
            path,
            [
                ("pages/pages.jsonl", Array("{}\n".utf8), false),
                ("archive/pages.warc", try readBytes(try fixture("pages.warc")), false),
            ])
        var bytes = try readBytes(path)
        let at = try #require(find(Array("<title>".utf8), in: bytes)) + 7
        bytes[at] ^= 0x01  // one letter of one title
        try writeBytes(path, bytes)
        let r = try ingest([path])
        // The member's CRC-32 flags it as it streams, and the damaged record's own
        // WARC-Block-Digest (warcio writes one) keeps that record out: every other record stays.
        #expect(r.documents.count == 49)
        #expect(r.summary.skipped.filter { $0.reason == "digest mismatch" }.count == 1)
        let crc = r.summary.skipped.filter { $0.reason == "ZIP CRC mismatch" }
        #expect(crc.count == 1, "\(r.summary.skipped)")
        #expect(crc.first?.source.file == path)
        #expect(crc.first?.source.offset == Int64(try #require(find(Array("PK\u{3}\u{4}".utf8), in: bytes, from: 4))))
        #expect(crc.first?.detail.hasPrefix("archive/pages.warc: ") == true)
    }

    @Test(.tags(.python), .needsExternalTools) func wrongCRCInDeflatedMetadataDropsIt() throws {
        let dir = makeTempDir("zipcrc2")
        let path = dir + "/crc.zip"
        try pythonZip(path, [("datapackage.json", Array(#"{"resources": []}"#.utf8), true)])
        var bytes = try readBytes(path)
        let cd = try #require(centralDirectory(bytes))
        bytes[cd.entries[0] + 16] ^= 0x80  // the directory's CRC-32
        try writeBytes(path, bytes)
        let zip = try ZipArchive(path: path)
        #expect(throws: ZipArchive.Error.self) { try zip.read(zip.entries[0], limit: 1 << 20) }
        let s = try zip.open(zip.entries[0])
        #expect(s.drain()?.reason == "ZIP CRC mismatch")
    }

    @Test(.tags(.python), .needsExternalTools) func pagesListFailingItsCRCGivesNoTitles() throws {
        let dir = makeTempDir("zippagescrc")
        let path = dir + "/pages.wacz"
        let pages = Array(#"{"url": "http://example.com/page0.html", "title": "Listed title 0"}"#.utf8) + [0x0A]
        try pythonZip(
            path,
            [
                ("pages/pages.jsonl", pages, false),
                ("archive/pages.warc", try readBytes(try fixture("pages.warc")), false),
            ])
        var bytes = try readBytes(path)
        let at = try #require(find(Array("Listed".utf8), in: bytes))
        bytes[at] = UInt8(ascii: "M")  // "Misted title 0"
        try writeBytes(path, bytes)
        let noTitles: HTMLExtraction = { b, c in
            var p = rawHTML(b, c); p.title = nil; return p
        }
        let r = try ingest([path], html: noTitles)
        #expect(r.documents.first { $0.url == "http://example.com/page0.html" }?.title == nil)
        #expect(r.summary.skipped.map(\.reason) == ["ZIP CRC mismatch"])
        #expect(r.summary.skipped.first?.detail.hasPrefix("pages/pages.jsonl: ") == true)
    }

    @Test(.tags(.python), .needsExternalTools) func memberLongerThanDeclaredStopsAtItsDeclaredSize() throws {
        let dir = makeTempDir("zipsize")
        let path = dir + "/size.zip"
        try pythonZip(path, [("zeros", [UInt8](repeating: 0, count: 4 << 20), true)])
        var bytes = try readBytes(path)
        let cd = try #require(centralDirectory(bytes))
        put32(&bytes, cd.entries[0] + 24, 1000)  // declared uncompressed size: 1000 bytes
        try writeBytes(path, bytes)
        let zip = try ZipArchive(path: path)
        let s = try zip.open(zip.entries[0])
        let damage = s.drain()
        #expect(damage?.reason == "ZIP size mismatch")
        #expect(s.produced <= 1000)
    }

    @Test(.tags(.python), .needsExternalTools) func warcMemberLongerThanDeclaredIsCutAndReported() throws {
        let dir = makeTempDir("zipshort")
        let path = dir + "/short.wacz"
        let warc = try readBytes(try fixture("pages.warc"))
        try pythonZip(path, [("archive/pages.warc", warc, true)])
        var bytes = try readBytes(path)
        let cd = try #require(centralDirectory(bytes))
        put32(&bytes, cd.entries[0] + 24, warc.count / 2)
        try writeBytes(path, bytes)
        let r = try ingest([path])
        #expect(r.documents.count > 0 && r.documents.count < 50)
        let size = r.summary.skipped.filter { $0.reason == "ZIP size mismatch" }
        #expect(size.count == 1, "\(r.summary.skipped)")
        #expect(size.first?.source == SourceRef(file: path, offset: 0))
    }

    /// One byte flipped at 300 places of a WACZ: no crash, and whenever the documents differ
    /// from the undamaged archive's, something is reported (skipped or failed).
    @Test(.tags(.python), .needsExternalTools, arguments: ["pages.wacz", "pages64.wacz"])
    func flippedBytesNeverChangeDocumentsSilently(_ name: String) throws {
        let original = try readBytes(try fixture(name))
        let want = texts(try ingest([try fixture(name)]))
        let dir = makeTempDir("zipflip")
        var rng = SplitMix64(seed: 10)
        var reported = 0
        for _ in 0..<300 {
            var bytes = original
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
            try writeBytes(dir + "/f.wacz", bytes)
            let r = try ingest([dir + "/f.wacz"])
            if !r.summary.skipped.isEmpty || !r.summary.failed.isEmpty { reported += 1 }
            if texts(r) != want {
                #expect(!r.summary.skipped.isEmpty || !r.summary.failed.isEmpty, "byte \(at) changed documents silently")
            }
        }
        #expect(reported > 0, "no damage was noticed at all")
    }

    /// Every byte of the directory and end records (ZIP64 ones too) flipped in turn.
    @Test(.tags(.python), .needsExternalTools, arguments: ["pages.wacz", "pages64.wacz"])
    func flippedDirectoryBytesNeverChangeDocumentsSilently(_ name: String) throws {
        let original = try readBytes(try fixture(name))
        let want = texts(try ingest([try fixture(name)]))
        let dir = makeTempDir("zipcdflip")
        let zip = try ZipArchive(path: try fixture(name))
        let start = Int(zip.entries.map { $0.dataOffset + $0.compressedSize }.max() ?? 0)
        var reported = 0
        for at in start..<original.count {
            var bytes = original
            bytes[at] ^= 0x55
            try writeBytes(dir + "/f.wacz", bytes)
            let r = try ingest([dir + "/f.wacz"])
            if !r.summary.skipped.isEmpty || !r.summary.failed.isEmpty { reported += 1 }
            if texts(r) != want {
                #expect(!r.summary.skipped.isEmpty || !r.summary.failed.isEmpty, "byte \(at) changed documents silently")
            }
        }
        #expect(reported > 0, "no damage was noticed at all")
    }

    /// Cut at 100 places: nothing silent, and once the WARC member is whole in what is left
    /// (the directory lost or not), all its documents come out.
    @Test(.tags(.python), .needsExternalTools) func truncationsKeepWholeMembers() throws {
        let path = try fixture("pages.wacz")
        let original = try readBytes(path)
        let want = texts(try ingest([path]))
        let warcEnd = try #require(ZipArchive(path: path).entries.first { $0.name.hasPrefix("archive/") }.map { $0.dataOffset + $0.compressedSize })
        let dir = makeTempDir("zipcut")
        var rng = SplitMix64(seed: 11)
        var reported = 0
        for _ in 0..<100 {
            let at = Int.random(in: 1..<original.count, using: &rng)
            try writeBytes(dir + "/t.wacz", Array(original[0..<at]))
            let r = try ingest([dir + "/t.wacz"])
            if !r.summary.skipped.isEmpty || !r.summary.failed.isEmpty { reported += 1 }
            if texts(r) != want {
                #expect(!r.summary.skipped.isEmpty || !r.summary.failed.isEmpty, "cut at \(at) changed documents silently")
            }
            if at >= warcEnd { #expect(r.documents.count == want.count, "cut at \(at)") }
        }
        #expect(reported > 0, "no cut was noticed at all")
    }

    // MARK: decompression ratio and metadata bounds

    @Test(.tags(.python), .needsExternalTools) func ratioCapStopsABomb() throws {
        let dir = makeTempDir("zipratio")
        let path = dir + "/bomb.zip"
        try pythonZip(path, [("zeros", [UInt8](repeating: 0, count: 8 << 20), true)])
        var limits = ZipArchive.Limits()
        limits.maxRatio = 100
        limits.ratioAllowance = 1 << 20
        let zip = try ZipArchive(path: path, limits: limits)
        let s = try zip.open(zip.entries[0])
        #expect(s.drain()?.reason == "ZIP ratio cap")
        #expect(s.produced <= max(100 * zip.entries[0].compressedSize, 1 << 20))
    }

    @Test func pagesListReadsWithinItsBudget() throws {
        var lines: [UInt8] = []
        for i in 0..<50_000 { lines += Array(#"{"url": "http://x.test/\#(i)", "title": "Title \#(i)"}"#.utf8) + [0x0A] }
        var titles: [String: CrawlerPage] = [:]
        var budget = 256 << 10
        #expect(try SourceReader.readPages(MemoryStream(lines), budget: &budget, into: &titles))
        #expect(titles.count > 1000 && titles.count < 5000)
        #expect(titles["http://x.test/0"]?.title == "Title 0")
        var all: [String: CrawlerPage] = [:]
        var plenty = 64 << 20
        #expect(try SourceReader.readPages(MemoryStream(lines), budget: &plenty, into: &all) == false)
        #expect(all.count == 50_000)
    }

    @Test(.tags(.python), .needsExternalTools) func pagesListCutIsReported() throws {
        var reader = SourceReader()
        reader.maxMetadataBytes = 2000
        let (records, skips) = try readItems(try fixture("pages.wacz"), reader)
        #expect(records > 0)
        #expect(skips.map(\.reason) == ["pages list cut"])
    }

    // MARK: recovery from local headers

    @Test(.tags(.python), .needsExternalTools) func lostCentralDirectoryIsRebuiltFromLocalHeaders() throws {
        let path = try fixture("pages.wacz")
        var bytes = try readBytes(path)
        let cd = try #require(centralDirectory(bytes))
        bytes.removeLast(bytes.count - cd.offset)  // no directory, no end record
        let dir = makeTempDir("zipcd")
        try writeBytes(dir + "/nocd.wacz", bytes)
        let noTitles: HTMLExtraction = { b, c in
            var p = rawHTML(b, c); p.title = nil; return p
        }
        let r = try ingest([dir + "/nocd.wacz"], html: noTitles)
        #expect(r.summary.failed.isEmpty)
        #expect(r.documents.count == 50)
        #expect(r.documents.first?.title == "Listed title 0")  // pages.jsonl came back too
        #expect(r.summary.skipped.map(\.reason) == ["damaged ZIP directory"])
    }

    /// One directory entry's local-header offset damaged (out of range, or at bytes that are no
    /// local header): the WARC member is found by name from its own local header, not lost
    /// (the damage corpus found all 50 documents lost).
    @Test(.tags(.python), .needsExternalTools, arguments: [0x7FFF_FFF0, 1])
    func directoryEntryWithBadOffsetIsFoundFromItsLocalHeader(_ offset: Int) throws {
        var bytes = try readBytes(try fixture("pages.wacz"))
        let cd = try #require(centralDirectory(bytes))
        let warc = try #require(
            cd.entries.first { e in String(decoding: bytes[(e + 46)..<(e + 46 + get16(bytes, e + 28))], as: UTF8.self).hasSuffix(".warc.gz") })
        put32(&bytes, warc + 42, offset)
        let dir = makeTempDir("zipoffset")
        try writeBytes(dir + "/offset.wacz", bytes)
        let r = try ingest([dir + "/offset.wacz"])
        #expect(r.summary.failed.isEmpty)
        #expect(r.documents.count == 50)
        #expect(r.summary.skipped.map(\.reason) == ["damaged ZIP directory"], "\(r.summary.skipped)")
    }

    @Test(.tags(.python), .needsExternalTools, arguments: [false, true])
    func dataDescriptorMembersAreRecovered(cutDirectory: Bool) throws {
        let dir = makeTempDir("zipdd")
        let path = dir + "/dd.wacz"
        // Written to a pipe, zipfile cannot seek back: sizes and CRCs go in data descriptors.
        try pythonZip(
            path,
            [
                ("archive/a.warc", try readBytes(try fixture("pages.warc")), true),
                ("archive/b.warc.gz", try readBytes(try fixture("pages.warc.gz")), false),
                ("pages/pages.jsonl", Array("{}\n".utf8), false),
            ], seekable: false)
        var bytes = try readBytes(path)
        #expect(bytes[6] & 8 == 8)  // the first member has a data descriptor
        if cutDirectory {
            let cd = try #require(centralDirectory(bytes))
            bytes.removeLast(bytes.count - cd.offset)
            try writeBytes(path, bytes)
        }
        let zip = try ZipArchive(path: path)
        #expect(zip.entries.map(\.name) == ["archive/a.warc", "archive/b.warc.gz", "pages/pages.jsonl"])
        #expect(zip.reports.map(\.reason) == (cutDirectory ? ["damaged ZIP directory"] : []))
        let r = try ingest([path])
        #expect(r.documents.count == 100)
        #expect(r.summary.skipped.filter { $0.reason != "damaged ZIP directory" }.isEmpty, "\(r.summary.skipped)")
    }

    @Test func fakeLocalHeadersCostLinearTime() throws {
        // 40,000 headers of stored members "with a data descriptor" that never comes (and some
        // descriptor signatures that fit none): each could search to the end of the file.
        var fake = Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 27)
        fake[6] = 8  // data descriptor
        fake[26] = 1  // a one-byte name
        fake[30] = UInt8(ascii: "a")
        var bytes: [UInt8] = []
        for k in 0..<40_000 { bytes += fake + (k % 100 == 0 ? Array("PK\u{7}\u{8}".utf8) + [UInt8](repeating: 9, count: 12) : []) }
        let dir = makeTempDir("zipfake")
        try writeBytes(dir + "/fake.zip", bytes)
        let clock = ContinuousClock()
        let took = clock.measure { #expect(throws: ZipArchive.Error.self) { try ZipArchive(path: dir + "/fake.zip") } }
        #expect(took < .seconds(20))
    }

    @Test(.tags(.python), .needsExternalTools) func cutInsideTheLastMemberKeepsItsFirstRecords() throws {
        let dir = makeTempDir("zipcutwarc")
        let path = dir + "/cut.wacz"
        try pythonZip(
            path,
            [
                ("pages/pages.jsonl", Array("{}\n".utf8), false),
                ("archive/pages.warc", try readBytes(try fixture("pages.warc")), false),
            ])
        let bytes = try readBytes(path)
        let zip = try ZipArchive(path: path)
        let warc = try #require(zip.entries.last)
        try writeBytes(path, Array(bytes[0..<Int(warc.dataOffset + warc.compressedSize / 2)]))
        let r = try ingest([path])
        #expect(r.documents.count > 10 && r.documents.count < 50)
        #expect(r.summary.failed.isEmpty)
        let reasons = Set(r.summary.skipped.map(\.reason))
        #expect(reasons.isSuperset(of: ["damaged ZIP directory", "truncated ZIP member"]), "\(reasons)")
        #expect(!reasons.contains("ZIP CRC mismatch"))
    }

    /// A WARC member is recognised as a plain WARC file is: junk before its first record is
    /// reported and skipped, not taken for "not a WARC".
    @Test(.tags(.python), .needsExternalTools) func warcMemberWithLeadingJunkIsRead() throws {
        let dir = makeTempDir("zipjunkwarc")
        let path = dir + "/junk.wacz"
        let junk = Array("\u{FEFF}saved by hand\r\n".utf8)
        try pythonZip(path, [("archive/pages.warc", junk + (try readBytes(try fixture("pages.warc"))), false)])
        let r = try ingest([path])
        #expect(r.documents.count == 50)
        #expect(r.summary.failed.isEmpty)
        #expect(!r.summary.skipped.isEmpty)
    }

    @Test func noUsableLocalHeaderFailsTheSource() throws {
        let dir = makeTempDir("zipjunk")
        var bytes = Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 200)
        bytes[26] = 0xFF  // a name longer than the file
        try writeBytes(dir + "/junk.wacz", bytes)
        #expect(throws: ZipArchive.Error.self) { try ZipArchive(path: dir + "/junk.wacz") }
    }
}

// MARK: helpers

private func texts(_ r: RunResult) -> [String] { r.documents.map { "\($0.url) \($0.title ?? "") \($0.text)" } }

/// Writes `members` (name, bytes, deflated?) with Python's zipfile; `seekable: false` writes
/// through a pipe, so every member gets a data descriptor.
private func pythonZip(_ path: String, _ members: [(String, [UInt8], Bool)], seekable: Bool = true) throws {
    let dir = makeTempDir("zipsrc")
    var spec: [[Any]] = []
    for (k, m) in members.enumerated() {
        try writeBytes(dir + "/\(k)", m.1)
        spec.append([m.0, dir + "/\(k)", m.2])
    }
    let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
    let script = """
        import sys, json, zipfile
        spec, out = json.loads(sys.argv[1]), sys.argv[2]
        def write(fp):
            with zipfile.ZipFile(fp, "w") as z:
                for name, src, deflate in spec:
                    info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 12, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
                    with z.open(info, "w") as f, open(src, "rb") as s:
                        f.write(s.read())
        if out == "-":
            write(sys.stdout.buffer)
        else:
            with open(out, "wb") as f:
                write(f)
        """
    let out = try PythonChecker.output(script, arguments: [json, seekable ? path : "-"])
    if !seekable { try writeBytes(path, [UInt8](out)) }
}

/// Items a reader yields for `path`: records read, and skips.
private func readItems(_ path: String, _ reader: SourceReader) throws -> (records: Int, skips: [Skip]) {
    var records = 0
    var skips: [Skip] = []
    try reader.read(path) { item in
        switch item {
        case .record: records += 1
        case .outcome(.skipped(let s), _): skips.append(s)
        default: break
        }
        return true
    }
    return (records, skips)
}

private func find(_ needle: [UInt8], in hay: [UInt8], from: Int = 0) -> Int? {
    guard hay.count >= needle.count else { return nil }
    return (from...(hay.count - needle.count)).first { hay[$0..<($0 + needle.count)].elementsEqual(needle) }
}

private func get16(_ b: [UInt8], _ k: Int) -> Int { Int(b[k]) | Int(b[k + 1]) << 8 }
private func get32(_ b: [UInt8], _ k: Int) -> Int { get16(b, k) | get16(b, k + 2) << 16 }
private func put16(_ b: inout [UInt8], _ k: Int, _ v: Int) { b[k] = UInt8(v & 0xFF); b[k + 1] = UInt8(v >> 8 & 0xFF) }
private func put32(_ b: inout [UInt8], _ k: Int, _ v: Int) { put16(&b, k, v & 0xFFFF); put16(&b, k + 2, v >> 16) }

/// The central directory of a plain (not ZIP64), comment-less ZIP: its offset, the end
/// record's offset, and where each entry starts.
private func centralDirectory(_ b: [UInt8]) -> (offset: Int, eocd: Int, entries: [Int])? {
    let eocd = b.count - 22
    guard eocd >= 0, get32(b, eocd) == 0x0605_4b50 else { return nil }
    let offset = get32(b, eocd + 16), size = get32(b, eocd + 12)
    var entries: [Int] = []
    var p = offset
    while p + 46 <= offset + size, get32(b, p) == 0x0201_4b50 {
        entries.append(p)
        p += 46 + get16(b, p + 28) + get16(b, p + 30) + get16(b, p + 32)
    }
    return (offset, eocd, entries)
}

/// `b` with the directory entry named `name` repeated `times` more times (all pointing at the
/// same local header): the cheapest zip bomb.
private func repeatEntry(_ b: [UInt8], named name: String, times: Int) throws -> [UInt8] {
    guard let cd = centralDirectory(b) else { throw TestFailure("no directory") }
    var out = Array(b[0..<cd.offset])
    for (k, p) in cd.entries.enumerated() {
        let end = k + 1 < cd.entries.count ? cd.entries[k + 1] : cd.eocd
        let entry = Array(b[p..<end])
        let n = get16(b, p + 28)
        out += entry
        if String(decoding: b[(p + 46)..<(p + 46 + n)], as: UTF8.self) == name {
            for _ in 0..<times { out += entry }
        }
    }
    var eocd = Array(b[cd.eocd...])
    put16(&eocd, 8, cd.entries.count + times)
    put16(&eocd, 10, cd.entries.count + times)
    put32(&eocd, 12, out.count - cd.offset)
    return out + eocd
}
