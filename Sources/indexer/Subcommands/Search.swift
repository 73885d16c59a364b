import ArgumentParser
import Blocks
import Index
import Query
import Search

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
    @Option(help: "Index folder.") var index: String
    @Option(help: "Results to show.") var limit = 10
    @Option(help: "Results to skip (for the next page).") var offset = 0
    @Flag(help: "Print results as JSON.") var json = false
    @Flag(help: "Print the blocks, bytes and round trips the query cost.") var stats = false

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
        let shard = try Shard.open(directory: index)
        let analyzer = IndexAnalyzer()
        let engine = SearchEngine(shard: shard, analyzer: analyzer)
        let result: SearchEngine.Result
        do { result = try engine.search(QueryPlan(parsed), limit: limit, offset: offset) } catch let e as SearchError {
            printError("error: \(e)")
            throw ExitCode(2)
        }

        let prefixes = parsed.positiveTexts.filter { $0.kind == .prefix }.map { analyzer.prefixTerm($0.text) }
        let snippets = SnippetBuilder()
        var scratch = analyzer.analyzer.makeScratch()
        var results: [SearchResult] = []
        let texts = try shard.texts(result.hits.map(\.doc))
        for (hit, text) in zip(result.hits, texts.map { $0 ?? "" }) {
            // The document's language decides stemming, as it did when the document was indexed.
            let snippet = snippets.snippet(for: text, language: hit.record.lang, terms: HighlightTerms(terms: hit.terms, prefixes: prefixes),
                                           analyzer: analyzer.analyzer, scratch: &scratch)
            results.append(SearchResult(url: hit.record.url, title: hit.record.title, date: hit.record.date, score: hit.score,
                                        group: hit.doc.group.description, snippet: snippet))
        }
        let counters = (shard.store as? DirectoryStore).map { s in
            SearchCounters(requests: s.counters.reads, bytes: s.counters.bytesRead, roundTrips: s.counters.reads, blocks: s.counters.reads)
        }
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
