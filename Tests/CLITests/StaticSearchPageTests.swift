import Foundation
import Testing
import TextTestSupport

/// Drives headless Chromium (`devToolsPrelude`) through the static search page: for each
/// query, open `search/index.html?q=…`, wait for the answer and read the results and the
/// page's request counts from the DOM, and the requests and bytes from the browser's own
/// network events.
let staticPageScript =
    devToolsPrelude
        + #"""
        base, queries = sys.argv[1], json.loads(sys.argv[2])
        network = {"requests": 0, "bytes": 0}
        def count(msg):
            if msg.get("method") == "Network.loadingFinished":
                network["requests"] += 1
                network["bytes"] += msg["params"].get("encodedDataLength", 0)
        call, js, close = devtools("360,800", count)
        try:
            deadline = time.time() + 120
            call("Page.enable")
            call("Network.enable")
            out = []
            for q in queries:
                before = dict(network)
                call("Page.navigate", url=base + "/search/index.html?q=" + urllib.parse.quote(q))
                time.sleep(0.2)
                while True:
                    status = js("(document.querySelector('.status') || {}).textContent || ''")
                    if status and status != "Searching…":
                        break
                    if time.time() > deadline:
                        sys.exit("no answer for %r; status %r" % (q, status))
                    time.sleep(0.1)
                out.append({
                    "query": q, "status": status,
                    "urls": js("[...document.querySelectorAll('li.result')].map(li => li.querySelector('.meta').textContent.split(' · ')[0])"),
                    "titles": js("[...document.querySelectorAll('li.result a.title')].map(a => a.textContent)"),
                    "marks": js("[...document.querySelectorAll('li.result mark')].map(m => m.textContent)"),
                    "overflow": js("document.documentElement.scrollWidth > window.innerWidth"),
                    "requests": network["requests"] - before["requests"], "bytes": network["bytes"] - before["bytes"],
                })
            print(json.dumps(out))
        finally:
            close()
        """#

/// The page `indexer build` writes next to an index, served by stock nginx from the index
/// folder alone (no indexer process), answers as `indexer search` does.
@Suite(.serialized) struct StaticSearchPageTests {
    static let demo = CLI.packageRoot.appendingPathComponent("Corpora/demo").path
    static let queries = ["tomato", "seed OR garden", "\"seed library\"", "compost", "garden -kyoto", "site:riverside-makers.example"]

    /// Builds both demo groups' sources into one index (with its page) at a fresh folder.
    static func index() throws -> String {
        let out = CLI.temp("static-page") + "/index"
        let sources = ["group-a/web.warc.gz", "group-a/site-alice", "group-b"].map { demo + "/" + $0 }
        let built = try CLI.run(["build"] + sources + ["--out", out, "--json"])
        #expect(built.status == 0 || built.status == 3, "\(built.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(built.stdout.utf8)) as? [String: Any])
        #expect(json["searchPage"] as? String == out + "/search/index.html", "build says where the page is: \(built.stderr)")
        return out
    }

    static func browse(_ base: String, _ queries: [String]) throws -> [[String: Any]] {
        let python = try #require(PythonChecker.interpreter, "no Python: set INDEXER_PYTHON or run `make setup` to create .venv")
        let data = try JSONSerialization.data(withJSONObject: queries)
        let child = try ChildProcess(python, ["-c", staticPageScript, base, String(decoding: data, as: UTF8.self)])
        let output = child.stdout.fileHandleForReading.readDataToEndOfFile()
        child.process.waitUntilExit()
        let err = String(decoding: child.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(child.process.terminationStatus == 0, "browser script failed: \(err.suffix(1000))")
        return try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
    }

    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func pageTopTenEqualsTheCLIs() throws {
        let out = try Self.index()
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let pages = try Self.browse(nginx.base, Self.queries)
        #expect(pages.count == Self.queries.count)
        for (query, page) in zip(Self.queries, pages) {
            let cli = try CLI.run(["search", "--index", out, query, "--json"])
            let results = try #require(
                (try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
            let expected = results.prefix(10).map { $0["url"] as? String ?? "" }
            #expect(!expected.isEmpty, "\(query) finds something on the command line")
            #expect(page["urls"] as? [String] == expected, "\(query): \(page["status"] ?? "")")
            #expect(
                page["titles"] as? [String]
                    == results.prefix(10).map { ($0["title"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? ($0["url"] as? String ?? "") })
            #expect(page["overflow"] as? Bool == false, "\(query): the page is wider than 360 px")
            print("static page \(query): \(page["requests"] ?? 0) requests, \(page["bytes"] ?? 0) bytes (network events); \(page["status"] ?? "")")
        }
        #expect((pages[0]["marks"] as? [String])?.contains { $0.lowercased().hasPrefix("tomato") } == true)
        // Only the folder was served: every request went to nginx, none to an indexer process.
        #expect(nginx.accessLog.contains("GET /search/querycore.wasm") && nginx.accessLog.contains("GET /blocks/"))
    }

    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func aTamperedBlockIsRefusedInTheBrowser() throws {
        let out = try Self.index()
        // The index root block, the first the page fetches after the manifest: one byte flipped.
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as? [String: Any])
        let root = try #require(manifest["root"] as? String)
        let path = blockFile(out, root)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let page = try #require(try Self.browse(nginx.base, ["tomato"]).first)
        #expect((page["status"] as? String)?.contains("refused") == true, "\(page["status"] ?? "")")
        #expect((page["status"] as? String)?.contains(root) == true)
        #expect((page["urls"] as? [String])?.isEmpty == true)
    }
}
