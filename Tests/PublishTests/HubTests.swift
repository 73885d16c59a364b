import Blocks
import Foundation
import Hub
import Hummingbird
import HummingbirdTesting
import Index
import IndexTestSupport
import NIOCore
import Publish
import Support
import Synchronization
import Testing
import TextTestSupport

let keyA = try! GroupKey(seed: Array(repeating: 41, count: 32))
let keyB = try! GroupKey(seed: Array(repeating: 42, count: 32))

func newHub(_ tweak: (inout HubService.Configuration) -> Void = { _ in }) throws -> HubService {
    var config = HubService.Configuration(data: tempDirectory("hub"))
    tweak(&config)
    return try HubService(config)
}

func body(_ json: JSON) -> ByteBuffer { ByteBuffer(bytes: json.canonical) }
func parse(_ b: ByteBuffer) throws -> JSON { try JSON.parse(Array(buffer: b)) }

/// Drives the hub's HTTP API as a client would, through HummingbirdTesting's client.
struct HubSession {
    let client: any TestClientProtocol

    func nonce() async throws -> String {
        try await client.execute(uri: "/api/nonce", method: .post) { try parse($0.body)["nonce"]!.string! }
    }

    /// Posts a proof for `purpose`, signed by `signer` but claiming `key`; the status and answer.
    func prove(_ purpose: String, key: GroupKey, signer: GroupKey? = nil, name: String? = nil) async throws -> (HTTPResponse.Status, JSON) {
        let n = try await nonce()
        var o: [String: JSON] = [
            "publicKey": .string(Hex.encode(key.publicKey)), "nonce": .string(n),
            "signature": .string(Hex.encode(try (signer ?? key).sign(HubProtocol.challenge(purpose: purpose, nonce: n)))),
        ]
        if let name { o["name"] = .string(name) }
        return try await client.execute(uri: "/api/\(purpose)", method: .post, body: body(.object(o))) { ($0.status, try parse($0.body)) }
    }

    /// Registers `key`'s group as followed at `url`: a fresh nonce, signed; the proof file for
    /// it is written into `site` first when given (the folder the test serves at `url`).
    func registerFollow(_ url: String, key: GroupKey, proofIn site: String? = nil) async throws -> (HTTPResponse.Status, JSON, proof: [UInt8]) {
        let n = try await nonce()
        let sig = Hex.encode(try key.sign(HubProtocol.challenge(purpose: "follow \(url)", nonce: n)))
        let proof = JSON.object(["nonce": .string(n), "signature": .string(sig)]).canonical
        if let site { try FileSystem.writeAtomically(site + "/" + HubProtocol.proofFile, proof) }
        let fields: [String: JSON] = [
            "publicKey": .string(Hex.encode(key.publicKey)), "nonce": .string(n), "signature": .string(sig), "follow": .string(url),
        ]
        return try await client.execute(uri: "/api/register", method: .post, body: body(.object(fields))) {
            ($0.status, (try? parse($0.body)) ?? .null, proof)
        }
    }

    func token(_ key: GroupKey) async throws -> String {
        let (status, answer) = try await prove("session", key: key)
        #expect(status == .ok)
        return answer["token"]!.string!
    }

    func put(_ path: String, _ bytes: [UInt8], token: String) async throws -> (HTTPResponse.Status, JSON) {
        try await client.execute(uri: path, method: .put, headers: [.authorization: "Bearer \(token)"], body: ByteBuffer(bytes: bytes)) {
            ($0.status, (try? parse($0.body)) ?? .null)
        }
    }

    /// Uploads every block of the index folder `dir` (children first), then its manifest.
    func publish(_ dir: String, key: GroupKey, token: String, skip: Set<CID> = []) async throws -> (HTTPResponse.Status, JSON) {
        let manifest = try FileSystem.readFile(dir + "/manifest.json")
        let m = try Manifest.parse(manifest, path: dir)
        var order: [CID] = []
        try CAR.reachable(from: m.root, in: try DirectoryStore(root: dir, create: false)) { c, _ in order.append(c) }
        for cid in order.reversed() where !skip.contains(cid) {
            let (s, answer) = try await put("/groups/\(key.group)/blocks/\(cid)", try FileSystem.readFile(blockFile(dir, cid)), token: token)
            guard s == .created else { return (s, answer) }
        }
        return try await put("/groups/\(key.group)/manifest.json", manifest, token: token)
    }
}

@Suite struct HubTests {
    @Test func registrationNeedsTheKeysOwnSignatureOnAFreshNonce() async throws {
        let hub = try newHub()
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
            let s = HubSession(client: client)
            let (forged, answer) = try await s.prove("register", key: keyA, signer: keyB)
            #expect(forged == .forbidden && answer["error"]?.string == "bad-signature")
            #expect(try hub.db.groups().isEmpty)
            // A nonce answers once.
            let n = try await s.nonce()
            let sig = Hex.encode(try keyA.sign(HubProtocol.challenge(purpose: "register", nonce: n)))
            let request = body(.object(["publicKey": .string(Hex.encode(keyA.publicKey)), "nonce": .string(n), "signature": .string(sig)]))
            try await client.execute(uri: "/api/register", method: .post, body: request) { r in
                let answer = try parse(r.body)
                #expect(r.status == .created && answer["group"]?.string == keyA.group.description)
            }
            try await client.execute(uri: "/api/register", method: .post, body: request) { r in
                let answer = try parse(r.body)
                #expect(r.status == .conflict && answer["error"]?.string == "bad-nonce")
            }
            // Unregistered keys get no session; a register-signature is no session-signature.
            let (unregistered, why) = try await s.prove("session", key: keyB)
            #expect(unregistered == .notFound && why["error"]?.string == "unregistered")
            let n2 = try await s.nonce()
            let wrongPurpose = Hex.encode(try keyA.sign(HubProtocol.challenge(purpose: "register", nonce: n2)))
            try await client.execute(
                uri: "/api/session", method: .post,
                body: body(.object(["publicKey": .string(Hex.encode(keyA.publicKey)), "nonce": .string(n2), "signature": .string(wrongPurpose)]))
            ) { #expect($0.status == .forbidden) }
        }
    }

    @Test func uploadsAreCheckedAgainstCIDsQuotaAndSessions() async throws {
        let hub = try newHub()
        let dir = tempDirectory("a")
        try buildVersion(dir: dir, sequence: 1, key: keyA)
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
            let s = HubSession(client: client)
            _ = try await s.prove("register", key: keyA, name: "Group A")
            _ = try await s.prove("register", key: keyB)
            let token = try await s.token(keyA), tokenB = try await s.token(keyB)
            let block: [UInt8] = Array(DagCBOR.map(sorting: [("x", .text(String(repeating: "y", count: 5000)))]).encode())
            let cid = CID(of: block)
            let path = "/groups/\(keyA.group)/blocks/\(cid)"
            #expect(try await s.put(path, block + [0], token: token).0 == .badRequest, "bytes not matching the CID")
            #expect(try await s.put(path, block, token: tokenB).0 == .forbidden, "another group's session")
            #expect(try await s.put(path, block, token: "nonsense").0 == .unauthorized)
            // Over the byte quota: 413 with the figures.
            let g = try #require(try hub.db.group(named: "Group A"))
            var q = g.quota
            q.bytes = 4000
            try hub.db.setQuota(publicKey: g.publicKey, q)
            let (over, why) = try await s.put(path, block, token: token)
            #expect(over == .contentTooLarge && why["error"]?.string == "quota-bytes")
            #expect(why["limit"]?.int == 4000 && why["size"]?.int == Int64(block.count))
            #expect(!FileSystem.exists(blockFile(hub.folder(g.group), cid)))
            q.bytes = 1 << 30
            try hub.db.setQuota(publicKey: g.publicKey, q)
            #expect(try await s.put(path, block, token: token).0 == .created)
            #expect(try await s.put(path, block, token: token).0 == .created, "idempotent")
            #expect(try hub.db.group(named: "Group A")?.bytesUsed == Int64(block.count), "counted once")
            try await client.execute(uri: path, method: .get) { #expect($0.status == .ok && Array(buffer: $0.body) == block) }
        }
    }

    @Test func onlyCompleteNewerVersionsSignedByTheGroupArePublished() async throws {
        let hub = try newHub()
        let v1 = tempDirectory("v1"), v2 = tempDirectory("v2"), forged = tempDirectory("forged")
        let seg = try buildVersion(dir: v1, sequence: 1, key: keyA)
        try FileSystem.makeDirectories(v2)
        try buildVersion(dir: v2, sequence: 1, key: keyA)
        try buildVersion(dir: v2, sequence: 2, key: keyA, keep: [seg])
        try buildVersion(dir: forged, sequence: 5, key: keyB)
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
            let s = HubSession(client: client)
            _ = try await s.prove("register", key: keyA)
            let token = try await s.token(keyA)
            let manifestURL = "/groups/\(keyA.group)/manifest.json"

            // A block left out: refused, naming it; nothing published.
            let m1 = try Manifest.parse(try FileSystem.readFile(v1 + "/manifest.json"), path: v1)
            let leaf = try #require(try reachable(v1).first { $0 != m1.root && !m1.namedBlocks.contains($0) })
            let (partial, why) = try await s.publish(v1, key: keyA, token: token, skip: [leaf])
            #expect(partial == .conflict && why["error"]?.string == "missing-blocks")
            #expect(why["missing"]?.array == [.string(leaf.description)])
            try await client.execute(uri: manifestURL, method: .get) { #expect($0.status == .notFound) }

            // Another key's manifest in this group's namespace.
            let (wrong, whyWrong) = try await s.publish(forged, key: keyA, token: token)
            #expect(wrong == .forbidden && whyWrong["error"]?.string == "wrong-key")

            #expect(try await s.publish(v1, key: keyA, token: token).0 == .ok)
            #expect(try await s.publish(v1, key: keyA, token: token).0 == .conflict, "a repeated sequence number")
            #expect(try await s.publish(v2, key: keyA, token: token).0 == .ok)
            let (stale, whyStale) = try await s.publish(v1, key: keyA, token: token)
            #expect(stale == .conflict && whyStale["error"]?.string == "stale")
            let manifest1 = try FileSystem.readFile(v1 + "/manifest.json"), manifest2 = try FileSystem.readFile(v2 + "/manifest.json")
            try await client.execute(uri: manifestURL, method: .get) { r in
                #expect(r.status == .ok && Array(buffer: r.body) == manifest2)
            }
            try await client.execute(uri: "/groups/\(keyA.group)/versions/1.json", method: .get) { r in
                #expect(Array(buffer: r.body) == manifest1)
            }
            // The namespace is a plain index folder.
            #expect(try IndexView.open(directory: hub.folder(keyA.group.description)).documentCount == 120)

            // Uploads per hour.
            let g = try #require(try hub.db.group(named: keyA.group.description))
            var q = g.quota
            q.uploadsPerHour = 2
            try hub.db.setQuota(publicKey: g.publicKey, q)
            let v3 = tempDirectory("v3")
            try buildVersion(dir: v3, sequence: 3, key: keyA)
            let (limited, whyLimited) = try await s.publish(v3, key: keyA, token: token)
            #expect(limited == .conflict && whyLimited["error"]?.string == "quota-uploads" && whyLimited["limit"]?.int == 2)
        }
    }

    @Test func retentionDropsOldVersionsAndCollectsTheirBlocks() async throws {
        let hub = try newHub { $0.pendingGrace = 0 }
        let dir = tempDirectory("src")
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
            let s = HubSession(client: client)
            _ = try await s.prove("register", key: keyA)
            let g = try #require(try hub.db.group(named: keyA.group.description))
            var q = g.quota
            q.versions = 1
            try hub.db.setQuota(publicKey: g.publicKey, q)
            let token = try await s.token(keyA)
            for sequence: UInt64 in 1...2 {
                try buildVersion(dir: dir, sequence: sequence, key: keyA)  // not incremental: v1's blocks all die
                #expect(try await s.publish(dir, key: keyA, token: token).0 == .ok)
            }
            let folder = hub.folder(keyA.group.description)
            #expect(Set(try DirectoryStore(root: folder, create: false).list()) == (try reachable(dir)))
            let used = try reachable(dir).reduce(Int64(0)) { $0 + Int64(FileSystem.fileSize(blockFile(folder, $1))) }
            #expect(try hub.db.group(named: keyA.group.description)?.bytesUsed == used)
        }
    }

    /// A nonce that expires between being issued and being used (a slow link, a busy hub) is
    /// replaced once by the client, as the hub's refusal asks: the hub's clock jumps past the
    /// first nonce's lifetime, and registration still succeeds.
    @Test func aClientReplacesANonceThatExpiredOnTheWay() async throws {
        let calls = Mutex(0)
        let hub = try newHub { config in
            config.now = {
                calls.withLock { n in
                    n += 1
                    return n <= 2 ? 0 : 1000
                }
            }
        }
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.live) { client in
            let hubClient = HubClient(base: "http://127.0.0.1:\(client.port!)")
            _ = try await hubClient.register(key: keyA, name: "A")
            await hubClient.shutdown()
            #expect(try hub.db.group(named: keyA.group.description) != nil)
            #expect(calls.withLock { $0 } > 3, "the first nonce was refused as expired")
        }
    }

    /// The real client (`HubDestination`, AsyncHTTPClient) against the hub on a loopback port.
    @Test func publisherSendsOnlyWhatTheHubLacks() async throws {
        let hub = try newHub()
        let dir = tempDirectory("src")
        let seg = try buildVersion(dir: dir, sequence: 1, key: keyA)
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.live) { client in
            let hubClient = HubClient(base: "http://127.0.0.1:\(client.port!)")
            defer { Task { await hubClient.shutdown() } }
            await #expect(throws: PublishError.self) { try await HubDestination(client: hubClient, key: keyA) }
            _ = try await hubClient.register(key: keyA, name: "A")
            let first = try await Publisher.publish(index: dir, to: try await HubDestination(client: hubClient, key: keyA))
            let all = try reachable(dir).count
            #expect(first.published && first.blocksSent == all)
            let before = try reachable(dir)
            try buildVersion(dir: dir, sequence: 2, key: keyA, keep: [seg])
            let needed = try reachable(dir).subtracting(before).count
            let second = try await Publisher.publish(index: dir, to: try await HubDestination(client: hubClient, key: keyA))
            let folder = hub.folder(keyA.group.description)
            #expect(second.blocksSent == needed && second.blocksPresent > 0, "only the new blocks")
            #expect(try FileSystem.readFile(folder + "/manifest.json") == (try FileSystem.readFile(dir + "/manifest.json")))
            // The bootstrap file the manifest signs, rebuilt by the hub from the uploaded blocks.
            #expect(try FileSystem.readFile(folder + "/" + Bootstrap.fileName) == (try FileSystem.readFile(dir + "/" + Bootstrap.fileName)))
            // A new connection: the test client's first one can outlive the hub's 75 s idle
            // timeout while the builds above run on a loaded machine ("I/O on closed channel").
            let served = try await HubClient.fetch("http://127.0.0.1:\(client.port!)/groups/\(keyA.group)/bootstrap.car")
            let file = try FileSystem.readFile(dir + "/" + Bootstrap.fileName)
            #expect(served.status == 200 && served.body == file)
            await #expect(throws: PublishError.self) {
                try await Publisher.publish(index: dir, to: try await HubDestination(client: hubClient, key: keyB))
            }
            await hubClient.shutdown()
        }
    }
}

/// A static host for a folder (any file, no validators), as a group's own site would be.
func staticSite(_ dir: String) -> some ApplicationProtocol {
    let router = Router()
    router.get("**") { request, _ -> Response in
        guard let bytes = try? FileSystem.readFile(dir + request.uri.path) else { return Response(status: .notFound) }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

@Suite struct HubFollowTests {
    @Test func aSelfHostedGroupIsFollowedOnlyWithTheSitesProofAndEveryBlockVerified() async throws {
        // The site is on loopback, which a hub fetches only when its admin allows it.
        let hub = try newHub { $0.allowPrivateFollow = true }
        let src = tempDirectory("src"), site = tempDirectory("site")
        let seg1 = try buildVersion(dir: src, sequence: 1, key: keyA)
        _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: site))
        try await staticSite(site).test(.live) { siteClient in
            let url = "http://127.0.0.1:\(siteClient.port!)"
            try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
                let s = HubSession(client: client)
                func register() async throws -> (HTTPResponse.Status, JSON, proof: [UInt8]) { try await s.registerFollow(url, key: keyA) }
                // Without the proof file on the site: refused.
                let (noProof, why, _) = try await register()
                #expect(noProof == .forbidden && why["error"]?.string == "no-proof")
                #expect(try hub.db.groups().isEmpty)
                // Nor with a proof of another nonce; with this attempt's own, yes.
                let (_, _, stale) = try await register()
                try FileSystem.writeAtomically(site + "/" + HubProtocol.proofFile, stale)
                #expect(try await register().0 == .forbidden)
                #expect(try await s.registerFollow(url, key: keyA, proofIn: site).0 == .created)
            }
            let g = try #require(try hub.db.group(named: keyA.group.description))
            #expect(g.follow == url)
            let all = try reachable(src).count
            #expect(try await hub.follow(group: g) == .accepted(number: 1, blocksFetched: all))
            #expect(try await hub.follow(group: try hub.db.group(named: g.group)!) == .unchanged)

            // An update on the site: only its new blocks are fetched.
            let before = try reachable(src)
            let seg2 = try buildVersion(dir: src, sequence: 2, key: keyA, keep: [seg1])
            _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: site))
            let needed = try reachable(src).subtracting(before).count
            #expect(try await hub.follow(group: try hub.db.group(named: g.group)!) == .accepted(number: 2, blocksFetched: needed))
            #expect(try IndexView.open(directory: hub.folder(g.group)).documentCount == 120)

            // A block altered on the site: the version is refused, the hub keeps version 2.
            let before3 = try reachable(src)
            try buildVersion(dir: src, sequence: 3, key: keyA, keep: [seg1, seg2])
            _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: site))
            let victim = try #require(try reachable(src).subtracting(before3).first { $0.codec == CID.dagCBOR })
            var bytes = try FileSystem.readFile(blockFile(site, victim))
            bytes[bytes.count / 2] ^= 0x55
            try FileSystem.writeAtomically(blockFile(site, victim), bytes)
            await #expect(throws: (any Error).self) { try await hub.follow(group: try hub.db.group(named: g.group)!) }
            #expect(try hub.db.versions(publicKey: g.publicKey).last?.number == 2)
            #expect(!FileSystem.exists(blockFile(hub.folder(g.group), victim)))
            // Blocks fetched before the bad one count against the quota (every stored block does).
            let stored = try DirectoryStore(root: hub.folder(g.group), create: false).list()
            let counted = stored.reduce(Int64(0)) { $0 + Int64(FileSystem.fileSize(blockFile(hub.folder(g.group), $1))) }
            #expect(try hub.db.group(named: g.group)?.bytesUsed == counted)
        }
    }
}

extension HubFollowTests {
    /// Anyone may register, so the URLs a registrant gives (proof file, followed site) are not
    /// fetched when they name loopback, private or link-local addresses: nothing is requested.
    @Test func registrantsURLsOnPrivateNetworksAreNotFetched() async throws {
        let hub = try newHub()
        let site = tempDirectory("site")
        try await staticSite(site).test(.live) { siteClient in
            let port = siteClient.port!
            try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
                let s = HubSession(client: client)
                for url in [
                    "http://127.0.0.1:\(port)", "http://localhost:\(port)", "http://[::1]:\(port)", "http://10.1.2.3", "http://169.254.169.254",
                ] {
                    // The proof is in place: only the address stops it.
                    let (status, answer, _) = try await s.registerFollow(url, key: keyA, proofIn: site)
                    #expect(status == .forbidden, "\(url)")
                    #expect(answer["error"]?.string == "private-address", "\(url)")
                }
            }
            #expect(try hub.db.groups().isEmpty)
        }
        // A group registered while private addresses were allowed is not polled once they are not
        // (`register` itself takes the proof file as fetched: the HTTP layer checks the address).
        let url = "http://127.0.0.1:9"
        let n = try hub.nonce().nonce
        let sig = Hex.encode(try keyA.sign(HubProtocol.challenge(purpose: "follow \(url)", nonce: n)))
        let g = try hub.register(
            publicKey: Hex.encode(keyA.publicKey), nonce: n, signature: sig, name: nil, follow: url,
            proofFile: JSON.object(["nonce": .string(n), "signature": .string(sig)]).canonical)
        await #expect(throws: HubRefusal.self) { try await hub.follow(group: g) }
        do { _ = try await hub.follow(group: g) } catch let r as HubRefusal { #expect(r.code == "private-address") }
    }
}

@Suite struct HubSharedTests {
    @Test func theSharedIndexMergesTheSharedGroupsAndAnswersWithAnUpdate() async throws {
        let hub = try newHub()
        let a = tempDirectory("a"), b = tempDirectory("b"), c = tempDirectory("c")
        let seg = try buildVersion(dir: a, sequence: 1, key: keyA)
        try buildVersion(dir: b, sequence: 1, documents: 30, key: keyB)
        let keyC = try GroupKey(seed: Array(repeating: 43, count: 32))
        try buildVersion(dir: c, sequence: 1, documents: 10, key: keyC)
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
            let s = HubSession(client: client)
            for key in [keyA, keyB, keyC] { _ = try await s.prove("register", key: key) }
            // A and B are shared; C registered but not shared stays out.
            for key in [keyA, keyB] { try hub.db.setShared(publicKey: Hex.encode(key.publicKey), true) }
            for (dir, key) in [(a, keyA), (b, keyB), (c, keyC)] {
                #expect(try await s.publish(dir, key: key, token: try await s.token(key)).0 == .ok)
            }
            let shared = try IndexView.open(directory: hub.sharedFolder)
            #expect(shared.documentCount == 90 && Set(shared.versions.map(\.version.publicKey)) == [keyA.publicKey, keyB.publicKey])
            #expect(shared.manifest.signer == (try hub.hubKey()).publicKey)

            // A publishes an update: the shared index answers with it.
            try buildVersion(dir: a, sequence: 2, key: keyA, keep: [seg])
            #expect(try await s.publish(a, key: keyA, token: try await s.token(keyA)).0 == .ok)
            let updated = try IndexView.open(directory: hub.sharedFolder)
            #expect(updated.documentCount == 150)
            #expect(updated.versions.first { $0.version.publicKey == keyA.publicKey }?.version.sequence == 2)
            let sharedManifest = try FileSystem.readFile(hub.sharedFolder + "/manifest.json")
            try await client.execute(uri: "/shared/manifest.json", method: .get) { r in
                #expect(r.status == .ok && Array(buffer: r.body) == sharedManifest)
            }
            let block = try #require(try DirectoryStore(root: hub.sharedFolder, create: false).list().first)
            try await client.execute(uri: "/shared/blocks/\(block)", method: .get) { #expect($0.status == .ok) }
            // Every block the shared manifest reaches is there.
            _ = try reachable(hub.sharedFolder)
        }
    }

    /// A group's folder mirrors its version after the commit; a merge run meanwhile (by another
    /// group's publish) takes the committed versions, not whatever the folders hold yet.
    @Test func theSharedMergeTakesCommittedVersionsNotTheFoldersMirrors() async throws {
        let hub = try newHub()
        let a = tempDirectory("a"), b = tempDirectory("b")
        let seg = try buildVersion(dir: a, sequence: 1, key: keyA)
        try buildVersion(dir: b, sequence: 1, documents: 30, key: keyB)
        let firstA = try FileSystem.readFile(a + "/manifest.json")
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.router) { client in
            let s = HubSession(client: client)
            for key in [keyA, keyB] {
                _ = try await s.prove("register", key: key)
                try hub.db.setShared(publicKey: Hex.encode(key.publicKey), true)
            }
            for (dir, key) in [(a, keyA), (b, keyB)] { #expect(try await s.publish(dir, key: key, token: try await s.token(key)).0 == .ok) }
            try buildVersion(dir: a, sequence: 2, key: keyA, keep: [seg])
            #expect(try await s.publish(a, key: keyA, token: try await s.token(keyA)).0 == .ok)
        }
        // As between the commits and the mirrors' writes: B's first version not mirrored yet,
        // A's folder still showing its previous one.
        try FileSystem.removeTree(hub.folder(keyB.group.description) + "/manifest.json")
        try FileSystem.writeAtomically(hub.folder(keyA.group.description) + "/manifest.json", firstA)
        try hub.updateShared()
        let shared = try IndexView.open(directory: hub.sharedFolder)
        #expect(Set(shared.versions.map(\.version.publicKey)) == [keyA.publicKey, keyB.publicKey])
        #expect(shared.versions.first { $0.version.publicKey == keyA.publicKey }?.version.sequence == 2)
    }
}
