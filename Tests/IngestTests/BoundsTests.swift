import Support
import Testing
import Zlib

@testable import Ingest

/// What a hostile source can make ingest hold: the skip report, and the bounds a build's
/// memory budget sets (issue 10).
struct BoundsTests {
    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = makeTempDir("bounds") + "/" + name
        try writeBytes(path, bytes)
        return path
    }

    func run(_ path: String, _ pipeline: Pipeline) throws -> (documents: [Document], summary: IngestSummary) {
        var docs: [Document] = []
        let summary = try pipeline.run(
            [path], transform: { $0 },
            consume: { if case .document(let d, _) = $0 { docs.append(d) } })
        return (docs, summary)
    }

    /// 3,000 records each followed by a junk line: every skip counted, only the first N kept.
    @Test(arguments: [100, 7]) func skipReportsKeepCountsAndTheFirstExamples(_ examples: Int) throws {
        var recs: [[UInt8]] = []
        var junkOffsets: [Int64] = []
        var at = 0
        for i in 0..<3000 {
            let r = ARCTests.record(ARCTests.pageURL(i), "text/html", ARCTests.http(ARCTests.pageBody(i)))
            let junk = Array("junk after record \(i)\n".utf8)
            recs += [r, junk]
            junkOffsets.append(Int64(at + r.count))
            at += r.count + junk.count
        }
        let path = try write(Array(recs.joined()), "junk.arc")
        var pipeline = Pipeline(reader: SourceReader(), builder: DocumentBuilder(html: rawHTML))
        pipeline.workers = 2
        pipeline.batchRecords = 13
        if examples != 100 { pipeline.maxSkipExamples = examples }
        let (docs, s) = try run(path, pipeline)
        #expect(docs.count == 3000)
        #expect(s.skippedByReason == ["unreadable bytes": 3000])
        #expect(s.skippedCount == 3000 && s.skippedNotListed == 3000 - examples)
        #expect(s.skipped.map(\.source.offset) == Array(junkOffsets.prefix(examples)))
    }

    /// One record with a 9 MB page and one whose 1.5 MB text is gzip-encoded: over the
    /// bounds a 16 MiB budget sets (2 MiB kept whole, 1 MiB decoded), skipped with file and
    /// offset; within the default 512 MiB's, indexed.
    @Test func boundsFollowTheMemoryBudget() throws {
        let big = "<html><title>big</title><p>" + String(repeating: "lorem ipsum ", count: 3 << 18) + "</p></html>"
        let text = Array(String(repeating: "dolor sit amet ", count: 100_000).utf8)
        let packed = Zlib.compress(text, format: .gzip)
        let encoded =
            Array("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: \(packed.count)\r\n\r\n".utf8) + packed
        let recs = [
            ARCTests.record(ARCTests.pageURL(0), "text/html", ARCTests.http(ARCTests.pageBody(0))),
            ARCTests.record("http://example.net/big.html", "text/html", ARCTests.http(big)),
            ARCTests.record("http://example.net/encoded.txt", "text/plain", encoded),
        ]
        let path = try write(Array(recs.joined()), "big.arc")
        let base = Pipeline(reader: SourceReader(), builder: DocumentBuilder(html: rawHTML))

        let roomy = try run(path, base.bounded(memoryBytes: 512 << 20))
        #expect(roomy.documents.map(\.url) == [ARCTests.pageURL(0), "http://example.net/big.html", "http://example.net/encoded.txt"])
        #expect(roomy.summary.skippedCount == 0)

        let small = base.bounded(memoryBytes: 16 << 20)
        #expect(small.reader.limits.maxBlock == 2 << 20 && small.builder.limits.maxDecodedBytes == 1 << 20)
        #expect(small.reader.maxMetadataBytes == 2 << 20)
        #expect(small.reader.limits.maxHeader == 64 << 10 && small.reader.zipLimits.ratioAllowance == 1 << 20)
        let defaults = base.bounded(memoryBytes: 512 << 20)
        #expect(defaults.reader.limits.maxHeader == WARCReader.Limits().maxHeader)
        #expect(defaults.reader.zipLimits.ratioAllowance == ZipArchive.Limits().ratioAllowance)
        let tight = try run(path, small)
        #expect(tight.documents.map(\.url) == [ARCTests.pageURL(0)])
        #expect(tight.summary.skipped.map(\.reason) == ["record too large", "payload too large"])
        #expect(tight.summary.skipped.map(\.source) == [1, 2].map { SourceRef(file: path, offset: Int64(recs[0..<$0].map(\.count).reduce(0, +))) })
    }

    /// A gzip member of 64 MiB of zeros (about 64 KiB packed) between records of a WARC.gz: past
    /// the ratio cap (1000:1 beyond 1 MiB at a 64 MiB budget) it is reported as a decompression
    /// bomb and the rest of it skipped unread; the records around it are kept.
    @Test func gzipBombMemberStopsAtTheRatioCap() throws {
        func record(_ i: Int) -> [UInt8] {
            let body = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npage \(i)".utf8)
            let head = "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.net/\(i)\r\nContent-Length: \(body.count)\r\n\r\n"
            return Zlib.compress(Array(head.utf8) + body + Array("\r\n\r\n".utf8), format: .gzip)
        }
        let bomb = Zlib.compress([UInt8](repeating: 0, count: 64 << 20), format: .gzip)
        let before = record(0) + record(1)
        let path = try write(before + bomb + record(2), "bomb.warc.gz")
        let base = Pipeline(reader: SourceReader(), builder: DocumentBuilder(html: rawHTML))
        let (docs, s) = try run(path, base.bounded(memoryBytes: 64 << 20))
        #expect(docs.map(\.url) == (0..<3).map { "http://example.net/\($0)" })
        #expect(s.skippedCount == 1)
        let skip = try #require(s.skipped.first)
        #expect(skip.detail.contains("decompression bomb"), "\(skip)")
        #expect((Int64(before.count)..<Int64(before.count + bomb.count)).contains(skip.source.offset), "\(skip)")
    }

    /// A site file larger than the block bound is skipped, naming the file.
    @Test func siteFilesFollowTheBlockBound() throws {
        let dir = makeTempDir("bounds-site")
        try writeBytes(dir + "/a.html", Array("<title>a</title><p>small</p>".utf8))
        try writeBytes(dir + "/big.txt", Array(repeating: 0x61, count: 3 << 20))
        let base = Pipeline(reader: SourceReader(), builder: DocumentBuilder(html: rawHTML))
        #expect(try run(dir, base).documents.count == 2)
        let tight = try run(dir, base.bounded(memoryBytes: 16 << 20))
        #expect(tight.documents.count == 1)
        #expect(tight.summary.skipped.map(\.source.file) == [dir + "/big.txt"])
        #expect(tight.summary.skipped.first?.detail.contains("larger than \(2 << 20) bytes") == true)
    }
}
