import Analysis
import Blocks
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
    /// Replay links for every result from this template; nil: each group's own (its version's).
    public var replay: ReplayTemplate? = nil
    /// The order of results; nil: by relevance, except a `thread:` query, oldest first.
    public var order: ResultOrder? = nil

    public init(view: IndexView, analyzer: IndexAnalyzer = IndexAnalyzer()) {
        self.view = view
        self.analyzer = analyzer
    }

    /// Each group's replay template, as its version records it (one that does not parse is
    /// left out: no link is better than a wrong one).
    private var groupTemplates: [GroupID: ReplayTemplate] {
        var out: [GroupID: ReplayTemplate] = [:]
        for v in view.versions { out[v.version.group] = v.version.replay.flatMap { try? ReplayTemplate($0) } }
        return out
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
    #if !hasFeature(Embedded)  // the page parses first (a QueryError is not a read failure there)
        public func run(_ query: String, limit: Int, offset: Int = 0) throws(ReadFailure) -> Page {
            try run(QueryParser.parse(query), limit: limit, offset: offset)
        }
    #endif

    public func run(_ parsed: QueryNode, limit: Int, offset: Int = 0) throws(ReadFailure) -> Page {
        var engine = SearchEngine(view: view, analyzer: analyzer)
        engine.budget = budget
        let plan = QueryPlan(parsed)
        let result: SearchEngine.Result
        switch order ?? (plan.hasThread ? .oldest : .relevance) {
        case .relevance: result = try engine.search(plan, limit: limit, offset: offset, texts: true)
        case .date: result = try engine.searchByDate(plan, newestFirst: true, limit: limit, offset: offset, texts: true)
        case .oldest: result = try engine.searchByDate(plan, newestFirst: false, limit: limit, offset: offset, texts: true)
        }
        let prefixes = parsed.positiveTexts.filter { $0.kind == .prefix }.map { analyzer.prefixTerm($0.text) }
        let snippets = SnippetBuilder()
        var scratch = analyzer.analyzer.makeScratch()
        var results: [SearchResult] = []
        let templates = replay == nil ? groupTemplates : [:]
        // Texts came with the records, in the same round trips.
        for (hit, text) in zip(result.hits, result.hits.map { $0.text ?? "" }) {
            // The document's language decides stemming, as it did when the document was indexed.
            let snippet = snippets.snippet(
                for: text, language: hit.record.lang,
                terms: HighlightTerms(query: parsed, searched: hit.terms, prefixes: prefixes, analyzer: analyzer.analyzer),
                analyzer: analyzer.analyzer, scratch: &scratch)
            var r = SearchResult(
                url: hit.record.url, title: hit.record.title, date: hit.record.date, score: hit.score,
                group: hit.doc.group.description, snippet: snippet, voucher: Hex.encode(hit.voucher))
            r.author = hit.record.author
            r.authorName = hit.record.authorName
            r.parent = hit.record.parent
            // Only records are captures: a site folder's page has no record ID and no replay.
            if let id = hit.record.recordID {
                let location = hit.record.sourceLocation
                r.recordID = id
                r.file = location?.file
                r.offset = location?.offset
                let capture = ReplayTemplate.Capture(
                    url: r.url, date: r.date, recordID: id, file: location?.file, offset: location?.offset)
                r.replay = (replay ?? templates[hit.doc.group])?.link(capture)
            }
            results.append(r)
        }
        return Page(parsed: parsed, total: result.total, totalIsExact: result.totalIsExact, results: results)
    }
}
