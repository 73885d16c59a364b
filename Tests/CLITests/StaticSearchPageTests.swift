import Foundation
import Testing
import TextTestSupport

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

    /// Each query opened as a link (`?q=`), at 360 px wide (`searchPageScript`); with `more`,
    /// "More results" pressed once after it: the page shows 5 per answer, so each query's state
    /// is then its first 10.
    static func browse(_ base: String, _ queries: [String], more: Bool = true) throws -> [[String: Any]] {
        let steps: [[[String: Any]]] = queries.map { more ? [["open": ["q": $0]], ["more": true]] : [["open": ["q": $0]]] }
        let states = try browseSearchPage(base + "/search/index.html", window: "360,800", steps: steps.flatMap { $0 })
        return more ? states.enumerated().filter { $0.offset % 2 == 1 }.map(\.element) : states
    }

    /// `indexer search --json`'s results.
    static func cli(_ out: String, _ query: String) throws -> [[String: Any]] {
        let run = try CLI.run(["search", "--index", out, query, "--json", "--limit", "100"])
        return try #require((try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
    }

    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func pageTopTenEqualsTheCLIs() throws {
        let out = try Self.index()
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let pages = try Self.browse(nginx.base, Self.queries)
        #expect(pages.count == Self.queries.count)
        for (query, page) in zip(Self.queries, pages) {
            let results = try Self.cli(out, query)
            let expected = results.prefix(10).map { $0["url"] as? String ?? "" }
            #expect(!expected.isEmpty, "\(query) finds something on the command line")
            #expect(page["urls"] as? [String] == expected, "\(query): \(page["status"] ?? "")")
            #expect(
                page["titles"] as? [String]
                    == results.prefix(10).map { ($0["title"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? ($0["url"] as? String ?? "") })
            #expect(page["overflow"] as? Bool == false, "\(query): the page is wider than 360 px")
            print("static page \(query), More pressed: \(page["requests"] ?? 0) requests, \(page["bytes"] ?? 0) bytes; \(page["status"] ?? "")")
        }
        #expect((pages[0]["marks"] as? [String])?.contains { $0.lowercased().hasPrefix("tomato") } == true)
        // Only the folder was served: every request went to nginx, none to an indexer process.
        #expect(nginx.accessLog.contains("GET /search/querycore.wasm.lzma ") && nginx.accessLog.contains("GET /blocks/"))
        #expect(!nginx.accessLog.contains("GET /search/querycore.wasm "), "the packed module was read, not the plain one")
    }

    /// Without a usable `querycore.wasm.lzma` the page reads the module as it is and answers the
    /// same: a folder written before the file, or a packed file that decodes to bytes that are
    /// not a wasm module (a damaged copy; here 1 KiB of zeros packed by the build's own packer).
    @Test(
        .tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)),
        arguments: ["missing", "not a module"])
    func withoutAUsablePackedModuleThePageReadsThePlainOne(packed: String) throws {
        let out = try Self.index()
        let path = out + "/search/querycore.wasm.lzma"
        try FileManager.default.removeItem(atPath: path)
        if packed == "not a module" {
            let zeros = CLI.temp("not-a-module") + "/zeros"
            try Data(count: 1024).write(to: URL(fileURLWithPath: zeros))
            let python = try #require(PythonChecker.interpreter)
            let packer = CLI.packageRoot.appendingPathComponent("Pipelines/lzma-pack.py").path
            let made = try ChildProcess(python, [packer, zeros, path])
            made.process.waitUntilExit()
            #expect(made.process.terminationStatus == 0 && FileManager.default.fileExists(atPath: path))
        }
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let page = try #require(try Self.browse(nginx.base, ["tomato"], more: false).first)
        #expect(page["urls"] as? [String] == (try Self.cli(out, "tomato")).prefix(5).map { $0["url"] as? String ?? "" })
        #expect(nginx.accessLog.contains("GET /search/querycore.wasm.lzma ") && nginx.accessLog.contains("GET /search/querycore.wasm "))
    }

    /// The page's LZMA decoder (`unlzma`, in indexer-search.js) against Python's lzma module (liblzma):
    /// the same bytes for every lc/lp/pb on empty, incompressible, repetitive and mixed input and
    /// on the module `make wasm` packed; damaged or cut input is refused or decodes to other
    /// bytes, never to the original.
    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func theModuleDecoderReadsWhatLiblzmaWrites() throws {
        let folder = CLI.temp("unlzma")
        try FileManager.default.copyItem(
            atPath: CLI.packageRoot.appendingPathComponent("Wasm/page/indexer-search.js").path, toPath: folder + "/indexer-search.js")
        let wasm = CLI.packageRoot.appendingPathComponent(".build/wasm").path
        for name in ["querycore.wasm", "querycore.wasm.lzma"] {
            try FileManager.default.copyItem(atPath: wasm + "/" + name, toPath: folder + "/" + name)
        }
        let nginx = try NginxServer(root: folder)
        defer { nginx.stop() }
        let python = try #require(PythonChecker.interpreter)
        let child = try ChildProcess(python, ["-c", devToolsPrelude + Self.unlzmaScript, folder, nginx.base])
        let output = child.stdout.fileHandleForReading.readDataToEndOfFile()
        child.process.waitUntilExit()
        let err = String(decoding: child.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(child.process.terminationStatus == 0, "\(err.suffix(1000))")
        let rows = try #require(try JSONSerialization.jsonObject(with: output) as? [[Any]])
        let decoded = rows.filter { ($0[0] as? String)?.hasPrefix("bad ") == false }
        #expect(decoded.count == 25, "\(rows.map { $0[0] })")
        for row in decoded { #expect(row[1] as? String == "same", "\(row)") }
        for row in rows where (row[0] as? String)?.hasPrefix("bad ") == true {
            #expect(row[1] as? String != "same", "\(row)")
        }
        #expect(rows.contains { $0[0] as? String == "bad cut" && ($0[1] as? String)?.contains("LZMA") == true }, "\(rows)")
    }

    /// Writes the vectors (Python's lzma, the `.lzma` header with the size, as
    /// Pipelines/lzma-pack.py) into argv[1], decodes each in the page's unlzma in Chromium,
    /// prints [[name, "same" / "different" / the error]].
    static let unlzmaScript = #"""
        import lzma, random, struct
        folder, base = sys.argv[1], sys.argv[2]
        rng = random.Random(14)
        noise = lambda n: bytes(rng.randrange(256) for _ in range(n))
        inputs = {"empty": b"", "one": b"x", "zeros": bytes(100000), "noise": noise(70000),
                  "text": b"the quick brown fox jumps over the lazy dog; " * 900 + noise(20) + b"colourless green ideas " * 300,
                  "mixed": b"".join(rng.choice([noise(50), b"abc" * rng.randint(1, 200), bytes(rng.randint(1, 300))]) for _ in range(2000))}
        names = []
        for name, data in inputs.items():
            for lc, lp, pb in [(3, 0, 0), (0, 2, 2), (4, 0, 4), (1, 1, 1)]:
                raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{"id": lzma.FILTER_LZMA1, "preset": 6, "lc": lc, "lp": lp, "pb": pb, "dict_size": 1 << 20}])
                n = "%s-%d%d%d" % (name, lc, lp, pb)
                open(os.path.join(folder, n + ".lzma"), "wb").write(struct.pack("<BIQ", (pb * 5 + lp) * 9 + lc, 1 << 20, len(data)) + raw)
                open(os.path.join(folder, n), "wb").write(data)
                names.append(n)
        open(os.path.join(folder, "t.html"), "w").write('<!doctype html><script type="module">import { unlzma } from "./indexer-search.js"; window.unlzma = unlzma;</script>')
        RUN = """(async () => {
          const get = async (n) => new Uint8Array(await (await fetch(n)).arrayBuffer());
          const decode = (packed, want) => { try { const got = unlzma(packed);
            return got.length === want.length && got.every((b, i) => b === want[i]) ? "same" : "different"; } catch (e) { return String(e); } };
          const names = %s, out = [];
          for (const n of names) out.push([n, decode(await get(n + ".lzma"), await get(n))]);
          const packed = await get("querycore.wasm.lzma"), wasm = await get("querycore.wasm");
          out.push(["querycore.wasm", decode(packed, wasm)]);
          for (const at of [20, 1000, packed.length >> 1, packed.length - 5000]) {
            const damaged = packed.slice(); damaged[at] ^= 0x55; out.push(["bad byte " + at, decode(damaged, wasm)]);
          }
          out.push(["bad cut", decode(packed.slice(0, packed.length - 100), wasm)]);
          return JSON.stringify(out);
        })()""" % json.dumps(names)
        call, js, close = devtools("800,600")
        try:
            call("Page.enable")
            call("Page.navigate", url=base + "/t.html")
            deadline = time.time() + 60
            while not js("typeof window.unlzma === 'function'"):
                if time.time() > deadline: sys.exit("the page's module did not load")
                time.sleep(0.05)
            print(call("Runtime.evaluate", expression=RUN, awaitPromise=True, returnByValue=True)["result"]["value"])
        finally:
            close()
        """#

    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func aTamperedBlockIsRefusedInTheBrowser() throws {
        let out = try Self.index()
        // One byte flipped in every block file. The blocks the manifest carries (its bootstrap,
        // checked against their CIDs) are not fetched; the first block the page does fetch is
        // refused, by name.
        let names = try blockNames(out)
        for name in names {
            let path = blockFile(out, name)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count - 1] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let page = try #require(try Self.browse(nginx.base, ["tomato"], more: false).first)
        #expect((page["status"] as? String)?.contains("refused") == true, "\(page["status"] ?? "")")
        #expect(names.contains { (page["status"] as? String)?.contains($0) == true }, "\(page["status"] ?? "")")
        #expect((page["urls"] as? [String])?.isEmpty == true)
    }

    /// At 1280 and 360 px the results are laid out inside the window (their boxes from the
    /// DOM), nothing is wider than it, and the screenshot decodes to something other than a
    /// blank page. The first visit's requests and bytes come from the browser's network events:
    /// the page, its two scripts, the module (all of its `.lzma`, as nginx sent it) and the index's files.
    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func screenshotsShowTheResultsAtBothWidths() throws {
        let out = try Self.index()
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let wasmBytes = try FileManager.default.attributesOfItem(atPath: out + "/search/querycore.wasm.lzma")[.size] as? Int ?? 0
        for (window, width) in [("1280,900", 1280.0), ("360,800", 360.0)] {
            let shot = CLI.temp("shots") + "/page-\(Int(width)).png"
            let page = try #require(
                try browseSearchPage(nginx.base + "/search/index.html", window: window, steps: [["open": ["q": "garden"], "screenshot": shot]]).first)
            let boxes = try #require(page["boxes"] as? [[Double]])
            #expect(!boxes.isEmpty && boxes.count == (page["urls"] as? [String])?.count)
            let viewport = try #require(page["viewport"] as? [Double])
            #expect(viewport[0] == width)
            for box in boxes { #expect(box[0] >= 0 && box[2] <= width && box[2] > box[0], "\(window): a result at \(box)") }
            #expect(boxes[0][1] >= 0 && boxes[0][3] <= viewport[1], "\(window): the first result is in view")
            #expect(page["overflow"] as? Bool == false, "\(window): wider than the window")
            let png = try #require(page["png"] as? [String: Any])
            #expect(png["width"] as? Double == width || png["width"] as? Int == Int(width))
            #expect((png["nonBackground"] as? Double ?? 0) > 0.02, "\(window): the screenshot is blank")
            let by = try #require(page["by"] as? [String: [String: Int]])
            #expect(by["wasm"]?["requests"] == 1 && (by["wasm"]?["bytes"] ?? 0) >= wasmBytes, "\(by)")
            #expect(by["js"]?["requests"] == 2 && by["html"]?["requests"] == 1, "\(by)")
            #expect((by["index"]?["requests"] ?? 0) >= 2, "the manifest and blocks: \(by)")
            print("static page at \(window): \(page["requests"] ?? 0) requests, \(page["bytes"] ?? 0) bytes; \(by); screenshot \(shot)")
        }
    }

    /// The filters' counts are `indexer facets --query`'s; pressing one narrows the results to
    /// what `indexer search` finds with the same filter, and puts it in the URL; typing searches
    /// as you type; more results come on demand; `sort=date` orders as `--sort date`.
    @Test(.tags(.chromium, .nginx, .python), .needsExternalTools, .timeLimit(.minutes(4)))
    func filtersCountAndNarrowAsTheCLI() throws {
        let out = try Self.index()
        let nginx = try NginxServer(root: out)
        defer { nginx.stop() }
        let query = "the"
        let broad = try Self.cli(out, query)
        #expect(broad.count > 10, "the demo has more than a page of results for \(query)")
        let facets = try CLI.run(["facets", "site", "--index", out, "--query", query, "--limit", "8", "--json"])
        let counted = try #require(
            (try JSONSerialization.jsonObject(with: Data(facets.stdout.utf8)) as? [String: Any])?["values"] as? [[String: Any]])
        let sites = counted.map { [$0["value"] as? String ?? "", String($0["count"] as? Int ?? -1)] }
        #expect(!sites.isEmpty)
        let site = sites[0][0]
        let states = try browseSearchPage(
            nginx.base + "/search/index.html", window: "360,800",
            steps: [
                ["open": ["q": query]], ["more": true], ["filters": true], ["click": ["site", site]], ["type": "compost"],
                ["open": ["q": query, "sort": "date"]],
            ])
        #expect((states[0]["urls"] as? [String]) == broad.prefix(5).map { $0["url"] as? String ?? "" })
        #expect((states[1]["urls"] as? [String]) == broad.prefix(10).map { $0["url"] as? String ?? "" }, "more results")
        let shown = (states[2]["facets"] as? [[Any]] ?? []).filter { $0[0] as? String == "site" }.map {
            [$0[1] as? String ?? "", String(describing: $0[2])]
        }
        #expect(shown == sites, "the page's site counts are indexer facets' own")
        #expect((states[2]["facetStatus"] as? String)?.contains("matches") == true)
        let narrowed = try Self.cli(out, query + " site:" + site)
        #expect((states[3]["urls"] as? [String]) == narrowed.prefix(5).map { $0["url"] as? String ?? "" })
        #expect((states[3]["chips"] as? [String])?.contains { $0.hasPrefix("site:" + site) } == true)
        #expect((states[3]["location"] as? String)?.contains("site=" + site) == true)
        #expect((states[3]["facets"] as? [[Any]] ?? []).contains { $0[0] as? String == "site" && $0[1] as? String == site && $0[3] as? Bool == true })
        #expect((states[4]["urls"] as? [String]) == (try Self.cli(out, "compost")).prefix(5).map { $0["url"] as? String ?? "" }, "typed")
        let newest = try CLI.run(["search", "--index", out, query, "--json", "--sort", "date"])
        let dated = try #require((try JSONSerialization.jsonObject(with: Data(newest.stdout.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect((states[5]["urls"] as? [String]) == dated.prefix(5).map { $0["url"] as? String ?? "" }, "newest first")
        #expect((states[5]["urls"] as? [String]) != (states[0]["urls"] as? [String]), "a different order than relevance")
    }
}
