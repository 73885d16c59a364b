import Testing
import TextTestSupport

@testable import Ingest

/// Every test here reads fixtures warcio writes (Python).
@Suite(.tags(.python), .needsExternalTools) struct WARCFixtureTests {
    @Test(arguments: ["pages.warc", "pages.warc.gz", "pages11.warc.gz"])
    func documentCountsMatchWarcio(_ name: String) throws {
        let expected = try warcioCounts(name)
        let r = try ingest([try fixture(name)])
        #expect(r.documents.count == expected.documents)
        #expect(r.summary.records == expected.types.values.reduce(0, +))
        #expect(r.summary.skipped.isEmpty, "\(r.summary.skipped)")
        #expect(r.summary.ignored["warc type request"] == expected.types["request"])
        let first = try #require(r.documents.first)
        #expect(first.url == "http://example.com/page0.html")
        #expect(first.title == "Page 0")
        #expect(first.dateISO == "2024-05-01T12:00:00Z")
        #expect(first.mime == "text/html")
        #expect(first.httpStatus == 200)
        #expect(r.documents.map(\.url) == (0..<50).map { "http://example.com/page\($0).html" })
    }

    @Test(arguments: ["pages.warc.zst", "pages-dict.warc.zst"])
    func zstdWARCsGiveTheSameDocuments(_ name: String) throws {
        let plain = try ingest([try fixture("pages.warc")])
        let z = try ingest([try fixture(name)])
        #expect(z.summary.skipped.isEmpty, "\(z.summary.skipped)")
        #expect(z.documents.map(\.digest) == plain.documents.map(\.digest))
        #expect(z.documents.count == 50)
        // Each record is its own frame, so every record offset is a frame start.
        #expect(z.documents.allSatisfy { $0.source.inner == 0 })
        #expect(Set(z.documents.map(\.source.offset)).count == 50)
    }

    @Test func gzipOffsetsPointAtMembers() throws {
        let path = try fixture("pages.warc.gz")
        let r = try ingest([path])
        let bytes = try readBytes(path)
        for d in r.documents {
            #expect(d.source.inner == 0)
            let o = Int(d.source.offset)
            #expect(bytes[o] == 0x1f && bytes[o + 1] == 0x8b, "offset \(o) is not a gzip member")
        }
    }

    @Test func plainOffsetsPointAtVersionLines() throws {
        let path = try fixture("pages.warc")
        let r = try ingest([path])
        let bytes = try readBytes(path)
        for d in r.documents {
            let o = Int(d.source.offset)
            #expect(Array(bytes[o..<o + 9]) == Array("WARC/1.0\r".utf8))
        }
    }

    /// Each encoded response of features.warc.gz (path, and the word its body and title hold).
    @Test(arguments: [
        ("chunked", "chunked"), ("gzip", "gzipped"), ("deflate", "deflated"), ("rawdeflate", "rawdeflated"),
        ("br", "brotli"), ("stacked", "stacked"), ("chunked-gzip", "chunkgz"), ("unlabelled", "sniffed"),
        ("bad-gzip", "notreallygzip"), ("segmented", "segmented"),
    ])
    func featuresDecode(_ path: String, _ word: String) throws {
        let r = try ingest([try fixture("features.warc.gz")])
        let d = try #require(r.documents.first { $0.kind == .response && $0.url == "http://f.test/\(path)" }, "no document for \(path)")
        #expect(d.text.contains("\(word) body text"), "\(path): \(d.text)")
        #expect(d.title == word)
    }

    @Test func featuresMatchWarcioAndDecode() throws {
        let expected = try warcioCounts("features.warc.gz")
        let r = try ingest([try fixture("features.warc.gz")])
        #expect(r.documents.count == expected.documents)
        #expect(r.summary.skipped.isEmpty, "\(r.summary.skipped)")
        let byURL = Dictionary(r.documents.filter { $0.kind == .response }.map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byURL["http://f.test/latin1.txt"]?.text == "café crème")
        #expect(byURL["http://f.test/missing"] == nil)
        #expect(r.summary.ignored["http status 4xx"] == 1)
        #expect(r.summary.ignored["non-text image/png"] == 1)
        #expect(r.summary.ignored["warc type metadata"] == 1)
        #expect(r.summary.recovered["Content-Encoding gzip not decodable; raw body used"] == 1)
        let revisit = try #require(r.documents.first { $0.kind == .revisit })
        #expect(revisit.revisit?.refersTo == "<urn:uuid:00000000-0000-4000-8000-000000005002>")
        #expect(revisit.revisit?.refersToTargetURI == "http://f.test/gzip")
        #expect(revisit.payloadDigest == "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        #expect(revisit.text.isEmpty)
        #expect(r.documents.contains { $0.kind == .resource && $0.text == "plain resource words" && $0.mime == "text/plain" })
        #expect(r.documents.contains { $0.kind == .conversion && $0.text == "converted text words" })
    }

    @Test func singleThreadAndParallelAgree() throws {
        let sources = [try fixture("pages.warc.gz"), try fixture("features.warc.gz"), try fixture("pages-dict.warc.zst")]
        let one = try ingest(sources, workers: 1)
        let four = try ingest(sources, workers: 4)
        #expect(one.documents == four.documents)
        #expect(one.documents.count == 50 + 14 + 50)
    }
}
