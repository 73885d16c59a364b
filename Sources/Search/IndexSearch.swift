import Analysis
import Index
import Query
import Snippets
import Support

/// One query against an index view, from text to the results a person sees: parse, plan, BM25
/// top-k, then each hit's snippet from the text tree. Shared by `indexer search` and the
/// server's `/api/search`, so both answer the same. What the view holds (its trust list, its
/// segments) was decided when it was opened.
public struct IndexSearch: Sendable {
    public let view: IndexView
    public let analyzer: IndexAnalyzer
    /// When set, the search stops early once it is spent (read `budget.stopped` afterwards).
    public var budget: SearchBudget? = nil

    public init(view: IndexView, analyzer: IndexAnalyzer = IndexAnalyzer()) {
        self.view = view
        self.analyzer = analyzer
    }

    /// A page of results.
    public struct Page: Sendable {
        public var parsed: QueryNode
        /// Matching documents; a lower bound unless `totalIsExact`.
        public var total: Int
        public var totalIsExact: Bool
        public var results: [SearchResult]

        public init(parsed: QueryNode, total: Int, totalIsExact: Bool, results: [SearchResult]) {
            self.parsed = parsed
            self.total = total
            self.totalIsExact = totalIsExact
            self.results = results
        }
    }

    /// Throws `QueryError` for a query that does not parse, `SearchError` for one with nothing
    /// to search, and block/remote errors when the index cannot be read.
    public func run(_ query: String, limit: Int, offset: Int = 0) throws -> Page {
        try run(QueryParser.parse(query), limit: limit, offset: offset)
    }

    public func run(_ parsed: QueryNode, limit: Int, offset: Int = 0) throws -> Page {
        var engine = SearchEngine(view: view, analyzer: analyzer)
        engine.budget = budget
        let result = try engine.search(QueryPlan(parsed), limit: limit, offset: offset, texts: true)
        let prefixes = parsed.positiveTexts.filter { $0.kind == .prefix }.map { analyzer.prefixTerm($0.text) }
        let snippets = SnippetBuilder()
        var scratch = analyzer.analyzer.makeScratch()
        var results: [SearchResult] = []
        // Texts came with the records, in the same round trips.
        for (hit, text) in zip(result.hits, result.hits.map { $0.text ?? "" }) {
            // The document's language decides stemming, as it did when the document was indexed.
            let snippet = snippets.snippet(
                for: text, language: hit.record.lang,
                terms: HighlightTerms(query: parsed, searched: hit.terms, prefixes: prefixes, analyzer: analyzer.analyzer),
                analyzer: analyzer.analyzer, scratch: &scratch)
            results.append(
                SearchResult(
                    url: hit.record.url, title: hit.record.title, date: hit.record.date, score: hit.score,
                    group: hit.doc.group.description, snippet: snippet, voucher: Hex.encode(hit.voucher)))
        }
        return Page(parsed: parsed, total: result.total, totalIsExact: result.totalIsExact, results: results)
    }
}
