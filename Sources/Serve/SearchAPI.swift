import Foundation
import Hummingbird
import Index
import NIOCore
import NIOPosix
import Query
import Search
import SearchOutput
import Support

/// `/api/search?q=&index=&limit=&offset=&sort=` and `/api/indexes`.
///
/// The search answer is `SearchJSON`'s document (the schema of `indexer search --json`), with
/// the index's name and the time the search took.
///
/// A hostile query cannot take the host: its size is capped (bytes, analyzed terms, prefixes:
/// 400 beyond), its work is budgeted (`SearchBudget`: it stops early and answers the best of
/// what it examined, marked `partial: true` with `partialReason`), and at most
/// `maxSearches` run at once (`SearchGate`: 503 with Retry-After beyond), on threads of their
/// own. Partial results rather than an error: what the budget found is still the best of the
/// documents examined, the answer is the same every time (work limits are counts), and an
/// error would invite the client to send the same expensive query again.
///
/// Errors are `{"error": "..."}` with 400 (bad query or parameters), 404 (unknown index),
/// 503 (too many searches at once) or 500 (the index could not be read).
struct SearchAPI {
    let config: ServeConfiguration
    let names: [String]
    let gate: SearchGate

    func respond(_ request: Request) async -> Response {
        let params = request.uri.queryParameters
        let q = params["q"].map(String.init) ?? ""
        guard !q.trimmingCharacters(in: .whitespaces).isEmpty else { return failure(.badRequest, "q (the query) is missing") }
        guard q.utf8.count <= config.maxQueryBytes else { return failure(.badRequest, "the query is longer than \(config.maxQueryBytes) bytes") }
        let name = params["index"].map(String.init) ?? names[0]
        guard let i = names.firstIndex(of: name) else { return failure(.notFound, "no index named \(name) (see /api/indexes)") }
        guard let limit = int(params["limit"], default: 10), (1...config.maxResults).contains(limit) else {
            return failure(.badRequest, "limit must be a number from 1 to \(config.maxResults)")
        }
        guard let offset = int(params["offset"], default: 0), (0...10_000).contains(offset) else {
            return failure(.badRequest, "offset must be a number from 0 to 10000")
        }
        let order = params["sort"].map(String.init)
        guard order.map({ ResultOrder(rawValue: $0) != nil }) ?? true else {
            return failure(.badRequest, "sort must be relevance, date or oldest")
        }
        let parsed: QueryNode
        do { parsed = try QueryParser.parse(q) } catch { return failure(.badRequest, error.description) }
        let size = QuerySize(parsed, analyzer: IndexAnalyzer())
        guard size.terms <= config.maxQueryTerms else {
            return failure(.badRequest, "the query looks up \(size.terms) terms; at most \(config.maxQueryTerms) are allowed")
        }
        guard size.prefixes <= config.maxQueryPrefixes else {
            return failure(.badRequest, "the query has \(size.prefixes) prefixes (word*); at most \(config.maxQueryPrefixes) are allowed")
        }
        guard await gate.enter() else {
            var r = failure(.serviceUnavailable, "too many searches at once; retry in a moment")
            r.headers[.retryAfter] = "1"
            return r
        }
        defer { gate.leave() }
        let index = config.indexes[i]
        let (limits, observer, replay) = (config.queryBudget, config.searchObserver, config.replay)
        let start = monotonicSeconds()
        do {
            // Searching reads blocks with blocking I/O: keep it off the event loops and the
            // cooperative pool, and off the pool that reads blocks and files for other requests.
            let (page, stopped) = try await searchThreads.runIfActive { () throws -> (IndexSearch.Page, SearchBudget.Reason?) in
                observer?(.started)
                // The budget's clock starts when the search does, not while it queued.
                let budget = SearchBudget(limits)
                let view = try index.view()
                var search = IndexSearch(view: view)
                search.budget = budget
                search.replay = replay
                search.order = order.flatMap(ResultOrder.init(rawValue:))
                var page = try search.run(parsed, limit: limit, offset: offset)
                let names = page.results.isEmpty ? [:] : index.groupNames(for: view)
                for k in page.results.indices { page.results[k].groupName = names[page.results[k].group] }
                observer?(.finished(stopped: budget.stopped, candidates: budget.candidates, phraseChecks: budget.phraseChecks))
                return (page, budget.stopped)
            }
            let ms = (monotonicSeconds() - start) * 1000
            return json(
                .ok, SearchJSON.document(query: q, page: page, offset: offset, index: name, tookMs: ms, partial: stopped?.description))
        } catch let e as QueryError {
            return failure(.badRequest, e.description)
        } catch let e as SearchError {
            return failure(.badRequest, e.description)
        } catch {
            return failure(.internalServerError, "\(error)")
        }
    }

    func indexList() -> Response {
        var w = JSONWriter()
        w.object { w in
            w.key("indexes")
            w.array { w in
                for index in config.indexes {
                    let view = try? index.view()
                    w.object { w in
                        w.key("name"); w.string(index.name)
                        w.key("documents"); w.number(Int64(view?.documentCount ?? 0))
                        w.key("root"); w.string(view?.manifest.root.description ?? "")
                        w.key("group"); w.string(view?.manifest.group.description ?? "")
                        w.key("segments"); w.number(Int64(view?.segments.count ?? 0))
                    }
                }
            }
        }
        return json(.ok, String(decoding: w.bytes, as: UTF8.self))
    }

    private func int(_ value: Substring?, default d: Int) -> Int? {
        guard let value else { return d }
        return Int(value)
    }

    private func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "application/json; charset=utf-8", .cacheControl: "no-store",
                .accessControlAllowOrigin: "*",
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, String(decoding: JSON.object(["error": .string(message)]).canonical, as: UTF8.self))
    }
}

/// What a parsed query asks the engine to open, counted before it runs: analyzed terms
/// (every alternative form of a word counts, in each field it is looked up in once) and
/// prefixes.
struct QuerySize: Equatable {
    var terms = 0
    var prefixes = 0

    init(_ node: QueryNode, analyzer: IndexAnalyzer) {
        add(node, analyzer)
    }

    private mutating func add(_ node: QueryNode, _ analyzer: IndexAnalyzer) {
        switch node {
        case .term(.url?, let text): terms += analyzer.urlTerms(text).count
        case .term(_, let text), .phrase(_, let text): terms += analyzer.queryTerms(text).reduce(0) { $0 + $1.alternatives.count }
        case .prefix: prefixes += 1
        case .filter, .dateRange: terms += 1
        case .and(let items), .or(let items): for item in items { add(item, analyzer) }
        case .not(let inner): add(inner, analyzer)
        }
    }
}

/// Searches run here rather than on NIO's shared pool, which reads blocks and files for every
/// other request: searches that hold all of these threads cannot delay a block. Sized for
/// the default `maxSearches`; a higher setting queues the extra searches here.
let searchThreads: NIOThreadPool = {
    let pool = NIOThreadPool(numberOfThreads: max(2, processorCount))
    pool.start()
    return pool
}()
