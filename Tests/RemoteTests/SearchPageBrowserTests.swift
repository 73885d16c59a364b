import Foundation
import Testing
import TextTestSupport

/// Drives Debian's headless Chromium (`devToolsPrelude`): open the page, type the query into
/// the box as a user would, wait for results, read them from the DOM and take a screenshot.
let browserScript =
    devToolsPrelude
        + #"""
        url, query, shot = sys.argv[1:4]
        call, js, close = devtools("1000,1000")
        try:
            deadline = time.time() + 60
            call("Page.enable")
            call("Page.navigate", url=url)
            while js("document.readyState") != "complete" or not js("!!document.getElementById('q')"):
                if time.time() > deadline: sys.exit("page did not load")
                time.sleep(0.1)
            js("document.getElementById('q').focus()")
            for ch in query:  # one key at a time, as typed
                call("Input.insertText", text=ch)
                time.sleep(0.03)
            while not js("document.querySelectorAll('li.result').length"):
                if time.time() > deadline:
                    sys.exit("no results appeared; summary: %r" % js("document.getElementById('summary').textContent"))
                time.sleep(0.1)
            time.sleep(0.3)
            out = js("""JSON.stringify({
                titles: [...document.querySelectorAll('li.result a.title')].map(a => a.textContent),
                hrefs: [...document.querySelectorAll('li.result a.title')].map(a => a.getAttribute('href')),
                lives: [...document.querySelectorAll('li.result a.live')].map(a => a.getAttribute('href')),
                marks: [...document.querySelectorAll('li.result mark')].map(m => m.textContent),
                summary: document.getElementById('summary').textContent,
                location: location.search})""")
            png = call("Page.captureScreenshot", format="png")["data"]
            with open(shot, "wb") as f:
                f.write(base64.b64decode(png))
            print(out)
        finally:
            close()
        """#

@Suite struct SearchPageBrowserTests {
    @Test(.tags(.chromium, .python), .needsExternalTools, .timeLimit(.minutes(2))) func typingAQueryShowsHighlightedResults() throws {
        guard let python = PythonChecker.interpreter else {
            Issue.record("no Python: set INDEXER_PYTHON or run `make setup` to create .venv")
            return
        }
        let shot = tempDirectory("page") + "/search-page.png"
        let page = try typeQuery("orchard harvest", serving: mergedIndex, python: python, screenshot: shot)
        let titles = try #require(page["titles"] as? [String])
        #expect(titles.count == 10)
        #expect(titles.allSatisfy { $0.contains(".example") })
        let marks = Set((page["marks"] as? [String] ?? []).map { $0.lowercased() })
        #expect(marks.contains("orchard") && marks.contains("harvest"), "query terms highlighted: \(marks)")
        #expect((page["hrefs"] as? [String])?.allSatisfy { $0.hasPrefix("https://") } == true)
        #expect((page["summary"] as? String)?.hasPrefix("Results 1–10 of ") == true)
        #expect((page["location"] as? String)?.contains("q=orchard+harvest") == true)
        let png = try isPNG(shot)
        #expect(png, "a PNG screenshot was written to \(shot)")
        print("search page screenshot: \(shot)")
    }

    /// A result with a replay link: its title opens the archived capture, the live URL beside it.
    @Test(.tags(.chromium, .python), .needsExternalTools, .timeLimit(.minutes(2))) func titlesLinkToTheReplay() throws {
        let python = try #require(PythonChecker.interpreter, "no Python: set INDEXER_PYTHON or run `make setup` to create .venv")
        let page = try typeQuery("rye", serving: ServeReplayTests.index, python: python, screenshot: tempDirectory("page") + "/replay-page.png")
        let hrefs = Set(try #require(page["hrefs"] as? [String]))
        #expect(
            hrefs == [
                "https://wb.example/coll/20240302100000/http://example.com/bread?q=1",
                "https://wb.example/coll/20240302100001/http://example.com/cake?q=1", "https://me.example/notes.html",
            ])
        #expect(Set(page["lives"] as? [String] ?? []) == ["http://example.com/bread?q=1", "http://example.com/cake?q=1"])
    }
}

/// Serves `index` with `indexer serve`, types `query` into its page in Chromium and returns
/// what the page then shows (`browserScript`'s JSON).
func typeQuery(_ query: String, serving index: String, python: String, screenshot: String) throws -> [String: Any] {
    let serve = try IndexerServer([index])
    defer { _ = serve.terminate(within: 10) }
    let child = try ChildProcess(python, ["-c", browserScript, serve.base + "/", query, screenshot])
    let output = child.stdout.fileHandleForReading.readDataToEndOfFile()
    child.process.waitUntilExit()
    let err = String(decoding: child.stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    try #require(child.process.terminationStatus == 0, "browser script failed: \(err.suffix(1000))")
    return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
}

/// True when `path` starts with the PNG signature.
func isPNG(_ path: String) throws -> Bool {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
}
