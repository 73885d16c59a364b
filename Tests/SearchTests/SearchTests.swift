import Blocks
import Foundation
import Index
import IndexTestSupport
import Testing

@testable import Search

@Suite struct SearchTests {
    func doc(
        _ i: Int, _ title: String, _ text: String, date: Int64? = nil, url: String? = nil, digest: String? = nil,
        tags: [String] = [], mentions: [String] = [], lang: String? = "en"
    ) -> IndexDocument {
        IndexDocument(
            url: url ?? "https://example.org/\(i)", title: title, text: text, date: date, lang: lang,
            digest: Array((digest ?? "d\(i)").utf8), source: "t@\(i)", tags: tags, mentions: mentions)
    }

    /// BM25 by hand for the tiny corpus below, with its quantized lengths (all < 32, so exact).
    @Test func scoresMatchHandComputedBM25() throws {
        let docs = [
            doc(0, "kitty", "the cat sat on the mat"),
            doc(1, "puppy", "the dog chased the cat and the cat ran"),
            doc(2, "birds", "a bird sang"),
        ]
        let (view, _) = try buildIndex(docs)
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        let result = try engine.search(.word("cat"))
        #expect(result.hits.map(\.record.url) == ["https://example.org/1", "https://example.org/0"])
        // N = 3, df(cat, body) = 2, avg body length = (6 + 9 + 3) / 3 = 6.
        let idf = log(1 + (3 - 2 + 0.5) / (2 + 0.5))
        func part(_ tf: Double, _ len: Double) -> Double { idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len / 6)) }
        // No title holds "cat", so only the body scores.
        #expect(abs(result.hits[0].score - part(2, 9)) < 1e-9)
        #expect(abs(result.hits[1].score - part(1, 6)) < 1e-9)
        #expect(result.total == 2)
        // A title match adds the boosted title score.
        let titled = try engine.search(.word("puppy"))
        let titleIdf = log(1 + (3 - 1 + 0.5) / (1 + 0.5))
        #expect(abs(titled.hits[0].score - 2.0 * titleIdf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1 / 1))) < 1e-9)
    }

    @Test func operatorsSelectTheRightDocuments() throws {
        let docs = [
            doc(0, "a", "red apple pie", date: 1_700_000_000, tags: ["fruit"], mentions: ["alice"]),
            doc(1, "b", "green apple", date: 1_710_000_000, url: "https://shop.example.com/x", tags: ["fruit"]),
            doc(2, "c", "red car fast", date: 1_720_000_000, lang: "de"),
            doc(3, "d", "apple red pie", date: 1_730_000_000, mentions: ["bob"]),
            doc(4, "e", "pineapple juice", date: 1_740_000_000),
        ]
        let (view, _) = try buildIndex(docs)
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        func urls(_ p: QueryPlan) throws -> Set<Int> {
            Set(
                try engine.search(p, limit: 100).hits.map {
                    Int($0.record.url.split(separator: "/").last!) ?? ($0.record.url.hasSuffix("x") ? 1 : -1)
                })
        }
        #expect(try urls(.and([.word("red"), .word("apple")])) == [0, 3])
        #expect(try urls(.or([.word("car"), .word("green")])) == [1, 2])
        #expect(try urls(.and([.word("apple"), .not(.word("pie"))])) == [1])
        #expect(try urls(.phrase("red apple")) == [0])
        #expect(try urls(.phrase("apple red")) == [3])
        #expect(try urls(.prefix("pi")) == [0, 3, 4])
        #expect(try urls(.and([.word("apple"), .field(.tag, "Fruit")])) == [0, 1])
        #expect(try urls(.and([.word("apple"), .field(.mention, "bob")])) == [3])
        #expect(try urls(.and([.word("apple"), .field(.site, "example.com")])) == [1])
        #expect(try urls(.and([.word("red"), .field(.lang, "de")])) == [2])
        #expect(try urls(.and([.word("red"), .dateRange(from: 1_710_000_000, to: 1_725_000_000)])) == [2])
        #expect(try urls(.and([.word("apple"), .group(testKey.group.description)])) == [0, 1, 3])
        #expect(try urls(.and([.word("apple"), .group("0000000000000000")])) == [])
        #expect(try urls(.word("nonexistent")) == [])
        #expect(throws: SearchError.nothingToSearch) { try engine.search(.and([.not(.word("apple"))])) }
    }

    /// `site:`, `url:` and filter-only queries, from query text to URLs.
    @Test func siteURLAndFilterOnlyQueries() throws {
        let docs = [
            doc(0, "home", "welcome to the registry", date: 1_704_067_200, url: "https://www.iana.org/"),
            doc(1, "example", "welcome to the example", date: 1_706_745_600, url: "https://example.iana.org/"),
            doc(2, "bare", "welcome bare", date: 1_709_251_200, url: "https://iana.org/about"),
            doc(3, "saving", "welcome docs", date: 1_711_929_600, url: "https://ex.org/en/docs/saving.html"),
            doc(4, "apart", "welcome docs", date: 1_714_521_600, url: "https://ex.org/docs/other/saving"),
            doc(5, "deep", "welcome deeper", url: "https://a.www.iana.org/x"),
        ]
        let (view, _) = try buildIndex(docs)
        let search = IndexSearch(view: view)
        func urls(_ q: String) throws -> Set<String> { Set(try search.run(q, limit: 100).results.map(\.url)) }
        // Like web search engines: the host and the hosts under it; www. is a label like others.
        #expect(try urls("welcome site:www.iana.org") == ["https://www.iana.org/", "https://a.www.iana.org/x"])
        #expect(
            try urls("welcome site:iana.org")
                == ["https://www.iana.org/", "https://example.iana.org/", "https://iana.org/about", "https://a.www.iana.org/x"])
        #expect(try urls("welcome site:https://Example.IANA.org:443/x") == ["https://example.iana.org/"])
        // Words of a url: value, quoted or not, must be neighbours in that order.
        #expect(try urls("welcome url:\"docs/saving\"") == ["https://ex.org/en/docs/saving.html"])
        #expect(try urls("welcome url:docs/saving") == ["https://ex.org/en/docs/saving.html"])
        #expect(try urls("welcome url:\"saving docs\"") == [])
        #expect(try urls("url:saving") == ["https://ex.org/en/docs/saving.html", "https://ex.org/docs/other/saving"])
        // Filters alone: dates (2024-02-01 ..< 2024-04-01), a group.
        #expect(try urls("date:2024-02..2024-03") == ["https://example.iana.org/", "https://iana.org/about"])
        #expect(try urls("after:2024-02 before:2024-04") == ["https://example.iana.org/", "https://iana.org/about"])
        #expect(try urls("date:2024-04") == ["https://ex.org/en/docs/saving.html"])
        #expect(try urls("group:\(testKey.group)").count == 6)
        #expect(try urls("site:ex.org -url:other") == ["https://ex.org/en/docs/saving.html"])
    }

    @Test func phraseResultsMarkThePhraseNotItsWordsElsewhere() throws {
        let (view, _) = try buildIndex([doc(0, "t", "Memory ordering first. Then a memory barrier, and memory barriers.")])
        let search = IndexSearch(view: view)
        let phrase = try search.run("\"memory barrier\"", limit: 1).results[0].snippet
        #expect(phrase.highlightedTexts == ["memory barrier", "memory barriers"])
        let mixed = try search.run("\"memory barrier\" memory", limit: 1).results[0].snippet
        #expect(mixed.highlightedTexts == ["Memory", "memory barrier", "memory barriers"])
    }

    @Test func collapsesByURLAndDigest() throws {
        let docs = [
            doc(0, "v1", "unique words here", date: 100, url: "https://x.org/page"),
            doc(1, "v2", "unique words here again", date: 200, url: "https://x.org/page"),
            doc(2, "copy", "unique words here", digest: "d0"),
        ]
        let (view, _) = try buildIndex(docs)
        let hits = try SearchEngine(view: view, analyzer: IndexAnalyzer()).search(.word("unique")).hits
        #expect(hits.count == 1)
        #expect(hits[0].record.title == "v2")
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func pruningNeverChangesTheTopK(seed: UInt64) throws {
        let docs = corpus(3000, seed: seed)
        let (view, _) = try buildIndex(docs)
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        var rng = SplitMix(seed: seed * 31)
        var prunedLeaves = 0, fullLeaves = 0
        for _ in 0..<60 {
            let words = (0..<Int.random(in: 1...3, using: &rng)).map { _ in "w\(Int(pow(Double.random(in: 0..<1, using: &rng), 2) * 60))" }
            let plan: QueryPlan = Bool.random(using: &rng) ? .and(words.map { .word($0) }) : .or(words.map { .word($0) })
            let k = [1, 5, 10, 20].randomElement(using: &rng)!
            let pruned = try engine.search(plan, limit: k, prune: true)
            let full = try engine.search(plan, limit: k, prune: false)
            #expect(pruned.hits.map(\.doc) == full.hits.map(\.doc), "query \(plan) k \(k)")
            for (a, b) in zip(pruned.hits, full.hits) { #expect(abs(a.score - b.score) < 1e-9) }
            prunedLeaves += pruned.leavesRead
            fullLeaves += full.leavesRead
        }
        #expect(prunedLeaves <= fullLeaves)
    }

    @Test func commonTermsSkipMostLeaves() throws {
        // 20,000 documents say "common" once in a long text; the first 30 say it often in a
        // short one. Once those fill the top 10, no later leaf can compete and none is read.
        // (In format 4's blocks the 20,000 postings fill about 5 leaves, not 36.)
        let filler = (0..<60).map { "f\($0)" }.joined(separator: " ")
        let docs = (0..<20000).map { i in
            i < 30
                ? doc(i, "t", Array(repeating: "common", count: 8).joined(separator: " ") + " short")
                : doc(i, "t", "common " + filler)
        }
        let (view, _) = try buildIndex(docs)
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        let pruned = try engine.search(.word("common"), limit: 10)
        let full = try engine.search(.word("common"), limit: 10, prune: false)
        #expect(pruned.hits.map(\.doc) == full.hits.map(\.doc))
        #expect(pruned.hits.allSatisfy { $0.doc.ordinal < 30 })
        #expect(full.leavesRead >= 4)
        #expect(pruned.leavesRead == 1, "pruned read \(pruned.leavesRead) leaves, exhaustive \(full.leavesRead)")
        #expect(!pruned.totalIsExact)
        #expect(full.total == 20000)
    }
}
