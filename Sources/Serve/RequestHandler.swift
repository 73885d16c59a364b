import Blocks
import Hummingbird
import Index
import NIOCore
import NIOPosix
import Support

/// Where a request path leads. Parsed by hand rather than by router patterns so that index
/// names and the server's own paths can never shadow each other.
enum Target: Equatable {
    case page(index: Int)
    case manifest(index: Int)
    case block(index: Int, cid: CID)
    case gateway(CID)
    case search
    case indexList
    case notFound

    init(path: String, names: [String]) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()  // leading ""
        func local(_ index: Int, _ rest: ArraySlice<Substring>) -> Target {
            switch rest.count {
            case 0: return .page(index: index)
            case 1 where rest.first == "" || rest.first == "index.html": return .page(index: index)
            case 1 where rest.first == "manifest.json": return .manifest(index: index)
            case 2 where rest.first == "blocks":
                return (try? CID(String(rest.last!))).map { .block(index: index, cid: $0) } ?? .notFound
            default: return .notFound
            }
        }
        guard let first = parts.first else { self = .page(index: 0); return }
        switch first {
        case "api" where parts.count == 2 && parts.last == "search": self = .search
        case "api" where parts.count == 2 && parts.last == "indexes": self = .indexList
        case "ipfs" where parts.count == 2: self = (try? CID(String(parts.last!))).map { .gateway($0) } ?? .notFound
        case "", "index.html", "manifest.json", "blocks": self = local(0, parts)
        default:
            guard let i = names.firstIndex(where: { $0 == first }) else { self = .notFound; return }
            self = local(i, parts.dropFirst())
        }
    }
}

/// Answers every GET (and, through Hummingbird, HEAD).
struct RequestHandler: Sendable {
    let config: ServeConfiguration
    let names: [String]

    init(config: ServeConfiguration) {
        self.config = config
        names = config.indexes.map(\.name)
    }

    static let immutable = "public, max-age=31536000, immutable"

    func respond(_ request: Request, _ context: ServeContext) async throws -> Response {
        guard request.uri.path.utf8.count <= 1024 else { return text(.uriTooLong, "path too long\n") }
        switch Target(path: request.uri.path, names: names) {
        case .page(let i):
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                    .contentSecurityPolicy: SearchPage.contentSecurityPolicy,
                ],
                body: .init(byteBuffer: ByteBuffer(string: SearchPage.html(index: names[i]))))
        case .manifest(let i):
            return try await file(
                config.indexes[i].manifestPath, request: request, type: "application/json",
                cacheControl: "no-cache", etag: nil)
        case .block(let i, let cid):
            return try await file(
                config.indexes[i].blockPath(cid), request: request, type: "application/octet-stream",
                cacheControl: RequestHandler.immutable, etag: "\"\(cid)\"")
        case .gateway(let cid):
            let accept = request.headers[.accept] ?? ""
            let format = request.uri.queryParameters["format"].map(String.init)
            if format == "car" || (format == nil && accept.contains("application/vnd.ipld.car") && !accept.contains("raw") && !accept.contains("*/*"))
            {
                return text(.notAcceptable, "only raw blocks (application/vnd.ipld.raw) are served here\n")
            }
            for index in config.indexes where FileSystem.exists(index.blockPath(cid)) {
                var r = try await file(
                    index.blockPath(cid), request: request, type: "application/vnd.ipld.raw",
                    cacheControl: RequestHandler.immutable, etag: "\"\(cid)\"")
                r.headers[.xContentTypeOptions] = "nosniff"
                return r
            }
            return text(.notFound, "block \(cid) is in none of the served indexes\n")
        case .search:
            return await SearchAPI(config: config, names: names).respond(request)
        case .indexList:
            return SearchAPI(config: config, names: names).indexList()
        case .notFound:
            return text(.notFound, "not found\n")
        }
    }

    /// A whole file or a range of it, with validators. Blocks are small (the tree layer caps
    /// nodes), so they are read whole on the blocking-I/O pool rather than streamed.
    func file(_ path: String, request: Request, type: String, cacheControl: String, etag fixedTag: String?) async throws -> Response {
        let bytes: [UInt8]
        do {
            bytes = try await NIOThreadPool.singleton.runIfActive { try FileSystem.readFile(path, limit: 64 << 20) }
        } catch FileSystem.Error.notFound {
            return text(.notFound, "not found\n")
        }
        // A manifest's tag is a hash of its bytes, so it changes exactly when the file does.
        let etag = fixedTag ?? "\"\(CID(of: bytes))\""
        var headers: HTTPFields = [
            .contentType: type, .cacheControl: cacheControl, .eTag: etag, .acceptRanges: "bytes",
            .accessControlAllowOrigin: "*",
        ]
        if let match = request.headers[.ifNoneMatch],
            match == "*" || match.split(separator: ",").contains(where: { $0.trimmingSpaces == etag || $0.trimmingSpaces == "W/" + etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        switch ByteRange(header: request.headers[.range], length: bytes.count) {
        case .whole:
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .part(let r):
            headers[.contentRange] = "bytes \(r.lowerBound)-\(r.upperBound - 1)/\(bytes.count)"
            return Response(status: .partialContent, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes[r])))
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(bytes.count)"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        }
    }
}

func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: message)))
}
