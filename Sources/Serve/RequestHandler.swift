import Blocks
import Hummingbird
import Index
import NIOCore
import NIOPosix
import Support

/// Where a request path leads. Parsed by hand rather than by router patterns so that index
/// names and the server's own paths can never shadow each other.
enum Target: Equatable {
    /// `/` or `/<name>/`: redirected to the static page, `search/` (relative, so it works
    /// under a proxy's prefix too).
    case page(index: Int)
    /// A file of the static page (`search/index.html` for `search/`), as build writes it.
    case pageFile(index: Int, name: String)
    case manifest(index: Int)
    /// `names.json`, the group names the page shows (checked by the page against the manifest's signer).
    case names(index: Int)
    /// `bootstrap.car`, the blocks every query reads first (checked by readers against the manifest).
    case bootstrap(index: Int)
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
            case 1 where rest.first == "names.json": return .names(index: index)
            case 1 where rest.first == "bootstrap.car": return .bootstrap(index: index)
            case 1 where rest.first == "search": return .page(index: index)
            case 2 where rest.first == "search":
                let name = rest.last == "" ? "index.html" : String(rest.last!)
                return PageFiles.names.contains(name) ? .pageFile(index: index, name: name) : .notFound
            case 2 where rest.first == "blocks":
                return (try? CID(String(rest.last!))).map { .block(index: index, cid: $0) } ?? .notFound
            // Fan-out (`blocks/<xy>/<cid>`): either URL serves the block, whichever way the folder holds it.
            case 3 where rest.first == "blocks":
                guard let cid = try? CID(String(rest.last!)), rest[rest.startIndex + 1] == BlockLayout.shard(of: cid.description) else {
                    return .notFound
                }
                return .block(index: index, cid: cid)
            default: return .notFound
            }
        }
        guard let first = parts.first else { self = .page(index: 0); return }
        switch first {
        case "api" where parts.count == 2 && parts.last == "search": self = .search
        case "api" where parts.count == 2 && parts.last == "indexes": self = .indexList
        case "ipfs" where parts.count == 2: self = (try? CID(String(parts.last!))).map { .gateway($0) } ?? .notFound
        case "", "index.html", "manifest.json", "names.json", "bootstrap.car", "blocks", "search": self = local(0, parts)
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
    let checks = BlockChecks()
    let gate: SearchGate

    init(config: ServeConfiguration) {
        self.config = config
        names = config.indexes.map(\.name)
        gate = SearchGate(limit: config.maxSearches, maxWaiting: config.maxWaitingSearches, wait: config.searchWait)
    }

    /// Largest block file read; ours are far smaller (the tree layer caps nodes).
    static let maxBlockBytes = 16 << 20

    static let immutable = "public, max-age=31536000, immutable"

    func respond(_ request: Request, _ context: ServeContext) async throws -> Response {
        guard request.uri.path.utf8.count <= 1024 else { return text(.uriTooLong, "path too long\n") }
        switch Target(path: request.uri.path, names: names) {
        case .page:
            // Relative to the request's path: `/`, `/index.html` and `/search` lead to `search/`
            // beside them, `/name` (no slash) to `name/search/`. The query (`?q=`) goes along.
            let path = request.uri.path, last = path.hasSuffix("/") ? "" : String(path.split(separator: "/").last ?? "")
            let target = (last == "" || last == "index.html" ? "" : last + "/") + (last == "search" ? "" : "search/")
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return Response(status: .found, headers: [.location: target + query, .cacheControl: "no-cache"])
        case .pageFile(let i, let name):
            let (files, pages) = (config.indexes[i].files, config.pageFiles)
            let read = try await NIOThreadPool.singleton.runIfActive { try PageFiles.read(name, index: files, fallback: pages) }
            guard let bytes = read else { return text(.notFound, "no search page: build the index again after `make wasm`\n") }
            var r = answer(bytes, request: request, type: PageFiles.type(name), cacheControl: "no-cache", etag: nil)
            r.headers[.contentSecurityPolicy] = PageFiles.contentSecurityPolicy
            r.headers[.xContentTypeOptions] = "nosniff"
            return r
        case .names(let i):
            let files = config.indexes[i].files
            let read = try await NIOThreadPool.singleton.runIfActive { try files.groupNames(limit: 1 << 20) }
            guard case .file(let bytes, _) = read else { return text(.notFound, "not found\n") }
            return answer(bytes, request: request, type: "application/json", cacheControl: "no-cache", etag: nil)
        case .bootstrap(let i):
            let files = config.indexes[i].files
            let read = try await NIOThreadPool.singleton.runIfActive { try files.bootstrap(limit: Manifest.maxBytes) }
            guard case .file(let bytes, _) = read else { return text(.notFound, "not found\n") }
            return answer(bytes, request: request, type: "application/vnd.ipld.car", cacheControl: "no-cache", etag: nil)
        case .manifest(let i):
            let files = config.indexes[i].files
            let read = try await NIOThreadPool.singleton.runIfActive { try files.manifest(limit: Manifest.maxBytes) }
            guard case .file(let bytes, _) = read else { return text(.notFound, "not found\n") }
            return answer(bytes, request: request, type: "application/json", cacheControl: "no-cache", etag: nil)
        case .block(let i, let cid):
            switch try await block(cid, in: config.indexes[i]) {
            case .found(let bytes):
                return answer(
                    bytes, request: request, type: "application/octet-stream", cacheControl: RequestHandler.immutable,
                    etag: "\"\(cid)\"")
            case .absent: return text(.notFound, "not found\n")
            case .corrupt: return corrupt(cid)
            }
        case .gateway(let cid):
            let accept = request.headers[.accept] ?? ""
            let format = request.uri.queryParameters["format"].map(String.init)
            if format == "car" || (format == nil && accept.contains("application/vnd.ipld.car") && !accept.contains("raw") && !accept.contains("*/*"))
            {
                return text(.notAcceptable, "only raw blocks (application/vnd.ipld.raw) are served here\n")
            }
            // A damaged copy in one index does not hide a good one in another.
            var damaged = false
            for index in config.indexes {
                switch try await block(cid, in: index) {
                case .found(let bytes):
                    var r = answer(
                        bytes, request: request, type: "application/vnd.ipld.raw", cacheControl: RequestHandler.immutable,
                        etag: "\"\(cid)\"")
                    r.headers[.xContentTypeOptions] = "nosniff"
                    return r
                case .absent: continue
                case .corrupt: damaged = true
                }
            }
            return damaged ? corrupt(cid) : text(.notFound, "block \(cid) is in none of the served indexes\n")
        case .search:
            return await SearchAPI(config: config, names: names, gate: gate).respond(request)
        case .indexList:
            return SearchAPI(config: config, names: names, gate: gate).indexList()
        case .notFound:
            return text(.notFound, "not found\n")
        }
    }

    enum BlockRead {
        case found([UInt8])
        /// Missing, a link, or not a regular file.
        case absent
        /// Its bytes do not hash to its name.
        case corrupt
    }

    /// The block file `cid` of `index`, served only if its bytes hash to it. Blocks are small,
    /// so they are read whole (and hashed) on the blocking-I/O pool rather than streamed.
    func block(_ cid: CID, in index: ServedIndex) async throws -> BlockRead {
        let (files, checks, warn) = (index.files, checks, config.warnings)
        return try await NIOThreadPool.singleton.runIfActive {
            guard case .file(let bytes, let stamp) = try files.block(cid.description, limit: RequestHandler.maxBlockBytes) else {
                return .absent
            }
            let ok = checks.matches(cid, bytes, stamp: stamp) {
                warn?("\(index.blockPath(cid)): does not hash to its CID (corrupt or forged); not served (500)")
            }
            return ok ? .found(bytes) : .corrupt
        }
    }

    func corrupt(_ cid: CID) -> Response {
        var r = text(.internalServerError, "block \(cid) is damaged on this server (its bytes do not hash to its CID); not served\n")
        r.headers[.cacheControl] = "no-store"
        return r
    }

    /// A whole file or a range of it, with validators.
    func answer(_ bytes: [UInt8], request: Request, type: String, cacheControl: String, etag fixedTag: String?) -> Response {
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
