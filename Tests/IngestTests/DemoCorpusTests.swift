import Support
import Testing

@testable import Ingest

/// The committed demo corpus (Corpora/demo, written by warcio) through the real HTML step.
@Suite struct DemoCorpusTests {
    let demo = packageRoot + "/Corpora/demo"

    func expected(_ key: String, _ field: String) throws -> Int {
        let json = try JSON.parse(try readBytes(demo + "/EXPECTED.json"), options: .metadata)
        return Int(try #require(json[key]?[field]?.number))
    }

    @Test func groupAWithRealExtraction() throws {
        let r = try ingest([demo + "/group-a/web.warc.gz"], html: HTMLStep.extract)
        #expect(r.summary.skipped.isEmpty, "\(r.summary.skipped)")
        let html = r.documents.filter { $0.mime == "text/html" && ($0.kind == .response || $0.kind == .resource) }
        #expect(html.count == (try expected("group-a/web.warc.gz", "html_documents")))
        #expect(r.summary.ignored["warc type request"] == (try expected("group-a/web.warc.gz", "request")))
        let byURL = Dictionary(html.map { ($0.url, $0) }, uniquingKeysWith: { a, _ in a })
        let german = try #require(byURL.first { $0.key.hasSuffix("/de/imkerei.html") }?.value)
        #expect(german.text.contains("ä") || german.text.contains("ö") || german.text.contains("ü") || german.text.contains("ß"))
        #expect(!german.text.contains("\u{FFFD}"))
        let rye = try #require(byURL.first { $0.key.hasSuffix("/bread/rye-loaf.html") }?.value)
        #expect(!rye.text.contains("\u{FFFD}"))
        #expect(byURL.first { $0.key.hasSuffix("/notes/untitled.html") }?.value.title == nil)
        #expect(byURL.first { $0.key.hasSuffix("/bikes/winter.html") }?.value.text.isEmpty == false)
        #expect(byURL.first { $0.key.hasSuffix("/sky/meteor-showers.html") }?.value.text.isEmpty == false)
        #expect(r.documents.contains { $0.kind == .resource && $0.url.hasSuffix("/flyers/lantern-workshop.html") })
        let revisit = try #require(r.documents.first { $0.kind == .revisit })
        #expect(revisit.revisit?.refersTo != nil)
        // The front page captured at / and /index.html: same content, same digest.
        let front = html.filter { $0.url.hasSuffix(".example/") || $0.url.hasSuffix(".example/index.html") }
        #expect(front.count == 2 && Set(front.map(\.digest)).count == 1)
        #expect(r.summary.ignored["robots.txt"] == 1)
    }

    @Test func groupBAndSites() throws {
        let r = try ingest([demo + "/group-b/web.warc.gz"], html: HTMLStep.extract)
        #expect(r.documents.filter { $0.mime == "text/html" }.count == (try expected("group-b/web.warc.gz", "html_documents")))
        let s = try ingest([demo + "/group-a/site-alice"], baseURL: "http://alice.example/", html: HTMLStep.extract)
        #expect(s.documents.count == (try expected("group-a/site-alice", "files")))
        #expect(s.documents.filter { $0.kind == .post }.count == (try expected("group-a/site-alice", "posts")))
        #expect(s.documents.contains { $0.url == "http://alice.example/index.html" && $0.title != nil })
    }

    @Test func jsonLinesParseBack() throws {
        let r = try ingest([demo + "/group-a/site-alice"], baseURL: "http://alice.example/", html: HTMLStep.extract)
        for d in r.documents {
            let line = d.jsonLine(length: 7, text: true)
            #expect(line.last == 0x0A)
            let v = try JSON.parse(Array(line.dropLast()), options: .metadata)
            #expect(v["url"]?.string == d.url)
            #expect(v["text"]?.string == d.text)
            #expect(v["length"]?.number == 7)
            #expect(v["date"]?.string == d.dateISO)
            #expect(v["source"]?["file"]?.string == d.source.file)
            #expect(v["tags"]?.array?.compactMap(\.string) == d.tags)
        }
    }

    @Test func dates() {
        #expect(ISODate.parse("2024-05-01T12:00:00Z") == 1_714_564_800)
        #expect(ISODate.parse("2024-05-01T14:00:00.123+02:00") == 1_714_564_800)
        #expect(ISODate.parse("20240501120000") == 1_714_564_800)
        #expect(ISODate.parse("2024-05-01") == 1_714_521_600)
        #expect(ISODate.format(1_714_564_800) == "2024-05-01T12:00:00Z")
        #expect(ISODate.format(-1) == "1969-12-31T23:59:59Z")
        #expect(ISODate.parse("2024-13-01T00:00:00Z") == nil)
        #expect(ISODate.parse("yesterday") == nil)
    }
}
