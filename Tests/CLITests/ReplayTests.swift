import Foundation
import Testing
import TextTestSupport

/// Results lead to their archived captures (issue 11): record ID, source file and offset in
/// the JSON, and a replay link from the template `build --replay` records or `search --replay`
/// gives; checked against pywb itself replaying the same WARC.
@Suite struct ReplayTests {
    /// A plain WARC of two HTML responses, written out by hand (offsets are known: the second
    /// record starts where the first ends).
    static func warc(at path: String) throws -> [Int] {
        var bytes: [UInt8] = []
        var offsets: [Int] = []
        let pages = [
            ("http://example.com/bread", "2024-03-01T10:00:00Z", "Rye bread", "A dense rye loaf with caraway."),
            ("http://example.com/cake?x=1&y=2", "2024-03-02T10:00:00Z", "Lemon cake", "A lemon drizzle cake with rye flour."),
        ]
        for (i, (url, date, title, text)) in pages.enumerated() {
            let html = "<html><head><title>\(title)</title></head><body><p>\(text)</p></body></html>"
            let http = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
            let head =
                "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000\(i)>\r\n"
                + "WARC-Date: \(date)\r\nWARC-Target-URI: \(url)\r\nContent-Type: application/http; msgtype=response\r\n"
                + "Content-Length: \(http.utf8.count)\r\n\r\n"
            offsets.append(bytes.count)
            bytes += Array((head + http + "\r\n\r\n").utf8)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return offsets
    }

    func results(_ json: String) throws -> [[String: Any]] {
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(o["results"] as? [[String: Any]])
    }

    @Test func resultsCarryTheCaptureAndTheGroupsTemplate() throws {
        let work = CLI.temp("replay")
        let offsets = try Self.warc(at: work + "/crawl-2024.warc")
        try CLI.run(["keygen", "--out", work + "/key.json"])
        // Built from an absolute path: only the file's name is published.
        let built = try CLI.run([
            "build", work + "/crawl-2024.warc", "--out", work + "/idx", "--key", work + "/key.json", "--replay", "pywb:http://wb.example/coll/", "-q",
        ])
        #expect(built.status == 0, "\(built.stderr)")
        let json = try CLI.run(["search", "lemon", "--index", work + "/idx", "--json"])
        let r = try #require(try results(json.stdout).first)
        #expect(r["recordId"] as? String == "<urn:uuid:00000000-0000-0000-0000-000000000001>")
        #expect(r["file"] as? String == "crawl-2024.warc")
        #expect(r["offset"] as? Int == offsets[1])
        #expect(r["replay"] as? String == "http://wb.example/coll/20240302100000/http://example.com/cake?x=1&y=2")
        #expect(!json.stdout.contains(work), "a local path leaked into the results")
        let manifest = try String(contentsOfFile: work + "/idx/manifest.json", encoding: .utf8)
        #expect(!manifest.contains(work))

        // People see it too, under the URL.
        let text = try CLI.run(["search", "lemon", "--index", work + "/idx"])
        #expect(text.stdout.contains("replay: http://wb.example/coll/20240302100000/http://example.com/cake?x=1&y=2"))

        // A searcher's own template wins over the group's.
        let mine = try CLI.run(["search", "bread", "--index", work + "/idx", "--json", "--replay", "https://r.example/{file}/{offset}?id={recordId}"])
        #expect(
            try results(mine.stdout).first?["replay"] as? String
                == "https://r.example/crawl-2024.warc/0?id=%3Curn%3Auuid%3A00000000-0000-0000-0000-000000000000%3E")

        // An update keeps the template; --replay "" removes it.
        let site = work + "/site"
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try "<title>Tart</title><p>lemon tart</p>".write(toFile: site + "/tart.html", atomically: true, encoding: .utf8)
        #expect(
            try CLI.run([
                "build", site, "--base", work + "/idx", "--out", work + "/idx", "--key", work + "/key.json", "--base-url", "https://me.example/",
                "-q",
            ]).status == 0)
        let after = try results(try CLI.run(["search", "lemon", "--index", work + "/idx", "--json", "--limit", "5"]).stdout)
        let cake = try #require(after.first { $0["url"] as? String == "http://example.com/cake?x=1&y=2" })
        #expect((cake["replay"] as? String)?.hasPrefix("http://wb.example/coll/") == true)
        // A site page is no capture: no record, no replay link.
        let tart = try #require(after.first { $0["url"] as? String == "https://me.example/tart.html" })
        #expect(tart["replay"] is NSNull && tart["recordId"] is NSNull)
        #expect(
            try CLI.run(["build", "--base", work + "/idx", "--out", work + "/idx", "--key", work + "/key.json", "--replay", "", "-q"]).status == 0)
        let removed = try results(try CLI.run(["search", "cake", "--index", work + "/idx", "--json"]).stdout)
        #expect(removed.first?["replay"] is NSNull && removed.first?["file"] as? String == "crawl-2024.warc")
    }

    @Test func refusesBadTemplatesAsUsageErrors() throws {
        let work = CLI.temp("replay-bad")
        _ = try Self.warc(at: work + "/c.warc")
        for bad in ["javascript:alert(1)//{url}", "https://h/{when}"] {
            let r = try CLI.run(["build", work + "/c.warc", "--out", work + "/idx", "--key", work + "/key.json", "--replay", bad])
            #expect(r.status == 64 && r.stderr.contains("--replay"), "\(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/idx/manifest.json"))
    }

    /// pywb, the replay tool archivists run, replays the WARC we indexed: the link a result
    /// carries answers 200 with the archived page's text.
    @Test(.tags(.python), .needsExternalTools) func pywbReplaysTheLink() throws {
        let work = CLI.temp("pywb")
        // warcio writes the WARC (gzip members, its own record IDs).
        _ = try PythonChecker.output(
            """
            import io, sys
            from warcio.warcwriter import WARCWriter
            from warcio.statusandheaders import StatusAndHeaders
            with open(sys.argv[1], 'wb') as f:
                w = WARCWriter(f, gzip=True)
                for i, (url, title, body) in enumerate([
                        ("http://example.com/bread", "Rye bread", "A dense rye loaf with caraway seeds."),
                        ("http://example.com/cake?x=1&y=2", "Lemon cake", "A lemon drizzle cake with rye flour.")]):
                    html = ("<html><head><title>%s</title></head><body><p>%s</p></body></html>" % (title, body)).encode()
                    h = StatusAndHeaders('200 OK', [('Content-Type', 'text/html; charset=utf-8')], protocol='HTTP/1.0')
                    w.write_record(w.create_warc_record(url, 'response', payload=io.BytesIO(html), http_headers=h,
                        warc_headers_dict={'WARC-Date': '2024-03-0%dT10:00:00Z' % (i + 1)}))
            """, arguments: [work + "/crawl.warc.gz"])
        try CLI.run(["keygen", "--out", work + "/key.json"])
        let port = 20_000 + Int.random(in: 0..<20_000)
        let built = try CLI.run([
            "build", work + "/crawl.warc.gz", "--out", work + "/idx", "--key", work + "/key.json", "--replay", "pywb:http://127.0.0.1:\(port)/coll",
            "-q",
        ])
        #expect(built.status == 0, "\(built.stderr)")
        var links: [String] = []
        for query in ["lemon", "caraway"] {
            let r = try #require(try results(try CLI.run(["search", query, "--index", work + "/idx", "--json"]).stdout).first)
            #expect(r["file"] as? String == "crawl.warc.gz")
            links.append(try #require(r["replay"] as? String))
        }
        // pywb's own tools make the collection and serve it (unframed, so the replay URL itself
        // answers with the page; pywb's default wraps it in a frame); Python drives them and
        // fetches each link.
        let answers = try PythonChecker.output(
            """
            import json, os, signal, subprocess, sys, time, urllib.request
            # The test runner's threads block most signals and children inherit the mask;
            # pywb's gevent server never starts serving under it.
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            work, port, links = sys.argv[1], sys.argv[2], sys.argv[3:]
            bin = os.path.dirname(sys.executable)
            for args in (["init", "coll"], ["add", "coll", "crawl.warc.gz"]):
                subprocess.run([bin + "/wb-manager"] + args, cwd=work, check=True, capture_output=True)
            open(os.path.join(work, "config.yaml"), "w").write("framed_replay: false\\n")
            server = subprocess.Popen([bin + "/wayback", "-p", port, "-b", "127.0.0.1"], cwd=work,
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                out = []
                for link in links:
                    for _ in range(240):
                        try:
                            with urllib.request.urlopen(link, timeout=10) as r:
                                out.append([r.status, r.read().decode("utf-8", "replace")])
                            break
                        except urllib.error.HTTPError as e:
                            out.append([e.code, ""])
                            break
                        except OSError:
                            time.sleep(0.25)
                    else:
                        out.append([0, "no answer"])
                print(json.dumps(out))
            finally:
                server.terminate()
                server.wait()
            """, arguments: [work, String(port)] + links)
        let got = try #require(try JSONSerialization.jsonObject(with: answers) as? [[Any]])
        for (i, text) in ["lemon drizzle cake with rye flour", "dense rye loaf with caraway seeds"].enumerated() {
            #expect(got[i][0] as? Int == 200, "\(links[i])")
            #expect((got[i][1] as? String)?.contains(text) == true, "\(links[i]) did not replay the page")
        }
    }
}
