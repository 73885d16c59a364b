import Foundation
import Testing
import TextTestSupport

/// `indexer serve`'s page is the static page (`searchPageScript` drives it in Chromium): the
/// browser runs the engine over the served index's blocks; no `/api/search` call is made.
@Suite struct SearchPageBrowserTests {
    @Test(.tags(.chromium, .python), .needsExternalTools, .timeLimit(.minutes(3))) func typingAQueryShowsHighlightedResults() throws {
        let serve = try IndexerServer([mergedIndex])
        defer { _ = serve.terminate(within: 10) }
        let shot = tempDirectory("page") + "/search-page.png"
        let states = try browseSearchPage(serve.base + "/", steps: [["type": "orchard harvest"], ["screenshot": shot]])
        let page = try #require(states.last)
        let titles = try #require(page["titles"] as? [String])
        #expect(titles.count == 10)
        #expect((page["urls"] as? [String])?.allSatisfy { $0.contains(".example") } == true)
        let marks = Set((page["marks"] as? [String] ?? []).map { $0.lowercased() })
        #expect(marks.contains("orchard") && marks.contains("harvest"), "query terms highlighted: \(marks)")
        #expect((page["hrefs"] as? [String])?.allSatisfy { $0.hasPrefix("https://") } == true)
        #expect((page["status"] as? String)?.contains(" results · ") == true, "\(page["status"] ?? "")")
        #expect((page["location"] as? String)?.contains("q=orchard+harvest") == true)
        #expect(((page["png"] as? [String: Any])?["nonBackground"] as? Double ?? 0) > 0.01, "the screenshot shows something")
        // The page queried the index's files itself: the wasm module and blocks, never the API.
        #expect(((page["by"] as? [String: Any])?["index"] as? [String: Int])?["requests"] ?? 0 == 0, "nothing more after the answer")
        let first = try #require(states.first)
        #expect(((first["by"] as? [String: Any])?["wasm"] as? [String: Int])?["requests"] == 1)
        #expect((((first["by"] as? [String: Any])?["index"] as? [String: Int])?["requests"] ?? 0) > 1)
        print("serve's search page screenshot: \(shot)")
    }

    /// A result with a replay link: its title opens the archived capture, the live URL beside it.
    @Test(.tags(.chromium, .python), .needsExternalTools, .timeLimit(.minutes(2))) func titlesLinkToTheReplay() throws {
        let serve = try IndexerServer([ServeReplayTests.index])
        defer { _ = serve.terminate(within: 10) }
        let page = try #require(try browseSearchPage(serve.base + "/", steps: [["open": ["q": "rye"]]]).first)
        let hrefs = Set(try #require(page["hrefs"] as? [String]))
        #expect(
            hrefs == [
                "https://wb.example/coll/20240302100000/http://example.com/bread?q=1",
                "https://wb.example/coll/20240302100001/http://example.com/cake?q=1", "https://me.example/notes.html",
            ])
        #expect(Set(page["lives"] as? [String] ?? []) == ["http://example.com/bread?q=1", "http://example.com/cake?q=1"])
    }
}
