import AsyncHTTPClient
import Blocks
import Index
import NIOCore
import NIOHTTP1
import Support

/// The client side of a hub: registration and sessions (a hub-issued nonce signed with the
/// group key), and the requests `HubDestination` publishes with. A refusal becomes
/// `PublishError.refused` with the hub's code and reason.
public final class HubClient: Sendable {
    /// `scheme://host[:port]` and any path prefix before `/groups/`.
    public let base: String
    let client: HTTPClient
    let timeout: TimeAmount

    public init(base: String, timeoutSeconds: Double = 60) {
        var b = base
        while b.hasSuffix("/") { b.removeLast() }
        self.base = b
        timeout = .milliseconds(Int64(timeoutSeconds * 1000))
        var config = HTTPClient.Configuration()
        config.decompression = .disabled
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Closes the connection pool; call once done.
    public func shutdown() async { try? await client.shutdown() }

    deinit {
        // A client dropped on an error path (a `try` between `init` and `shutdown`) would
        // otherwise trap in HTTPClient's deinit and take the whole process down. Non-blocking,
        // as deinit may run on an event loop; a second shutdown only reports an error, ignored.
        client.shutdown { _ in }
    }

    /// One request; a 2xx answer's body, or `accepting` statuses' (e.g. 404) as nil.
    func call(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, token: String? = nil, type: String = "application/json",
        accepting: Set<Int> = []
    ) async throws -> [UInt8]? {
        let url = base + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: type)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw PublishError.transport(url: url, message: "\(error)")
        }
        let status = Int(response.status.code)
        if (200..<300).contains(status) { return Array(buffer: bytes) }
        if accepting.contains(status) { return nil }
        let json = try? JSON.parse(Array(buffer: bytes))
        throw PublishError.refused(
            url: url, status: status, code: json?["error"]?.string ?? "http-\(status)",
            reason: json?["reason"]?.string ?? String(decoding: Array(buffer: bytes).prefix(300), as: UTF8.self))
    }

    func json(_ method: HTTPMethod, _ path: String, _ body: JSON? = nil, token: String? = nil) async throws -> JSON {
        let answer = try await call(method, path, body: body.map(\.canonical), token: token) ?? []
        do { return try JSON.parse(answer) } catch { throw PublishError.transport(url: base + path, message: "answer is not JSON") }
    }

    /// A fresh nonce to sign.
    public func nonce() async throws -> String {
        guard let n = try await json(.POST, "/api/nonce")["nonce"]?.string else {
            throw PublishError.transport(url: base + "/api/nonce", message: "no nonce in the answer")
        }
        return n
    }

    /// Signs a fresh nonce for `purpose` and posts it with `extra` fields; returns the answer.
    /// A nonce refused as expired or unknown (a slow link or a busy hub can outlast its
    /// lifetime) is replaced once by a new one, as the refusal asks.
    func prove(_ purpose: String, key: GroupKey, extra: [String: JSON] = [:]) async throws -> JSON {
        for attempt in 1...2 {
            let nonce = try await nonce()
            var body = extra
            body["publicKey"] = .string(Hex.encode(key.publicKey))
            body["nonce"] = .string(nonce)
            body["signature"] = .string(Hex.encode(try key.sign(HubProtocol.challenge(purpose: purpose, nonce: nonce))))
            do {
                return try await json(.POST, "/api/\(purpose)", .object(body))
            } catch PublishError.refused(_, _, "bad-nonce", _) where attempt == 1 {
                continue
            }
        }
        preconditionFailure("the second attempt returns or throws")
    }

    /// Registers `key`'s group (idempotent; a name given replaces the display name).
    public func register(key: GroupKey, name: String?) async throws -> JSON {
        try await prove("register", key: key, extra: name.map { ["name": .string($0)] } ?? [:])
    }

    /// Registers `key`'s group as hosting its own index at `follow`: signs a nonce for that URL,
    /// has `placeProof` put the proof file where the site serves it (`FOLLOW/indexer-hub-proof.json`),
    /// then asks the hub, which fetches the proof and from then on polls the site.
    public func register(key: GroupKey, name: String?, follow: String, placeProof: ([UInt8]) throws -> Void) async throws -> JSON {
        let nonce = try await nonce()
        let signature = Hex.encode(try key.sign(HubProtocol.challenge(purpose: "follow \(follow)", nonce: nonce)))
        try placeProof(JSON.object(["nonce": .string(nonce), "signature": .string(signature)]).pretty.utf8.map { $0 })
        var body: [String: JSON] = [
            "publicKey": .string(Hex.encode(key.publicKey)), "nonce": .string(nonce), "signature": .string(signature), "follow": .string(follow),
        ]
        if let name { body["name"] = .string(name) }
        return try await json(.POST, "/api/register", .object(body))
    }

    /// A session token for uploads to `key`'s group.
    public func session(key: GroupKey) async throws -> String {
        guard let t = try await prove("session", key: key)["token"]?.string else {
            throw PublishError.transport(url: base + "/api/session", message: "no token in the answer")
        }
        return t
    }

    /// A plain GET of `url` (a followed group's manifest or proof file): status, body (at most
    /// `limit` bytes) and ETag; a 304 answers `etag`'s conditional request.
    public static func fetch(_ url: String, etag: String? = nil, limit: Int = 16 << 20, timeoutSeconds: Double = 30) async throws -> (
        status: Int, body: [UInt8], etag: String?
    ) {
        var config = HTTPClient.Configuration()
        config.decompression = .disabled
        config.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        var request = HTTPClientRequest(url: url)
        if let etag { request.headers.add(name: "If-None-Match", value: etag) }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeoutSeconds * 1000)))
            let body = try await response.body.collect(upTo: limit)
            try? await client.shutdown()
            return (Int(response.status.code), Array(buffer: body), response.headers.first(name: "etag"))
        } catch {
            try? await client.shutdown()
            throw PublishError.transport(url: url, message: "\(error)")
        }
    }

    /// Splits a hub URL given on the command line: the hub's base, and the group it names
    /// (`…/groups/<group>`), if any.
    public static func parse(_ url: String) -> (base: String, group: String?) {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        guard let r = u.ranges(of: "/groups/").last else { return (u, nil) }
        let group = String(u[r.upperBound...])
        return (String(u[..<r.lowerBound]), group.isEmpty || group.contains("/") ? nil : group)
    }
}

/// A group's namespace on a hub as a publish destination. Blocks go up to 8 at a time; the
/// hub checks each against its CID and the group's quota, and accepts the manifest only once
/// every block it reaches is there.
public final class HubDestination: PublishDestination {
    public let client: HubClient
    public let group: GroupID
    let token: String
    public let concurrency = 8
    public var name: String { client.base + "/groups/\(group)" }
    var path: String { "/groups/\(group)" }

    /// Opens an upload session for `key`'s group (which must be registered).
    public init(client: HubClient, key: GroupKey) async throws {
        self.client = client
        group = key.group
        token = try await client.session(key: key)
    }

    public func currentManifest() async throws -> [UInt8]? {
        try await client.call(.GET, path + "/manifest.json", accepting: [404])
    }

    public func missing(_ cids: [CID]) async throws -> Set<CID> {
        let answer = try await client.json(
            .POST, path + "/missing", .object(["cids": .array(cids.map { .string($0.description) })]), token: token)
        return Set((answer["missing"]?.array ?? []).compactMap { $0.string.flatMap { try? CID($0) } })
    }

    public func put(_ cid: CID, bytes: [UInt8], source: DirectoryStore) async throws -> Bool {
        _ = try await client.call(.PUT, path + "/blocks/\(cid)", body: bytes, token: token, type: "application/vnd.ipld.raw")
        return false
    }

    public func commit(manifest: [UInt8]) async throws {
        _ = try await client.call(.PUT, path + "/manifest.json", body: manifest, token: token)
    }
}
