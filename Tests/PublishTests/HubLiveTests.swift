import Blocks
import Foundation
import GRDB
import Hub
import Index
import IndexTestSupport
import Publish
import Support
import Testing
import TextTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The bytes of a namespace's block files, and whether the database counts exactly those.
func checkAccounting(_ hub: HubService, _ key: GroupKey) throws -> Int64 {
    let folder = hub.folder(key.group.description)
    let files = try DirectoryStore(root: folder, create: false).list()
    let onDisk = files.reduce(Int64(0)) { $0 + Int64(FileSystem.fileSize(blockFile(folder, $1))) }
    let hex = Hex.encode(key.publicKey)
    let (rows, sum) = try hub.db.queue.read { db in
        (
            Set(try String.fetchAll(db, sql: "SELECT cid FROM blocks WHERE publicKey = ?", arguments: [hex])),
            try Int64.fetchOne(db, sql: "SELECT coalesce(sum(size), 0) FROM blocks WHERE publicKey = ?", arguments: [hex]) ?? 0
        )
    }
    #expect(Set(files.map(\.description)).isSubset(of: rows), "every block file is counted")
    #expect(try hub.db.group(named: hex)?.bytesUsed == sum, "bytesUsed is the sum of the counted blocks")
    return onDisk
}

@Suite struct HubLiveTests {
    /// 20 groups of random sizes, all shared, publish at once through the real client; one
    /// group's quota is exactly its index, another's one byte less.
    @Test func twentyGroupsPublishingConcurrently() async throws {
        let hub = try newHub()
        var rng = SplitMix64(seed: 12)
        let groups = try (0..<20).map { i -> (GroupKey, String, Int) in
            let key = try GroupKey(seed: Array(repeating: UInt8(100 + i), count: 32))
            let dir = tempDirectory("g\(i)")
            let documents = Int.random(in: 5...150, using: &rng)
            try buildVersion(dir: dir, sequence: 1, documents: documents, key: key)
            return (key, dir, documents)
        }
        @Sendable func size(_ dir: String) throws -> Int64 { try reachable(dir).reduce(0) { $0 + Int64(FileSystem.fileSize(blockFile(dir, $1))) } }
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            let hubClient = HubClient(base: base)
            for (key, _, _) in groups { _ = try await hubClient.register(key: key, name: "group \(key.group)") }
            for (key, _, _) in groups { try hub.db.setShared(publicKey: Hex.encode(key.publicKey), true) }
            for (k, (key, dir, _)) in groups.prefix(2).enumerated() {
                var q = Quota()
                q.bytes = try size(dir) - Int64(k)
                try hub.db.setQuota(publicKey: Hex.encode(key.publicKey), q)
            }
            let outcomes = await withTaskGroup(of: (Int, String?).self) { tasks in
                for (i, (key, dir, _)) in groups.enumerated() {
                    tasks.addTask {
                        do {
                            let r = try await Publisher.publish(index: dir, to: try await HubDestination(client: hubClient, key: key))
                            return (i, r.published ? nil : "not published")
                        } catch { return (i, "\(error)") }
                    }
                }
                var all: [Int: String?] = [:]
                for await (i, e) in tasks { all[i] = e }
                return all
            }
            await hubClient.shutdown()
            #expect(outcomes[0]! == nil, "a quota of exactly the index's size holds it")
            #expect(outcomes[1]!?.contains("quota-bytes") == true, "one byte less refuses it")
            for i in 2..<20 { #expect(outcomes[i]! == nil, "group \(i): \(outcomes[i]! ?? "")") }
        }
        for (i, (key, dir, documents)) in groups.enumerated() {
            let onDisk = try checkAccounting(hub, key)
            let versions = try hub.db.versions(publicKey: Hex.encode(key.publicKey))
            if i == 1 {
                #expect(versions.isEmpty && !FileSystem.exists(hub.folder(key.group.description) + "/manifest.json"))
                continue
            }
            #expect(versions.count == 1)
            #expect(onDisk == (try size(dir)), "exactly the index's blocks are stored")
            #expect(try IndexView.open(directory: hub.folder(key.group.description)).documentCount == documents)
        }
        let log = try hub.db.log(after: 0, limit: 1000).entries
        #expect(log.filter { $0.kind == "group" }.count == 19)
        // Every accepted version is in the shared index once the publishes have returned, though
        // merges that overlapped were folded into one.
        let shared = try IndexView.open(directory: hub.sharedFolder)
        let published = groups.enumerated().filter { $0.offset != 1 }
        #expect(Set(shared.versions.map { Hex.encode($0.version.publicKey) }) == Set(published.map { Hex.encode($0.element.0.publicKey) }))
        #expect(shared.documentCount == published.reduce(0) { $0 + $1.element.2 })
        print("20 concurrent publishes of shared groups: \(log.filter { $0.kind == "shared" }.count) merges of the shared index")
    }

    /// The shared index is what anyone gets by merging the same versions themselves.
    @Test func theSharedIndexEqualsALocalMergeOfTheSameVersions() throws {
        let hub = try newHub()
        let a = tempDirectory("a"), b = tempDirectory("b")
        let ga = try HubLogTests.register(hub, keyA), gb = try HubLogTests.register(hub, keyB)
        for g in [ga, gb] { try hub.db.setShared(publicKey: g.publicKey, true) }
        let seg = try buildVersion(dir: a, sequence: 1, key: keyA)
        try HubLogTests.upload(hub, ga, a)
        try buildVersion(dir: b, sequence: 1, documents: 40, key: keyB)
        try HubLogTests.upload(hub, gb, b)
        try buildVersion(dir: a, sequence: 2, key: keyA, keep: [seg])
        try HubLogTests.upload(hub, ga, a)

        let local = tempDirectory("local")
        let mine = try GroupKey(seed: Array(repeating: 77, count: 32))
        let merged = try IndexMerge.merge(
            named: [a, b], open: { try IndexView.localSource($0) }, out: local, key: mine, created: "2026-01-01T00:00:00Z")
        let shared = try Manifest.parse(try FileSystem.readFile(hub.sharedFolder + "/manifest.json"), path: "shared")
        // The same versions and segments (the summary lists every version, segment and tree CID).
        #expect(merged.manifest.summary == shared.summary)
        #expect(try IndexView.open(directory: local).versions.map(\.cid) == (try IndexView.open(directory: hub.sharedFolder).versions.map(\.cid)))
        // The root block holds only the analyzer and the versions, so it matches too; the
        // manifests differ only in who signed them and when.
        #expect(merged.manifest.root == shared.root)
        #expect(merged.manifest.signer != shared.signer)
    }

    /// Past its threshold the shared index is compacted by the tiered policy, deterministically:
    /// a local merge compacting at the same threshold gives the same root.
    @Test func theSharedIndexIsCompactedAsALocalMergeWouldBe() throws {
        let hub = try newHub { $0.sharedCompactAbove = 2 }
        let a = tempDirectory("a"), b = tempDirectory("b")
        let ga = try HubLogTests.register(hub, keyA), gb = try HubLogTests.register(hub, keyB)
        for g in [ga, gb] { try hub.db.setShared(publicKey: g.publicKey, true) }
        try buildVersion(dir: b, sequence: 1, documents: 40, key: keyB)
        try HubLogTests.upload(hub, gb, b)
        // Three updates of A and B's one: four segments in one size tier, over the threshold.
        var kept: [CID] = []
        for n in 1...3 {
            kept.append(try buildVersion(dir: a, sequence: UInt64(n), key: keyA, keep: kept))
            try HubLogTests.upload(hub, ga, a)
        }
        let shared = try IndexView.open(directory: hub.sharedFolder)
        let root = try IndexRoot(cbor: try DagCBOR.decode(try shared.store.get(shared.manifest.root)))
        #expect(root.compacted.count == 1 && root.compacted[0].inputs.count == 4)
        #expect(shared.segments.count == 1 && shared.documentCount == 220)

        let local = tempDirectory("local")
        let merged = try IndexMerge.merge(
            named: [a, b], open: { try IndexView.localSource($0) }, out: local, key: try GroupKey(seed: Array(repeating: 78, count: 32)),
            created: "2026-01-01T00:00:00Z", compaction: .init(above: 2))
        #expect(merged.manifest.root == shared.manifest.root)
    }

    /// `indexer hub serve` killed with SIGKILL while a group uploads: after a restart nothing
    /// is half-published, the database counts exactly what it stores, and publishing again
    /// sends only what is missing and completes.
    @Test func aHubKilledDuringUploadsRestartsConsistentAndUploadsResume() async throws {
        let data = tempDirectory("hub-data"), dir = tempDirectory("src")
        try buildVersion(dir: dir, sequence: 1, documents: 1500, key: keyA)
        let total = try reachable(dir).count
        func start() throws -> (ChildProcess, String) {
            let child = try ChildProcess(try indexerBinary(), ["hub", "serve", "--data", data, "--port", "0"])
            var url = try child.firstLine(within: 30)
            while url.hasSuffix("/") { url.removeLast() }
            return (child, url)
        }
        var (server, url) = try start()
        var client = HubClient(base: url)
        _ = try await client.register(key: keyA, name: "A")
        let blocks = data + "/groups/\(keyA.group)/blocks"
        let upload = Task { [client] in try await Publisher.publish(index: dir, to: try await HubDestination(client: client, key: keyA)) }
        // Killed once a fifth of the blocks are in (the deadline is for a machine busy with
        // other test processes, where uploads crawl).
        let deadline = Date().addingTimeInterval(600)
        func stored() -> Int { ((try? blockNames(blocks.dropLast(7).description)) ?? []).filter { !$0.contains(".tmp-") }.count }
        while Date() < deadline, stored() < max(1, total / 5) { usleep(1000) }
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        await #expect(throws: (any Error).self) { try await upload.value }
        await client.shutdown()
        let kept = stored()
        #expect(kept > 0 && kept < total, "killed midway: \(kept) of \(total) blocks")

        (server, url) = try start()
        let hub = try HubService(.init(data: data))
        #expect(!FileSystem.exists(data + "/groups/\(keyA.group)/manifest.json"), "nothing published")
        #expect(try hub.db.versions(publicKey: Hex.encode(keyA.publicKey)).isEmpty)
        _ = try checkAccounting(hub, keyA)
        client = HubClient(base: url)
        let again = try await Publisher.publish(index: dir, to: try await HubDestination(client: client, key: keyA))
        await client.shutdown()
        server.stop()
        #expect(again.published && again.blocksSent < total && again.blocksSent + again.blocksPresent >= total)
        #expect(try FileSystem.readFile(data + "/groups/\(keyA.group)/manifest.json") == (try FileSystem.readFile(dir + "/manifest.json")))
        #expect(try IndexView.open(directory: hub.folder(keyA.group.description)).documentCount == 1500)
        let onDisk = try checkAccounting(hub, keyA)
        #expect(try hub.db.group(named: keyA.group.description)?.bytesUsed == onDisk)
    }
}

extension HubLiveTests {
    /// Follow mode against a group whose site is stock nginx: its proof file, its ETags (an
    /// unchanged manifest costs a 304), and only the new blocks of an update fetched.
    @Test(.tags(.nginx), .needsExternalTools) func followsAGroupServedByNginx() async throws {
        let hub = try newHub { $0.allowPrivateFollow = true }
        let src = tempDirectory("src"), site = tempDirectory("site")
        let seg = try buildVersion(dir: src, sequence: 1, key: keyA)
        _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: site))
        let nginx = try NginxServer(root: site)
        defer { nginx.stop() }
        try await buildHubApplication(hub, host: "127.0.0.1", port: 0).test(.live) { client in
            let hubClient = HubClient(base: "http://127.0.0.1:\(client.port!)")
            _ = try await hubClient.register(key: keyA, name: "A", follow: nginx.base) { proof in
                try FileSystem.writeAtomically(site + "/" + HubProtocol.proofFile, proof)
            }
            await hubClient.shutdown()
        }
        let group = keyA.group.description
        #expect(try hub.db.group(named: group)?.follow == nginx.base)
        #expect(try await hub.follow(group: try hub.db.group(named: group)!) == .accepted(number: 1, blocksFetched: try reachable(src).count))
        #expect(try await hub.follow(group: try hub.db.group(named: group)!) == .unchanged)
        #expect(nginx.accessLog.contains("\"GET /manifest.json HTTP/1.1\" 304"), "the second poll is a conditional GET nginx answers 304")

        let before = try reachable(src)
        try buildVersion(dir: src, sequence: 2, key: keyA, keep: [seg])
        _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: site))
        let needed = try reachable(src).subtracting(before).count
        #expect(try await hub.follow(group: try hub.db.group(named: group)!) == .accepted(number: 2, blocksFetched: needed))
        #expect(try FileSystem.readFile(hub.folder(group) + "/manifest.json") == (try FileSystem.readFile(src + "/manifest.json")))
        #expect(try IndexView.open(directory: hub.folder(group)).documentCount == 120)
        _ = try checkAccounting(hub, keyA)
    }
}

extension HubSharedTests {
    /// The hub signs its shared groups' display names beside the shared index; `indexer search`
    /// shows them, and ignores a names file signed by anyone else.
    @Test func readersOfTheSharedIndexSeeTheGroupsNames() throws {
        let hub = try newHub()
        let a = tempDirectory("a"), b = tempDirectory("b")
        let n = try hub.nonce().nonce
        let ga = try hub.register(
            publicKey: Hex.encode(keyA.publicKey), nonce: n,
            signature: Hex.encode(try keyA.sign(HubProtocol.challenge(purpose: "register", nonce: n))), name: "Riverside Makers")
        let gb = try HubLogTests.register(hub, keyB)
        for g in [ga, gb] { try hub.db.setShared(publicKey: g.publicKey, true) }
        try buildVersion(dir: a, sequence: 1, key: keyA)
        try HubLogTests.upload(hub, ga, a)
        try buildVersion(dir: b, sequence: 1, documents: 30, key: keyB)
        try HubLogTests.upload(hub, gb, b)
        let file = hub.sharedFolder + "/" + GroupNames.fileName
        #expect(
            GroupNames.verified(try FileSystem.readFile(file), signer: try hub.hubKey().publicKey) == [keyA.group.description: "Riverside Makers"])

        /// `(group, groupName)` of each result (Foundation parses the scores, which are not integers).
        func search() throws -> [(String, String?)] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try indexerBinary())
            p.arguments = ["search", "w0 OR w1 OR w2", "--index", hub.sharedFolder, "--json", "--limit", "100", "--no-cache"]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let bytes = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            let results = (try JSONSerialization.jsonObject(with: bytes) as? [String: Any])?["results"] as? [[String: Any]] ?? []
            return results.map { ($0["group"] as? String ?? "", $0["groupName"] as? String) }
        }
        let results = try search()
        let fromA = results.filter { $0.0 == keyA.group.description }
        let fromB = results.filter { $0.0 == keyB.group.description }
        #expect(!fromA.isEmpty && !fromB.isEmpty)
        #expect(fromA.allSatisfy { $0.1 == "Riverside Makers" })
        #expect(fromB.allSatisfy { $0.1 == nil }, "B registered no name")

        // A names file signed by another key (not the shared manifest's signer) is ignored.
        let other = try GroupKey(seed: Array(repeating: 99, count: 32))
        try FileSystem.writeAtomically(file, try GroupNames.signed([keyB.group.description: "Impostor"], key: other, created: "2026-01-01T00:00:00Z"))
        #expect(try search().allSatisfy { $0.1 == nil })
    }
}
