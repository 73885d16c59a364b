import Blocks
import Foundation
import GRDB
import Hub
import Index
import IndexTestSupport
import Publish
import Support
import Testing

/// The version log: every accepted version chained by hash under a signed checkpoint, and a
/// reader that remembers the last checkpoint it saw detects a hub rewriting its history.
@Suite struct HubLogTests {
    /// Registers and publishes through the service (the HTTP path is covered by `HubTests`).
    static func register(_ hub: HubService, _ key: GroupKey) throws -> HubGroup {
        let n = try hub.nonce().nonce
        return try hub.register(
            publicKey: Hex.encode(key.publicKey), nonce: n, signature: Hex.encode(try key.sign(HubProtocol.challenge(purpose: "register", nonce: n))),
            name: nil)
    }

    static func upload(_ hub: HubService, _ group: HubGroup, _ dir: String) throws {
        let store = try DirectoryStore(root: dir, create: false)
        for cid in try store.list() { try hub.putBlock(group: group, cid: cid, bytes: try store.get(cid)) }
        _ = try hub.publish(group: group, manifest: try FileSystem.readFile(dir + "/manifest.json"))
    }

    static func hubWithHistory() throws -> HubService {
        let hub = try newHub()
        let a = tempDirectory("a"), b = tempDirectory("b")
        let ga = try register(hub, keyA), gb = try register(hub, keyB)
        for g in [ga, gb] { try hub.db.setShared(publicKey: g.publicKey, true) }
        let seg = try buildVersion(dir: a, sequence: 1, key: keyA)
        try upload(hub, ga, a)
        try buildVersion(dir: b, sequence: 1, documents: 20, key: keyB)
        try upload(hub, gb, b)
        try buildVersion(dir: a, sequence: 2, key: keyA, keep: [seg])
        try upload(hub, ga, a)
        return hub
    }

    /// Audits the hub's log over HTTP as `indexer hub log` does, remembering checkpoints in `seen`.
    static func audit(_ hub: HubService, seen: SeenCheckpoints, since: Int? = nil, key: String? = nil) async throws -> HubLogAudit {
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            // A generous timeout: a loaded machine once kept the live hub waiting minutes for the
            // cooperative pool (3 audits failed at HubClient's default 60 s, before the hub suites
            // got a test process of their own); what is tested is what the audit finds.
            let hubClient = HubClient(base: base, timeoutSeconds: 600)
            let audit = try await hubClient.auditLog(seen: seen.checkpoint(hub: "hub"), since: since, expectedKey: key)
            await hubClient.shutdown()
            if audit.problems.isEmpty { try seen.remember(hub: "hub", audit.checkpoint) }
            return audit
        }
    }

    @Test func everyAcceptedVersionIsLoggedInOrderUnderASignedCheckpoint() async throws {
        let hub = try HubLogTests.hubWithHistory()
        let seen = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        let audit = try await HubLogTests.audit(hub, seen: seen)
        #expect(audit.problems == [])
        let kinds = audit.entries.map {
            "\($0.kind) \($0.publicKey == Hex.encode(keyA.publicKey) ? "A" : $0.publicKey == Hex.encode(keyB.publicKey) ? "B" : "hub") \($0.number)"
        }
        #expect(kinds == ["group A 1", "shared hub 1", "group B 1", "shared hub 2", "group A 2", "shared hub 3"])
        #expect(audit.checkpoint.publicKey == Hex.encode(try hub.hubKey().publicKey))
        // Each group entry names the root the hub serves for that version.
        let a = try hub.db.versions(publicKey: Hex.encode(keyA.publicKey))
        #expect(audit.entries.filter { $0.publicKey == Hex.encode(keyA.publicKey) }.map(\.root) == a.map(\.root))
        let shared = try Manifest.parse(try FileSystem.readFile(hub.sharedFolder + "/manifest.json"), path: "shared")
        #expect(audit.entries.last?.root == shared.root.description)

        // A later audit fetches only what is new, linked to what was seen.
        let b = tempDirectory("b2")
        try buildVersion(dir: b, sequence: 2, documents: 25, key: keyB)
        try HubLogTests.upload(hub, try #require(try hub.db.group(named: keyB.group.description)), b)
        let next = try await HubLogTests.audit(hub, seen: seen)
        #expect(next.problems == [] && next.previous?.size == 6 && next.checkpoint.size == 8)
        #expect(next.entries.map(\.sequence) == [6, 7, 8])
    }

    @Test func aRewrittenEntryIsDetected() async throws {
        let hub = try HubLogTests.hubWithHistory()
        let seen = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        #expect(try await HubLogTests.audit(hub, seen: seen).problems == [])
        let other = "bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
        // Rewritten in place: the entry's hash no longer matches, even for a first-time reader.
        try await hub.db.queue.write { try $0.execute(sql: "UPDATE log SET root = ? WHERE id = 3", arguments: [other]) }
        let fresh = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        let naive = try await HubLogTests.audit(hub, seen: fresh)
        #expect(naive.problems.contains { $0.contains("entry 3's hash") })
        // Rewritten with the whole chain rehashed and signed again: consistent by itself, but
        // not with the checkpoint seen before.
        try rehash(hub)
        #expect(try await HubLogTests.audit(hub, seen: SeenCheckpoints(path: tempDirectory("cache") + "/x.json")).problems == [])
        let audit = try await HubLogTests.audit(hub, seen: seen)
        #expect(audit.problems.contains { $0.contains("entry 6 changed since it was seen") })
        // And the problem stays: the checkpoint remembered is not replaced by the rewritten one.
        #expect(seen.checkpoint(hub: "hub")?.head != audit.checkpoint.head)
    }

    @Test func aTruncatedLogIsDetected() async throws {
        let hub = try HubLogTests.hubWithHistory()
        let seen = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        #expect(try await HubLogTests.audit(hub, seen: seen).problems == [])
        // The last version (A's second and the shared index after it) removed from history.
        try await hub.db.queue.write { try $0.execute(sql: "DELETE FROM log WHERE id > 4") }
        let audit = try await HubLogTests.audit(hub, seen: seen)
        #expect(audit.problems.contains { $0.contains("fewer than the 6 seen before") })
        // A removed entry in the middle, the rest rehashed to hide it: entry 6 is another one now.
        let hub2 = try HubLogTests.hubWithHistory()
        let seen2 = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        #expect(try await HubLogTests.audit(hub2, seen: seen2).problems == [])
        try await hub2.db.queue.write {
            try $0.execute(sql: "DELETE FROM log WHERE id = 3; UPDATE log SET id = -id WHERE id > 3; UPDATE log SET id = -id - 1 WHERE id < 0")
        }
        try rehash(hub2)
        let b = tempDirectory("b2")
        try buildVersion(dir: b, sequence: 2, documents: 25, key: keyB)
        try HubLogTests.upload(hub2, try #require(try hub2.db.group(named: keyB.group.description)), b)
        #expect(try hub2.db.log(after: 0, limit: 100).size == 7)
        let audit2 = try await HubLogTests.audit(hub2, seen: seen2)
        #expect(audit2.problems.contains { $0.contains("entry 6 changed since it was seen") })
    }

    @Test func aCheckpointSignedByAnotherKeyIsDetected() async throws {
        let hub = try HubLogTests.hubWithHistory()
        let seen = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        let first = try await HubLogTests.audit(hub, seen: seen)
        #expect(first.problems == [])
        // Another key in the hub's place (the log itself unchanged).
        try FileSystem.removeTree(hub.config.data + "/hub-key.json")
        try GroupKey.generate().write(to: hub.config.data + "/hub-key.json")
        let audit = try await HubLogTests.audit(hub, seen: seen)
        #expect(audit.problems.contains { $0.contains("not by the hub's key \(first.checkpoint.publicKey)") })
        // Given the key explicitly, a first-time reader refuses it too.
        let fresh = SeenCheckpoints(path: tempDirectory("cache") + "/hub-logs.json")
        #expect(!(try await HubLogTests.audit(hub, seen: fresh, key: first.checkpoint.publicKey).problems.isEmpty))
    }

    /// What a dishonest hub would do to hide an edit: recompute every hash from the first entry.
    func rehash(_ hub: HubService) throws {
        try hub.db.queue.write { db in
            var previous = HubLog.genesis
            for r in try Row.fetchAll(db, sql: "SELECT * FROM log ORDER BY id") {
                let e = HubLog.Entry(
                    sequence: r["id"], time: r["time"], kind: r["kind"], publicKey: r["publicKey"], number: r["number"], root: r["root"],
                    previous: previous)
                try db.execute(sql: "UPDATE log SET previous = ?, hash = ? WHERE id = ?", arguments: [e.previous, e.hash, e.sequence])
                previous = e.hash
            }
        }
    }
}
