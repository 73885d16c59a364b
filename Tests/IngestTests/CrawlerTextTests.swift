import Foundation
import Ingest
import Support
import Testing
import TextTestSupport

/// Crawler-made pages, titles and text in WACZs (issue 11): a package made by PyPI `wacz
/// create -t --detect-pages`, and one shaped like Browsertrix's output (pages.jsonl with `text`,
/// `urn:text:` records, a signed datapackage-digest.json) written by warcio and zipfile.
@Suite(.tags(.python), .needsExternalTools) struct CrawlerTextTests {
    let dir = makeTempDir("crawler-text")

    /// The real extractor, as `indexer build` runs it.
    func run(_ path: String) throws -> RunResult {
        var r = RunResult()
        var pipeline = Pipeline(reader: SourceReader(), builder: .standard())
        pipeline.workers = 2
        pipeline.batchRecords = 3
        r.summary = try pipeline.run(
            [path], transform: { $0 },
            consume: { o in
                r.outcomes.append(o)
                if case .document(let d, _) = o { r.documents.append(d) }
            })
        return r
    }

    /// A WARC by warcio: responses, requests (`body` their Referer, concurrent to the response
    /// before) and text resources, in the order given.
    static let writer = """
        import io, json, sys
        from warcio.warcwriter import WARCWriter
        from warcio.statusandheaders import StatusAndHeaders
        spec = json.load(sys.stdin)
        with open(sys.argv[1], 'wb') as f:
            w = WARCWriter(f, gzip=True)
            for r in spec:
                if r['type'] == 'request':
                    h = StatusAndHeaders('GET / HTTP/1.1', [('Referer', r['body'])], is_http_request=True)
                    rec = w.create_warc_record(r['url'], 'request', http_headers=h,
                                               warc_headers_dict={'WARC-Date': '2024-05-01T12:00:00Z', 'WARC-Concurrent-To': last})
                elif r['type'] == 'response':
                    h = StatusAndHeaders('200 OK', [('Content-Type', r.get('mime', 'text/html; charset=utf-8'))], protocol='HTTP/1.1')
                    rec = w.create_warc_record(r['url'], 'response', payload=io.BytesIO(r['body'].encode()), http_headers=h,
                                               warc_headers_dict={'WARC-Date': '2024-05-01T12:00:00Z'})
                else:
                    rec = w.create_warc_record(r['url'], 'resource', payload=io.BytesIO(r['body'].encode()),
                                               warc_content_type='text/plain', warc_headers_dict={'WARC-Date': '2024-05-01T12:00:05Z'})
                w.write_record(rec)
                last = rec.rec_headers.get_header('WARC-Record-ID')
        """

    func warc(_ path: String, _ records: [[String: String]]) throws {
        let spec = String(decoding: JSON.array(records.map { .object($0.mapValues { .string($0) }) }).canonical, as: UTF8.self)
        _ = try PythonChecker.output(Self.writer, arguments: [path], input: Data(spec.utf8))
    }

    static let article =
        "<html><head><title>Rye bread</title></head><body><article><h1>Rye bread</h1>"
        + "<p>A dense rye loaf with caraway seeds, proved overnight and baked in a covered pot for an hour.</p></article></body></html>"

    @Test func waczCreateDetectPagesWithText() throws {
        let warc = dir + "/crawl.warc.gz"
        try self.warc(
            warc,
            [
                ["type": "response", "url": "http://example.com/rye.html", "body": Self.article],
                [
                    "type": "response", "url": "http://example.com/untitled.html",
                    "body": "<html><body><p>Spelt flour keeps well in a cool dry place for months.</p></body></html>",
                ],
                // Not a page: wacz lists only HTML, so this text capture is left out.
                ["type": "response", "url": "http://example.com/notes.txt", "mime": "text/plain", "body": "barley notes that are not a page"],
                // wacz calls a capture a page when a request names it as its Referer, as a browser's do.
                ["type": "response", "url": "http://example.com/a.css", "mime": "text/css", "body": "p {}"],
                ["type": "request", "url": "http://example.com/a.css", "body": "http://example.com/rye.html"],
                ["type": "response", "url": "http://example.com/b.css", "mime": "text/css", "body": "p {}"],
                ["type": "request", "url": "http://example.com/b.css", "body": "http://example.com/untitled.html"],
            ])
        let wacz = dir + "/crawl.wacz"
        _ = try PythonChecker.output(arguments: ["-m", "wacz", "create", "-t", "--detect-pages", "-o", wacz, warc])
        let r = try run(wacz)
        #expect(r.summary.skippedCount == 0, "\(r.summary.skipped)")
        #expect(r.documents.map(\.url).sorted() == ["http://example.com/rye.html", "http://example.com/untitled.html"])
        #expect(r.summary.ignored["not in the WACZ's page list"] == 3)  // notes.txt and the two stylesheets
        let rye = try #require(r.documents.first { $0.url.hasSuffix("rye.html") })
        #expect(rye.title == "Rye bread" && rye.text.contains("caraway seeds"))
        // wacz titles an untitled page with its URL: a placeholder, not a title.
        #expect(r.documents.first { $0.url.hasSuffix("untitled.html") }?.title == nil)

        // datapackage-digest.json guards datapackage.json: an edited one is reported.
        let edit = """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z, zipfile.ZipFile(sys.argv[2], "w") as out:
                for info in z.infolist():
                    data = z.read(info)
                    if info.filename == "datapackage.json":
                        data = data.replace(b'"title"', b'"title" ', 1) if b'"title"' in data else data + b" "
                    out.writestr(info, data)
            """
        _ = try PythonChecker.output(arguments: ["-c", edit, wacz, dir + "/edited.wacz"])
        let edited = try run(dir + "/edited.wacz")
        #expect(edited.summary.skippedByReason["datapackage digest mismatch"] == 1)
        #expect(edited.documents.count == 2)
    }

    /// Browsertrix's shape: page list with rendered text and titles, `urn:text:` records after
    /// their pages' responses, a signed digest.
    @Test func browsertrixShapedWACZ() throws {
        let shell = "<html><head><title>React App</title></head><body><div id=\"root\"></div><noscript>Enable JavaScript.</noscript></body></html>"
        let warc = dir + "/rec.warc.gz"
        try self.warc(
            warc,
            [
                ["type": "response", "url": "https://app.example/sourdough", "body": shell],
                ["type": "response", "url": "https://app.example/starter", "body": shell],
                ["type": "response", "url": "https://app.example/api/feed.html", "body": "<p>feed fragment loaded by script</p>"],
                ["type": "response", "url": "https://app.example/static", "body": Self.article],
                [
                    "type": "resource", "url": "urn:text:https://app.example/starter",
                    "body": "Feeding a starter: discard half, add equal weights of flour and water, wait until it doubles.",
                ],
            ])
        let pages =
            [
                #"{"format": "json-pages-1.0", "id": "pages", "title": "All Pages", "hasText": true}"#,
                #"{"id": "1", "url": "https://app.example/sourdough", "ts": "2024-05-01T12:00:00Z", "title": "Sourdough guide", "text": "Sourdough needs a lively starter, a long cold proof and a very hot oven with steam. Score the loaf before baking and let it cool for an hour."}"#,
                #"{"id": "2", "url": "https://app.example/starter", "ts": "2024-05-01T12:00:00Z", "title": "Starter care"}"#,
                #"{"id": "3", "url": "https://app.example/static", "ts": "2024-05-01T12:00:00Z", "title": "Rye (listed)", "text": "Rye bread, menu, login, footer"}"#,
            ].joined(separator: "\n") + "\n"
        let package = """
            import hashlib, json, sys, zipfile
            warc, pages, out = sys.argv[1:4]
            members = {"archive/rec.warc.gz": open(warc, "rb").read(), "pages/pages.jsonl": pages.encode()}
            dp = json.dumps({"profile": "data-package", "wacz_version": "1.1.1", "resources": [
                {"name": n.split("/")[-1], "path": n, "hash": "sha256:" + hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                for n, b in members.items()]}).encode()
            h = "sha256:" + hashlib.sha256(dp).hexdigest()
            digest = {"path": "datapackage.json", "hash": h, "signedData": {"hash": h, "created": "2024-05-01T12:10:00Z",
                      "software": "authsign 0.5.0", "domain": "signer.archive.example", "signature": "MGUCMQ==", "domainCert": "-----BEGIN CERTIFICATE-----"}}
            with zipfile.ZipFile(out, "w") as z:
                for n, b in members.items():
                    z.writestr(zipfile.ZipInfo(n), b)
                z.writestr("datapackage.json", dp)
                z.writestr("datapackage-digest.json", json.dumps(digest))
            """
        let wacz = dir + "/rec.wacz"
        _ = try PythonChecker.output(arguments: ["-c", package, warc, pages, wacz])
        let r = try run(wacz)
        #expect(r.summary.skippedCount == 0, "\(r.summary.skipped)")
        let byURL = Dictionary(uniqueKeysWithValues: r.documents.map { ($0.url, $0) })
        #expect(byURL.keys.sorted() == ["https://app.example/sourdough", "https://app.example/starter", "https://app.example/static"])
        // The app shell's HTML has next to no text: pages.jsonl's rendered text and title replace it.
        #expect(byURL["https://app.example/sourdough"]?.title == "Sourdough guide")
        #expect(byURL["https://app.example/sourdough"]?.text.hasPrefix("Sourdough needs a lively starter") == true)
        // Its text came in a urn:text: record after the response, which waited for it.
        #expect(byURL["https://app.example/starter"]?.text.contains("equal weights of flour and water") == true)
        #expect(byURL["https://app.example/starter"]?.title == "Starter care")
        // A page whose HTML has its text keeps the extraction (no boilerplate) and its own title.
        #expect(byURL["https://app.example/static"]?.title == "Rye bread")
        #expect(byURL["https://app.example/static"]?.text.contains("caraway seeds") == true)
        #expect(!r.documents.contains { $0.url.hasPrefix("urn:") })
        #expect(r.summary.ignored["crawler text record (used for its page)"] == 1)
        #expect(r.summary.ignored["not in the WACZ's page list"] == 1)
        // The signer is named, and what was not verified is said.
        let notice = try #require(r.summary.notices.first)
        #expect(notice.contains("signer.archive.example") && notice.contains("not verified"))
    }

    /// Held page records are bounded: a WACZ whose text records never come still yields every
    /// page, in order, within a tiny memory bound.
    @Test func heldPagesAreBounded() throws {
        let warc = dir + "/many.warc.gz"
        let n = 80
        try self.warc(
            warc, (0..<n).map { ["type": "response", "url": "https://x.example/\($0)", "body": "<title>P\($0)</title><p>page \($0) body text</p>"] })
        let list = (0..<n).map { #"{"url": "https://x.example/\#($0)", "title": "Listed \#($0)"}"# }.joined(separator: "\n")
        let package = """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[3], "w") as z:
                z.writestr("archive/many.warc.gz", open(sys.argv[1], "rb").read())
                z.writestr("pages/pages.jsonl", sys.argv[2])
            """
        _ = try PythonChecker.output(arguments: ["-c", package, warc, list, dir + "/many.wacz"])
        var reader = SourceReader()
        reader.maxPendingSegments = 2000  // a few records at most
        var urls: [String] = []
        try reader.read(dir + "/many.wacz") { item in
            if case .record(let r, let page) = item {
                urls.append(r.header.targetURI ?? "")
                #expect(page?.title != nil)
            }
            return true
        }
        #expect(urls == (0..<n).map { "https://x.example/\($0)" })
    }
}

/// Records about the crawl rather than captures of it.
@Suite struct CrawlMetadataTests {
    /// wget's `--warc-file` output ends with its arguments and log as `resource` records at
    /// `metadata://` URIs (text/plain, so they would pass as documents); they are left out.
    @Test func wgetsMetadataResourcesAreNoDocuments() throws {
        func resource(_ uri: String, _ text: String) -> [UInt8] {
            let block = Array(text.utf8)
            let head =
                "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: <\(uri)>\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
                + "Content-Type: text/plain\r\nContent-Length: \(block.count)\r\n\r\n"
            return Array(head.utf8) + block + Array("\r\n\r\n".utf8)
        }
        let page = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nSourdough notes".utf8)
        let bytes =
            record(type: "response", uri: "http://a.test/", block: page)
            + resource("metadata://gnu.org/software/wget/warc/wget_arguments.txt", "\"--warc-file=crawl\" \"http://a.test/\"")
            + resource("metadata://gnu.org/software/wget/warc/wget.log", "Saving to: 'index.html' sourdough")
            + resource("http://a.test/notes.txt", "A resource at a web URL stays a document")
        let dir = makeTempDir("crawl-metadata")
        try writeBytes(dir + "/wget.warc", bytes)
        let out = try ingest([dir + "/wget.warc"])
        #expect(out.documents.map(\.url) == ["http://a.test/", "http://a.test/notes.txt"])
        #expect(out.summary.ignored["crawl metadata record (metadata:)"] == 2)
        #expect(out.summary.skipped.isEmpty)
    }
}
