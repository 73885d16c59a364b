import Blocks
import Ingest
import Support
import Testing

@testable import Index

/// Replay link templates (the styles, where values are encoded, what is refused) and where a
/// group's template lives: in its signed version.
@Suite struct ReplayTemplateTests {
    // 2024-03-02T10:00:05Z
    let capture = ReplayTemplate.Capture(
        url: "http://example.com/a b?x=1&y=ü#frag", date: 1_709_373_605, recordID: "<urn:uuid:1234>",
        file: "coll.wacz#archive/data.warc.gz", offset: 4096)

    @Test func styles() throws {
        #expect(ReplayTemplate.timestamp(1_709_373_605) == "20240302100005")
        let pywb = try ReplayTemplate("pywb:http://localhost:8080/coll/")
        #expect(pywb.text == "http://localhost:8080/coll/{timestamp}/{url}")
        // In a path the archived URL keeps its query (wayback tools read it from there); what a
        // path cannot hold, its fragment's # and non-ASCII, is encoded.
        #expect(pywb.link(capture) == "http://localhost:8080/coll/20240302100005/http://example.com/a%20b?x=1&y=%C3%BC%23frag")
        #expect(try ReplayTemplate("openwayback:https://wb.example/wayback").text == "https://wb.example/wayback/{timestamp}/{url}")
        #expect(
            try ReplayTemplate("solrwayback:http://localhost:8080/solrwayback").link(capture)
                == "http://localhost:8080/solrwayback/services/web/20240302100005/http://example.com/a%20b?x=1&y=%C3%BC%23frag")
        // ReplayWeb.page: the source and every value in the query and fragment fully encoded.
        let rwp = try ReplayTemplate("replayweb:https://files.example/crawls/")
        #expect(
            rwp.link(capture)
                == "https://replayweb.page/?source=https%3A%2F%2Ffiles.example%2Fcrawls%2Fcoll.wacz#view=pages&url=http%3A%2F%2Fexample.com%2Fa%20b%3Fx%3D1%26y%3D%C3%BC%23frag&ts=20240302100005"
        )
        #expect(
            try ReplayTemplate("replayweb:https://files.example/one.wacz").link(capture)?.hasPrefix(
                "https://replayweb.page/?source=https%3A%2F%2Ffiles.example%2Fone.wacz#view=pages&url=") == true)
    }

    @Test func customTemplate() throws {
        let t = try ReplayTemplate("https://archive.example/r?id={recordId}&f={file}&o={offset}&a={archive}")
        #expect(t.link(capture) == "https://archive.example/r?id=%3Curn%3Auuid%3A1234%3E&f=coll.wacz%23archive%2Fdata.warc.gz&o=4096&a=coll.wacz")
        let path = try ReplayTemplate("https://archive.example/files/{file}/{offset}")
        #expect(path.link(capture) == "https://archive.example/files/coll.wacz%23archive/data.warc.gz/4096")
        // A value the capture lacks: no link rather than a broken one.
        var site = capture
        site.recordID = nil
        site.date = nil
        #expect(t.link(site) == nil)
        #expect(try ReplayTemplate("pywb:http://h/c").link(site) == nil)
        var log = capture
        log.url = "metadata://gnu.org/software/wget/warc/wget.log"
        #expect(t.link(log) == nil)
    }

    /// A template cannot make a link that runs script or points at a host chosen by the capture.
    @Test(arguments: [
        "javascript:alert(1)//{url}", "{url}", "http://{url}", "https://{file}.evil.example/x", "https://user@evil.example/{url}",
        "data:text/html,{url}", "pywb:javascript:alert(1)", "ftp://h/{url}",
    ])
    func refusesSchemesAndHostsThatAreNotLiteralHTTP(_ spec: String) {
        #expect(throws: ReplayTemplate.Invalid.self) { try ReplayTemplate(spec) }
    }

    /// Nor can a capture: a WARC's target URI, record ID and file name are whatever its writer
    /// put there. Every link stays on the template's own host (its literal text before the first
    /// placeholder is kept as is) and holds nothing that ends a double-quoted HTML attribute or
    /// a URL (quotes, angle brackets, spaces, backslashes, controls), whatever the values.
    @Test func hostileCapturesStayOnTheTemplatesHost() throws {
        let urls = [
            "http://h.test/a\"><script>alert(1)</script>", "http://h.test/with space/and<angle>",
            "http://h.test/frag#\"><img src=x onerror=alert(2)>", "https://h.test/\\\\evil.test/x", "http://h.test/%0d%0a\r\nX: y",
            "http://h.test/q?a=1&b='2'#x", "http://h.test/" + String(repeating: "L", count: 20_000), "HTTP://h.test/\u{0}\u{7F}é",
            "javascript:alert(3)//http://h.test/", "JavaScript:alert(4)", "data:text/html,<script>alert(5)</script>", " http://h.test/",
        ]
        let templates = [
            "pywb:http://wb.example/coll", "solrwayback:https://wb.example/solrwayback", "replayweb:https://files.example/crawls/",
            "https://r.example/x/{file}/{archive}/{offset}/{url}?u={url}&id={recordId}&f={file}#t={timestamp}&u={url}",
        ]
        for spec in templates {
            let t = try ReplayTemplate(spec)
            let fixed = String(t.text.prefix { $0 != "{" })
            for url in urls {
                let capture = ReplayTemplate.Capture(
                    url: url, date: 1_709_373_605, recordID: "<urn:uuid:1>\"><x>", file: "a\"b <c>#archive/d e.warc", offset: 1)
                guard let link = t.link(capture) else {
                    #expect(!url.lowercased().hasPrefix("http"), "\(spec): no link for \(url)")
                    continue
                }
                #expect(link.hasPrefix(fixed), "\(spec): \(link)")
                let bad = link.unicodeScalars.first { $0.value <= 0x20 || $0.value >= 0x7F || "\"<>\\`^{}|".unicodeScalars.contains($0) }
                #expect(bad == nil, "\(spec): \(url) gave \(link.prefix(200))")
            }
        }
    }

    @Test(arguments: ["https://h/{nope}", "https://h/{url", "https://h/}", "webrecorder:https://h/"])
    func refusesMalformedTemplates(_ spec: String) {
        #expect(throws: ReplayTemplate.Invalid.self) { try ReplayTemplate(spec) }
    }

    /// The template is part of what the group signs: a merger or host that rewrites it (to send
    /// readers elsewhere) breaks the version's signature.
    @Test func versionSignsItsTemplate() throws {
        let key = GroupKey.generate()
        let v = try GroupVersion.signed(
            key: key, sequence: 1, created: "2024-01-01T00:00:00Z", analyzer: "a", segments: [], replay: "https://wb.example/{timestamp}/{url}")
        #expect(v.signatureIsValid)
        let decoded = try GroupVersion(cbor: DagCBOR.decode(v.cbor.encode()))
        #expect(decoded.replay == "https://wb.example/{timestamp}/{url}" && decoded.signatureIsValid)
        var forged = decoded
        forged.replay = "https://evil.example/{timestamp}/{url}"
        #expect(!forged.signatureIsValid)
        // Without a template the block has no `replay` key, so versions signed before it verify.
        let plain = try GroupVersion.signed(key: key, sequence: 1, created: "2024-01-01T00:00:00Z", analyzer: "a", segments: [])
        #expect(plain.cbor["replay"] == nil)
    }

    @Test func recordsKeepTheirCapture() throws {
        let r = DocRecord(
            url: "http://e/", title: "t", date: 5, lang: nil, mime: "text/html", bodyLength: 1, titleLength: 1, digest: [1],
            source: "crawl.warc.gz:1234+56", recordID: "<urn:uuid:9>")
        let back = try DocRecord(encoded: r.encoded)
        #expect(back == r)
        #expect(back.sourceLocation?.file == "crawl.warc.gz" && back.sourceLocation?.offset == 1234)
        var site = r
        site.recordID = nil
        site.source = "c:/odd:name"
        #expect(try DocRecord(encoded: site.encoded).recordID == nil)
        #expect(site.sourceLocation == nil)
    }

    @Test func sourcesAreNamedWithoutLocalPaths() {
        let names = SourceNames(["/home/alice/crawls/2024.warc.gz", "/srv/a/site/", "/srv/b/site", "../x/c.wacz"])
        #expect(names.names == ["2024.warc.gz", "a/site", "b/site", "c.wacz"])
        #expect(names.name(of: SourceRef(file: "/home/alice/crawls/2024.warc.gz", offset: 10, inner: 3)) == "2024.warc.gz:10+3")
        #expect(names.name(of: SourceRef(file: "/srv/a/site/docs/x.html")) == "a/site/docs/x.html:0")
        #expect(names.name(of: SourceRef(file: "/srv/b/site/y.md")) == "b/site/y.md:0")
        #expect(names.name(of: SourceRef(file: "../x/c.wacz#archive/data.warc", offset: 7)) == "c.wacz#archive/data.warc:7")
    }
}
