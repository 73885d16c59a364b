import ArgumentParser
import Blocks
import Index
import Query
import Search
import Service

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search an index: BM25 top results with snippets.",
        discussion: """
            Query language: words (all must match), OR, -word / NOT word, "phrases", prefix*, \
            site:host, tag:x / #x, mention:x / @x, group:ID, lang:xx, title:word, url:word, \
            after:DATE / before:DATE (2024, 2024-05, 2024-05-17), parentheses.
            """)

    @Argument(help: "The query.") var query: String
    @Option(help: "Index folder or http(s):// URL.") var index: String
    @Option(help: "Results to show.") var limit = 10
    @Option(help: "Results to skip (for the next page).") var offset = 0
    @Flag(help: "Print results as JSON.") var json = false
    @Flag(help: "Print the requests, bytes, round trips and cache hits the query cost.") var stats = false
    @OptionGroup(title: "Index access") var access: IndexAccess

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        guard (0...100_000).contains(offset) else { throw ValidationError("--offset must be between 0 and 100000") }
    }

    func run() throws {
        let formatter = ResultFormatter.forStandardOutput()
        let parsed: QueryNode
        do { parsed = try QueryParser.parse(query) } catch {
            printError(formatter.error(error), newline: false)
            throw ExitCode(2)
        }
        let opened = try access.open(index)
        let search = IndexSearch(shard: opened.shard, groups: try access.trustedGroups(in: opened.shard))
        let page: IndexSearch.Page
        do { page = try search.run(parsed, limit: limit, offset: offset) } catch let e as SearchError {
            printError("error: \(e)")
            throw ExitCode(2)
        }
        let (results, result) = (page.results, page)
        let counters: SearchCounters? = opened.searchCounters
        if json {
            print(SearchJSON.document(query: query, parsed: parsed, total: result.total, results: results, counters: counters))
            return
        }
        let out = formatter.format(results, firstRank: offset + 1)
        if !out.isEmpty { print(out, terminator: "") }
        printError(formatter.summary(total: result.total, offset: offset, shown: results.count) + (result.totalIsExact ? "" : " (at least)"))
        if stats, let counters { printError(formatter.counters(counters)) }
    }
}
