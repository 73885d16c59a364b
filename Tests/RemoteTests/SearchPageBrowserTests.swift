import Foundation
import Index
import Support
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
        #expect(titles.count == 5, "the page shows 5 results per answer")
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

    /// An index is data: a result whose URL is `javascript:` is shown, never made a link;
    /// http(s) ones are.
    @Test(.tags(.chromium, .python), .needsExternalTools, .timeLimit(.minutes(2))) func onlyWebURLsBecomeLinks() throws {
        let trap = "javascript:alert(document.domain)//x"
        let dir = ServeReplayTests.published(
            [
                IndexDocument(url: trap, title: "trap", text: "lure words", digest: [1], source: "crawl.warc.gz:0", recordID: "<urn:uuid:1>"),
                IndexDocument(url: "https://ok.example/lure", title: "fine", text: "lure text", digest: [2], source: "crawl.warc.gz:100"),
            ], replay: nil)
        let serve = try IndexerServer([dir])
        defer { _ = serve.terminate(within: 10) }
        let page = try #require(try browseSearchPage(serve.base + "/", steps: [["open": ["q": "lure"]]]).first)
        #expect(Set(page["titles"] as? [String] ?? []) == ["trap", "fine"], "both results shown")
        let hrefs = (page["hrefs"] as? [Any] ?? []).compactMap { $0 as? String }
        #expect(hrefs == ["https://ok.example/lure"], "only the web URL is a link: \(hrefs)")
    }

    /// A merged index's group names show in the results and the group filter when the
    /// manifest's signer signed `names.json` (checked in the page's module), and not otherwise.
    @Test(.tags(.chromium, .python), .needsExternalTools, .timeLimit(.minutes(3))) func groupNamesOnlyFromTheSignersFile() throws {
        let dir = tempDirectory("named-page")
        _ = try IndexMerge.merge(named: groupIndexes, open: IndexView.localSource, out: dir, key: keyA, created: "2026-01-02T00:00:00Z")
        let (alpha, beta) = (keyA.group.description, keyB.group.description)
        let file = dir + "/" + GroupNames.fileName
        let serve = try IndexerServer([dir])
        defer { _ = serve.terminate(within: 10) }
        func shown() throws -> (results: Set<String>, filters: [String: String]) {
            let states = try browseSearchPage(serve.base + "/", steps: [["open": ["q": "river"]], ["filters": true]])
            let groups = Set((states[1]["groups"] as? [String] ?? []).map { String($0.dropFirst("group ".count)) })
            let filters = (states[1]["facets"] as? [[Any]] ?? []).filter { $0[0] as? String == "group" }
            return (groups, Dictionary(filters.map { ($0[1] as? String ?? "", $0[4] as? String ?? "") }) { a, _ in a })
        }
        try FileSystem.writeAtomically(file, try GroupNames.signed([alpha: "Alpha", beta: "Beta"], key: keyA, created: "2026-01-03T00:00:00Z"))
        let named = try shown()
        #expect(!named.results.isEmpty && named.results.isSubset(of: ["Alpha", "Beta"]), "\(named.results)")
        #expect(named.filters == [alpha: "Alpha", beta: "Beta"])
        // Signed by a group, not the index's signer: IDs only, not the impostor's name.
        try FileSystem.writeAtomically(file, try GroupNames.signed([beta: "Impostor"], key: keyB, created: "2026-01-04T00:00:00Z"))
        let forged = try shown()
        #expect(!forged.results.isEmpty && forged.results.isSubset(of: [alpha, beta]), "\(forged.results)")
        #expect(forged.filters == [alpha: alpha, beta: beta])
    }
}
