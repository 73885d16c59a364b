import Foundation
import Hummingbird
import Index
import NIOCore
import NIOPosix
import Query
import Search
import SearchOutput
import Support

/// `/api/search?q=&index=&limit=&offset=` and `/api/indexes`.
///
/// The search answer is `SearchJSON`'s document (the schema of `indexer search --json`), with
/// the index's name and the time the search took.
///
/// Errors are `{"error": "..."}` with 400 (bad query or parameters), 404 (unknown index) or
/// 500 (the index could not be read).
struct SearchAPI {
    let config: ServeConfiguration
    let names: [String]

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
        let index = config.indexes[i]
        let start = monotonicSeconds()
        do {
            // Searching reads blocks with blocking I/O: keep it off the event loops and the
            // cooperative pool.
            let page = try await NIOThreadPool.singleton.runIfActive {
                try IndexSearch(view: try index.view()).run(q, limit: limit, offset: offset)
            }
            let ms = (monotonicSeconds() - start) * 1000
            return json(.ok, SearchJSON.document(query: q, page: page, offset: offset, index: name, tookMs: ms))
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
