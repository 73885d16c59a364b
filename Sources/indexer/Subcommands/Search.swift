import ArgumentParser
import Blocks
import Foundation
import Index
import Query
import Remote
import Search
import SearchOutput
import Support

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index: BM25 top results with snippets.",
        discussion: """
            Query language: words (all must match), OR, -word / NOT word, "phrases", prefix*, \
            site:host (and hosts under it), tag:x / #x, mention:x / @x, group:ID, lang:xx, \
            title:word, url:word or url:"docs/saving" (words in that order), from:HANDLE (a site's \
            author, from its profile.json: from:alice, from:alice@alice.example), thread:URL (a post, \
            its root and every reply, from any group), after:DATE / \
            before:DATE / date:DATE / date:DATE..DATE (2024, 2024-05, 2024-05-17), parentheses; \
            filters alone list what they select. An unknown field: is refused (quote a word with \
            a colon to search for it). --json prints the schema in docs/SEARCH-JSON.md. Exit \
            status: 0 success (also with no results), 1 the index could not be read, 64 a \
            malformed command line or query.
            """)

    @Argument(help: "The query.") var query: String?
    @Option(
        help: "Benchmark mode: a file of queries, one per line; prints warm latency percentiles as JSON (overall, and each query's median)."
    ) var queries: String?
    @Option(help: "With --queries: timed rounds over the file (after one warm-up round).") var rounds = 5
    @Option(
        help: "Index folder or http(s):// URL; repeat to search several published indexes as one (as if merged).")
    var index: [String]
    @Option(help: "Results to show.") var limit = 10
    @Option(help: "Results to skip (for the next page).") var offset = 0
    @Option(help: "Order: relevance (default), date (newest first) or oldest; a thread: query reads oldest first unless told.")
    var sort: ResultOrder?
    @Flag(help: "Print results as JSON.") var json = false
    @Flag(help: "Print the requests, bytes, round trips and cache hits the query cost.") var stats = false
    @Option(
        help: ArgumentHelp(
            "Replay links from this template instead of each group's own (the one `build --replay` recorded).",
            discussion: ReplayOption.help, valueName: "template"))
    var replay: String?
    @OptionGroup(title: "Index access") var access: IndexAccess

    func validate() throws {
        guard !index.isEmpty else { throw ValidationError("give --index (a folder or URL)") }
        guard (query == nil) != (queries == nil) else { throw ValidationError("give a QUERY or --queries FILE") }
        guard (1...1000).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 1000") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        guard (0...100_000).contains(offset) else { throw ValidationError("--offset must be between 0 and 100000") }
        _ = try ReplayOption.parse(replay)
    }

    func run() throws {
        if let queries { return try benchmark(queries) }
        let query = self.query ?? ""
        let formatter = ResultFormatter.forStandardOutput()
        let parsed: QueryNode
        do { parsed = try QueryParser.parse(query) } catch {
            // A malformed query is a malformed argument: usage status, but the caret, not the usage.
            if json { print(SearchJSON.error(error.message, column: error.offset + 1)) }
            printError(formatter.error(error), newline: false)
            throw ExitCode.validationFailure
        }
        let opened = try access.open(index)
        reportExclusions(opened.view)
        var search = IndexSearch(view: opened.view)
        search.replay = try ReplayOption.parse(replay)
        search.order = sort
        var page: IndexSearch.Page
        let names: [String: String]
        do {
            // A merged index's names.json comes while the search reads, not a round trip after.
            (page, names) = try opened.groupNames { try search.run(parsed, limit: limit, offset: offset) }
        } catch let e as SearchError {
            if json { print(SearchJSON.error(e.description)) }
            printError("error: \(e)")
            throw ExitCode.validationFailure
        }
        for k in page.results.indices { page.results[k].groupName = names[page.results[k].group] }
        let cost = opened.cost
        if json {
            print(SearchJSON.document(query: query, page: page, offset: offset, cost: cost))
            return
        }
        let out = formatter.format(page.results, firstRank: offset + 1)
        if !out.isEmpty { print(out, terminator: "") }
        printError(formatter.summary(total: page.total, offset: offset, shown: page.results.count) + (page.totalIsExact ? "" : " (at least)"))
        if stats { printError(formatter.cost(cost)) }
    }

    /// Warm in-process latency over a query file: each query's time is parse, plan, top-k and
    /// the hits' records (what a result page of titles and URLs needs), snippets left out.
    private func benchmark(_ file: String) throws {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        let engine = SearchEngine(view: try access.open(index).view, analyzer: IndexAnalyzer())
        let plans = try lines.map { QueryPlan(try QueryParser.parse($0)) }
        // Per query too: a p95 set by one query in the list is that query's median, and
        // the list says which.
        var perQuery = [[Double]](repeating: [], count: plans.count)
        for round in 0...rounds {
            for (i, plan) in plans.enumerated() {
                let start = monotonicSeconds()
                _ = try? engine.search(plan, limit: limit, offset: offset)
                if round > 0 { perQuery[i].append((monotonicSeconds() - start) * 1000) }
            }
        }
        func percentile(_ p: Double, _ sorted: [Double]) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(p * Double(sorted.count - 1)))]
        }
        let times = perQuery.flatMap { $0 }.sorted()
        let queries: [JSON] = zip(lines, perQuery).map { line, t in
            .object(["query": .string(String(line)), "p50Ms": .number(percentile(0.5, t.sorted()))])
        }
        let out: [String: JSON] = [
            "queries": .int(Int64(plans.count)), "rounds": .int(Int64(rounds)),
            "p50Ms": .number(percentile(0.5, times)), "p95Ms": .number(percentile(0.95, times)),
            "perQuery": .array(queries),
        ]
        print(String(decoding: JSON.object(out).canonical, as: UTF8.self))
    }
}

extension ResultOrder: ExpressibleByArgument {}
