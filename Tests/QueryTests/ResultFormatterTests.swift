import Foundation
import Query
import Remote
import Search
import Testing

@testable import SearchOutput
@testable import Snippets

@Suite struct ResultFormatterTests {
    let result = SearchResult(
        url: "https://doc.rust-lang.org/book/ch16.html",
        title: "Fearless\n Concurrency \u{1B}]0;pwned\u{7}- The Rust Book",
        date: day(2024, 5, 17) + 3600 * 13 + 61,
        score: 12.3456789,
        group: "g1abc",
        snippet: Snippet(
            text: "…Asynchronous programming in Rust uses futures and the async keyword…",
            highlights: [31..<35, 57..<62], matched: true))

    @Test func pipedOutputHasNoEscapesAndMarksTerms() {
        let f = ResultFormatter(output: .pipe)
        #expect(
            f.format([result], firstRank: 1) == """
                1. Fearless Concurrency ]0;pwned- The Rust Book
                   https://doc.rust-lang.org/book/ch16.html  2024-05-17
                   …Asynchronous programming in **Rust** uses futures and the **async** keyword…

                """)
    }

    @Test func ranksAreRightAligned() {
        let f = ResultFormatter(output: .pipe)
        let page = f.format(Array(repeating: result, count: 3), firstRank: 9)
        let firstLines = page.split(separator: "\n").filter { $0.contains("Fearless") }
        #expect(firstLines.map { String($0.prefix(4)) } == [" 9. ", "10. ", "11. "])
        #expect(page.contains("\n    https://"), "continuation lines indent past the rank")
    }

    @Test func terminalOutputWrapsAndStyles() {
        let f = ResultFormatter(output: .terminal(width: 40, color: true))
        let text = f.format(result, rank: 1)
        #expect(text.contains("\u{1B}[1mRust\u{1B}[22m"))
        #expect(!text.contains("\u{7}") && !text.contains("\u{1B}]"), "document text cannot emit escapes")
        // Without the SGR sequences we emit, to measure visible width.
        let plainLines = text.split(separator: "\n").map { String($0.replacing(/\x1B\[[0-9;]*m/, with: "")) }
        #expect(plainLines.count == 4, "the snippet wraps: \(plainLines)")
        for l in plainLines where !l.contains("https://") { #expect(TextScan.columns(l) <= 40, "\(l)") }
        #expect(plainLines[2] == "   …Asynchronous programming in Rust", "\(plainLines)")
        #expect(plainLines[0].hasSuffix("…"), "a long title is truncated: \(plainLines[0])")
        let noColor = ResultFormatter(output: .terminal(width: 200, color: false)).format(result, rank: 1)
        #expect(!noColor.contains("\u{1B}") && noColor.contains("**Rust**"))
    }

    @Test func untitledShowsTheURLOnce() {
        var r = result
        r.title = "  "
        r.date = nil
        r.snippet = Snippet(text: "", highlights: [], matched: false)
        #expect(ResultFormatter(output: .pipe).format(r, rank: 1) == "1. https://doc.rust-lang.org/book/ch16.html\n")
        r.date = day(2024, 1, 2)
        #expect(ResultFormatter(output: .pipe).format(r, rank: 1) == "1. https://doc.rust-lang.org/book/ch16.html\n   2024-01-02\n")
    }

    @Test func summaryCountersAndErrors() {
        let f = ResultFormatter(output: .pipe)
        #expect(f.summary(total: 1234, offset: 10, shown: 10) == "Results 11–20 of 1,234")
        #expect(f.summary(total: 0, offset: 0, shown: 0) == "No results")
        #expect(f.summary(total: 5, offset: 10, shown: 0) == "No results past 10 (of 5)")
        #expect(f.cost(ReadCost(requests: 1, bytes: 39_117, roundTrips: 3, blocks: 4)) == "1 request, 38.2 KB in 3 round trips, 4 blocks")
        #expect(
            f.cost(ReadCost(requests: 0, bytes: 0, roundTrips: 1, blocks: 9, cacheHits: 9))
                == "0 requests, 0 B in 1 round trip, 9 blocks, 9 cache hits")
        #expect(ResultFormatter.size(512) == "512 B" && ResultFormatter.size(5 << 20) == "5.0 MB" && ResultFormatter.size(300 << 20) == "300 MB")
        let e = parseError("rust after:someday")!
        #expect(f.error(e) == "error: after: takes a date like 2024, 2024-05 or 2024-05-17 (column 12)\n  rust after:someday\n             ^\n")
    }

    @Test func jsonIsValidAndOrdered() throws {
        let page = IndexSearch.Page(parsed: try parse("rust async"), total: 7, totalIsExact: false, results: [result])
        let doc = SearchJSON.document(
            query: "rust  async \"\\\u{1}", page: page, offset: 20,
            cost: ReadCost(requests: 4, bytes: 100, roundTrips: 2, blocks: 4))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String: Any])
        #expect(object["query"] as? String == "rust  async \"\\\u{1}")
        #expect(object["parsed"] as? String == "rust async")
        #expect(object["total"] as? Int == 7)
        #expect(object["totalIsExact"] as? Bool == false)
        #expect(object["offset"] as? Int == 20)
        #expect(object["index"] == nil && object["tookMs"] == nil, "only a server names the index and the time")
        let r = try #require((object["results"] as? [[String: Any]])?.first)
        #expect(r["url"] as? String == result.url)
        #expect(r["title"] as? String == result.title)
        #expect(r["date"] as? String == "2024-05-17T13:01:01Z")
        #expect(r["group"] as? String == "g1abc")
        #expect((r["score"] as? Double).map { abs($0 - 12.3457) < 1e-9 } == true)
        #expect(r["snippet"] as? String == result.snippet.text)
        // Code point offsets: "…" is one code point but three UTF-8 bytes.
        #expect(r["highlights"] as? [[Int]] == [[29, 33], [55, 60]])
        #expect(r["snippetHTML"] as? String == result.snippet.rendered(.html))
        let stats = try #require(object["stats"] as? [String: Int])
        #expect(stats == ["requests": 4, "bytes": 100, "roundTrips": 2, "blocks": 4, "cacheHits": 0])
        let keys = ["\"query\"", "\"parsed\"", "\"total\"", "\"totalIsExact\"", "\"offset\"", "\"results\"", "\"stats\""]
            .map { doc.range(of: $0)!.lowerBound }
        #expect(keys == keys.sorted(), "keys in the documented order")
        let empty = IndexSearch.Page(parsed: try parse("x"), total: 0, totalIsExact: true, results: [])
        #expect(
            SearchJSON.document(query: "x", page: empty, offset: 0, index: "demo", tookMs: 1.234)
                == "{\"index\":\"demo\",\"query\":\"x\",\"parsed\":\"x\",\"total\":0,\"totalIsExact\":true,\"offset\":0,\"tookMs\":1.23,\"results\":[]}"
        )
    }
}

@Suite struct SnippetWrappingTests {
    @Test func wrapsAtSpacesAndSplitsHighlights() {
        let s = Snippet(text: "aaa bbb ccc ddd", highlights: [2..<9], matched: true)
        let lines = s.wrapped(columns: 7)
        #expect(lines.map(\.text) == ["aaa bbb", "ccc ddd"])
        #expect(lines.map { $0.rendered(.plain) } == ["aa**a bbb**", "**c**cc ddd"])
    }

    @Test func longRunsBreakBetweenCharacters() {
        let s = Snippet(text: "東京都庁舎", highlights: [0..<9], matched: true)
        let lines = s.wrapped(columns: 4)
        #expect(lines.map(\.text) == ["東京", "都庁", "舎"])
        #expect(lines.map(\.highlightedTexts) == [["東京"], ["都"], []])
    }
}
