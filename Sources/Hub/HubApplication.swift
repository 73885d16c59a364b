import Blocks
import Hummingbird
import HummingbirdCore
import Index
import Logging
import NIOCore
import NIOPosix
import Publish
import Support

/// The request context: uploads are bounded by the largest block plus a little framing.
public struct HubContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
    public var maxUploadSize: Int { (16 << 20) + (64 << 10) }
}

/// The hub's routes. Reading is plain static index folders, so every reader works unchanged:
///
///     GET  /groups/<group>/manifest.json     current version (no-cache, ETag)
///     GET  /groups/<group>/bootstrap.car     its bootstrap blocks, rebuilt from the group's blocks
///     GET  /groups/<group>/blocks/<cid>      blocks (immutable, ETag = CID)
///     GET  /groups/<group>/versions/<n>.json the versions kept
///     GET  /shared/…                         the shared index (same layout), signed by the hub,
///                                            and names.json, the shared groups' display names
///     GET  /api/groups                       registered groups: ID, key, name, current root
///     GET  /log?after=N&limit=M              the version log from entry N+1, with a signed checkpoint
///
/// Writing: `POST /api/nonce` → `{nonce}`; `POST /api/register` and `POST /api/session` with
/// `{publicKey, nonce, signature, name?}` (the signature over `HubProtocol.challenge`);
/// then with `Authorization: Bearer <token>`: `POST /groups/<group>/missing {cids}` →
/// `{missing}`, `PUT /groups/<group>/blocks/<cid>`, and `PUT /groups/<group>/manifest.json`.
/// Refusals are JSON `{error, reason}` with 4xx statuses (413 and 409 for quotas).
public func buildHubRouter(_ hub: HubService) -> Router<HubContext> {
    let router = Router(context: HubContext.self)
    router.post("/api/nonce") { _, _ in
        await answer {
            let (nonce, expires) = try await run { try hub.nonce() }
            return json(.object(["nonce": .string(nonce), "expires": .string(ISODate.format(Int64(expires)))]))
        }
    }
    router.post("/api/register") { request, _ in
        await answer {
            let f = try await fields(request)
            let follow = f["follow"]?.string.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            var fetched: (status: Int, body: [UInt8], etag: String?)? = nil
            if let follow {
                try await run { try HubAddresses.check(follow, allowPrivate: hub.config.allowPrivateFollow) }
                fetched = try? await HubClient.fetch(follow + "/" + HubProtocol.proofFile, limit: 4096)
            }
            let proof = fetched?.status == 200 ? fetched?.body : nil
            let g = try await run {
                try hub.register(
                    publicKey: f["publicKey"]?.string ?? "", nonce: f["nonce"]?.string ?? "", signature: f["signature"]?.string ?? "",
                    name: f["name"]?.string, follow: follow, proofFile: proof)
            }
            return json(groupJSON(g, current: nil), status: .created)
        }
    }
    router.post("/api/session") { request, _ in
        await answer {
            let f = try await fields(request)
            let s = try await run {
                try hub.session(publicKey: f["publicKey"]?.string ?? "", nonce: f["nonce"]?.string ?? "", signature: f["signature"]?.string ?? "")
            }
            return json(.object(["token": .string(s.token), "group": .string(s.group), "expires": .string(ISODate.format(Int64(s.expires)))]))
        }
    }
    router.get("/api/groups") { _, _ in
        await answer {
            let list = try await run {
                try hub.db.groups().map { g in groupJSON(g, current: try hub.db.versions(publicKey: g.publicKey).last) }
            }
            return json(.object(["groups": .array(list)]))
        }
    }
    router.get("/log") { request, _ in
        await answer {
            let after = max(0, request.uri.queryParameters.get("after", as: Int.self) ?? 0)
            let limit = min(max(1, request.uri.queryParameters.get("limit", as: Int.self) ?? 1000), 1000)
            let page = try await run { try hub.logPage(after: after, limit: limit) }
            var response = json(page)
            response.headers[.cacheControl] = "no-cache"
            return response
        }
    }
    router.post("/groups/:group/missing") { request, context in
        await answer {
            let group = try context.parameters.require("group")
            let f = try await fields(request)
            let cids = try (f["cids"]?.array ?? []).prefix(10_000).map { c -> CID in
                guard let s = c.string, let cid = try? CID(s) else { throw HubRefusal(400, "bad-request", "cids must be CID strings") }
                return cid
            }
            let missing = try await run { try hub.missing(group: hub.authorize(token: token(request), group: group), cids: Array(cids)) }
            return json(.object(["missing": .array(missing.map { .string($0.description) })]))
        }
    }
    router.put("/groups/:group/blocks/:cid") { request, context in
        await answer {
            let group = try context.parameters.require("group")
            guard let cid = try? CID(try context.parameters.require("cid")) else { throw HubRefusal(400, "bad-cid", "not a CID") }
            let g = try await run { try hub.authorize(token: token(request), group: group) }
            let bytes = try await body(request, limit: hub.config.maxBlockSize)
            try await run { try hub.putBlock(group: g, cid: cid, bytes: bytes) }
            return json(.object(["stored": .string(cid.description)]), status: .created)
        }
    }
    router.put("/groups/:group/manifest.json") { request, context in
        await answer {
            let group = try context.parameters.require("group")
            let g = try await run { try hub.authorize(token: token(request), group: group) }
            let bytes = try await body(request, limit: 16 << 20)
            let v = try await run { try hub.publish(group: g, manifest: bytes) }
            return json(.object(["group": .string(g.group), "number": .int(Int64(v.number)), "root": .string(v.root)]))
        }
    }
    for head in [false, true] {
        func get(_ path: RouterPath, _ handler: @escaping @Sendable (Request, HubContext) async throws -> Response) {
            if head {
                router.head(path) { r, c in try await handler(r, c).createHeadResponse() }
            } else {
                router.get(path, use: handler)
            }
        }
        get("/groups/:group/manifest.json") { request, context in
            let group = try context.parameters.require("group")
            guard let (_, v) = try await run({ try hub.current(group: group) }), let v else { return notFound() }
            return staticFile(v.manifest, request: request, type: "application/json", cacheControl: "no-cache", etag: "\"\(CID(of: v.manifest))\"")
        }
        get("/groups/:group/bootstrap.car") { request, context in
            let group = try context.parameters.require("group")
            // A registered group's folder only (the name is looked up, never used as a path as given).
            guard let (g, _) = try await run({ try hub.current(group: group) }),
                let bytes = try? await run({ try FileSystem.readFile(hub.folder(g.group) + "/" + Bootstrap.fileName, limit: Manifest.maxBytes) })
            else { return notFound() }
            return staticFile(bytes, request: request, type: "application/vnd.ipld.car", cacheControl: "no-cache", etag: "\"\(CID(of: bytes))\"")
        }
        get("/groups/:group/versions/:file") { request, context in
            let group = try context.parameters.require("group"), file = try context.parameters.require("file")
            guard file.hasSuffix(".json"), let n = Int(file.dropLast(5)), let (g, _) = try await run({ try hub.current(group: group) }),
                let v = try await run({ try hub.db.versions(publicKey: g.publicKey).first { $0.number == n } })
            else { return notFound() }
            return staticFile(v.manifest, request: request, type: "application/json", cacheControl: "public, max-age=31536000, immutable", etag: nil)
        }
        get("/shared/manifest.json") { request, _ in
            guard let bytes = try? await run({ try FileSystem.readFile(hub.sharedFolder + "/manifest.json", limit: Manifest.maxBytes) }) else {
                return notFound()
            }
            return staticFile(bytes, request: request, type: "application/json", cacheControl: "no-cache", etag: nil)
        }
        get("/shared/bootstrap.car") { request, _ in
            guard let bytes = try? await run({ try FileSystem.readFile(hub.sharedFolder + "/" + Bootstrap.fileName, limit: Manifest.maxBytes) })
            else {
                return notFound()
            }
            return staticFile(bytes, request: request, type: "application/vnd.ipld.car", cacheControl: "no-cache", etag: "\"\(CID(of: bytes))\"")
        }
        get("/shared/names.json") { request, _ in
            guard let bytes = try? await run({ try FileSystem.readFile(hub.sharedFolder + "/" + GroupNames.fileName, limit: 16 << 20) }) else {
                return notFound()
            }
            return staticFile(bytes, request: request, type: "application/json", cacheControl: "no-cache", etag: nil)
        }
        get("/shared/versions/:file") { request, context in
            let file = try context.parameters.require("file")
            guard file.hasSuffix(".json"), let n = Int(file.dropLast(5)), n > 0,
                let bytes = try? await run({ try FileSystem.readFile(hub.sharedFolder + "/versions/\(n).json", limit: 64 << 20) })
            else { return notFound() }
            return staticFile(bytes, request: request, type: "application/json", cacheControl: "public, max-age=31536000, immutable", etag: nil)
        }
        // Blocks answer at the flat URL and the fan-out one (`blocks/<xy>/<cid>`) alike,
        // whichever layout the manifest names: the hub stores them its own way.
        // One parameter name per position, as the router requires: `:cid` is the CID, or the
        // fan-out folder when `:b` follows.
        @Sendable func blockCID(_ context: HubContext) -> CID? {
            guard let a = context.parameters.get("cid") else { return nil }
            guard let b = context.parameters.get("b") else { return try? CID(a) }
            guard let cid = try? CID(b), a == BlockLayout.shard(of: b) else { return nil }
            return cid
        }
        let sharedBlock: @Sendable (Request, HubContext) async throws -> Response = { request, context in
            guard let cid = blockCID(context),
                let bytes = try? await run({ try DirectoryStore(root: hub.sharedFolder, create: false, layout: .fanOut).get(cid) })
            else { return notFound() }
            return staticFile(
                bytes, request: request, type: "application/octet-stream", cacheControl: "public, max-age=31536000, immutable", etag: "\"\(cid)\"")
        }
        get("/shared/blocks/:cid", sharedBlock)
        get("/shared/blocks/:cid/:b", sharedBlock)
        let groupBlock: @Sendable (Request, HubContext) async throws -> Response = { request, context in
            let group = try context.parameters.require("group")
            guard group.count == 16, group.allSatisfy(\.isHexDigit), let cid = blockCID(context) else {
                return notFound()
            }
            let bytes = try? await run { try hub.readStore(group).get(cid) }
            guard let bytes else { return notFound() }
            return staticFile(
                bytes, request: request, type: "application/octet-stream", cacheControl: "public, max-age=31536000, immutable", etag: "\"\(cid)\"")
        }
        get("/groups/:group/blocks/:cid", groupBlock)
        get("/groups/:group/blocks/:cid/:b", groupBlock)
    }
    return router
}

/// Blocking work on NIO's thread pool, off the event loops.
private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(body)
}
private func answer(_ work: @escaping @Sendable () async throws -> Response) async -> Response {
    do { return try await work() } catch let r as HubRefusal {
        return json(r.body, status: .init(code: r.status))
    } catch let e as HTTPError where e.status == .contentTooLarge {
        return json(HubProtocol.refusal("too-large", "the request body is over the hub's limit"), status: .contentTooLarge)
    } catch {
        return json(HubProtocol.refusal("internal", "\(error)"), status: .internalServerError)
    }
}
private func body(_ request: Request, limit: Int) async throws -> [UInt8] {
    Array(buffer: try await request.body.collect(upTo: limit))
}
private func fields(_ request: Request) async throws -> JSON {
    guard let j = try? JSON.parse(try await body(request, limit: 1 << 20)) else {
        throw HubRefusal(400, "bad-request", "the body must be a JSON object")
    }
    return j
}
private func token(_ request: Request) -> String? {
    guard let h = request.headers[.authorization], h.hasPrefix("Bearer ") else { return nil }
    return String(h.dropFirst(7))
}

/// The hub as an application on HTTP/1.1; `runService()` stops it on SIGINT and SIGTERM.
public func buildHubApplication(
    _ hub: HubService, host: String, port: Int, onRunning: (@Sendable (Int) -> Void)? = nil
) -> some ApplicationProtocol {
    var quiet = Logger(label: "indexer-hub")
    quiet.logLevel = .warning
    return Application(
        router: buildHubRouter(hub),
        server: .http1(configuration: .init(idleTimeout: .seconds(75))),
        configuration: .init(address: .hostname(host, port: port), serverName: "indexer-hub"),
        onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? port) },
        logger: quiet)
}

func groupJSON(_ g: HubGroup, current: HubVersion?) -> JSON {
    var o: [String: JSON] = [
        "group": .string(g.group), "publicKey": .string(g.publicKey), "name": g.name.map(JSON.string) ?? .null,
        "bytesUsed": .int(g.bytesUsed), "follow": g.follow.map(JSON.string) ?? .null, "shared": .bool(g.shared),
        "quota": .object([
            "bytes": .int(g.quota.bytes), "versions": .int(Int64(g.quota.versions)), "uploadsPerHour": .int(Int64(g.quota.uploadsPerHour)),
        ]),
    ]
    if let current {
        o["root"] = .string(current.root)
        o["number"] = .int(Int64(current.number))
    }
    return .object(o)
}

func json(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
        body: .init(byteBuffer: ByteBuffer(bytes: value.canonical)))
}

func notFound() -> Response {
    Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
}

/// A file of an index folder, with the headers a static host sends (and `If-None-Match`).
func staticFile(_ bytes: [UInt8], request: Request, type: String, cacheControl: String, etag: String?) -> Response {
    let tag = etag ?? "\"\(CID(of: bytes))\""
    let headers: HTTPFields = [.contentType: type, .cacheControl: cacheControl, .eTag: tag, .accessControlAllowOrigin: "*"]
    if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.filter { $0 != " " } == tag }) {
        return Response(status: .notModified, headers: headers)
    }
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
