import Blocks
import Foundation
import Index
import Query
import Search
import Support
import Testing
import TextTestSupport

@testable import Remote

/// Queries covering every operator the language has, so remote and local reads are compared
/// on every code path of the engine.
let remoteQueries = [
    "river", "honey bread", "garden OR orchard", "\"winter harvest\"", "lant*", "kettle -hazel",
    "title:market", "tag:seven bridge", "after:2023-11-20 solar", "zephyr", "nosuchword", "(amber OR basil) copper",
]

/// Two groups' own indexes, built once for the suite.
let groupIndexes: [String] = [
    try! buildIndex(corpus(300, seed: 1, site: "alpha.example"), key: keyA),
    try! buildIndex(corpus(200, seed: 2, site: "beta.example"), key: keyB),
]

/// The two groups merged (by reference), built once for the suite.
let mergedIndex: String = {
    let out = tempDirectory("merged")
    _ = try! IndexMerge.merge(named: groupIndexes, open: IndexView.localSource, out: out, key: keyA, created: "2026-01-02T00:00:00Z")
    return out
}()

/// The merged index served with a `names.json` signed by its signer, and the file's bytes.
func namesServer() throws -> (TestHTTPServer, [UInt8]) {
    let names = try GroupNames.signed([keyB.group.description: "Beta"], key: keyA, created: "2026-01-02T00:00:00Z")
    let server = try TestHTTPServer { r in
        if r.path == "/" + GroupNames.fileName { return .respond(status: 200, body: names) }
        guard let bytes = try? FileSystem.readFile(mergedIndex + r.path) else { return .respond(status: 404, body: []) }
        return .respond(status: 200, body: bytes)
    }
    return (server, names)
}

func summary(_ page: IndexSearch.Page) -> [String] {
    ["total \(page.total) \(page.totalIsExact)"]
        + page.results.map { r in
            "\(r.url) \(r.title) \(r.date ?? -1) \(String(format: "%.9f", r.score)) \(r.group) \(r.snippet.text) \(r.snippet.highlights)"
        }
}

@Suite(.serialized) struct RemoteSearchTests {
    @Test(.tags(.python), .needsExternalTools) func remoteResultsEqualLocalResultsOverPythonHTTPServer() throws {
        let (server, base) = try pythonStaticServer(mergedIndex)
        defer { server.stop() }
        let local = try openIndex(mergedIndex)
        var options = RemoteOptions()
        options.cacheDirectory = tempDirectory("cache")
        let remote = try openIndex(base, options: options)
        #expect(remote.isRemote && remote.view.manifest.root == local.view.manifest.root)
        for q in remoteQueries {
            let l = try IndexSearch(view: local.view).run(q, limit: 10)
            let r = try IndexSearch(view: remote.view).run(q, limit: 10)
            #expect(summary(l) == summary(r), "query \(q)")
            if q != "nosuchword" { #expect(!l.results.isEmpty, "query \(q) should match something") }
        }
        let c = remote.cost
        #expect(c.requests > 0 && c.bytes > 0 && c.roundTrips > 0 && c.roundTrips <= c.requests)

        // A second process with the same cache: only the manifest is asked for.
        let warm = try openIndex(base, options: options)
        for q in remoteQueries { _ = try IndexSearch(view: warm.view).run(q, limit: 10) }
        #expect(warm.cost.requests == 1 && warm.cost.roundTrips == 1)
        #expect(warm.cost.cacheHits > 0)
        #expect(warm.cost.bytes == 0, "manifest revalidated with If-Modified-Since: 304, no body")
    }

    /// Each group's published index searched directly, both at once, answers as their merge
    /// does, and each block is asked of the host that has it.
    @Test(.tags(.python), .needsExternalTools) func severalRemoteIndexesAnswerAsTheirMerge() throws {
        let root = tempDirectory("hosts")
        for (i, dir) in groupIndexes.enumerated() { try FileManager.default.copyItem(atPath: dir, toPath: root + "/group-\(i)") }
        let (server, base) = try pythonStaticServer(root)
        defer { server.stop() }
        var options = RemoteOptions()
        options.cacheDirectory = nil
        let remote = try openIndexes([base + "/group-0", base + "/group-1"], options: options)
        let merged = try openIndex(mergedIndex)
        #expect(remote.view.segments.count == 2 && remote.view.documentCount == merged.view.documentCount)
        for q in remoteQueries {
            #expect(
                summary(try IndexSearch(view: remote.view).run(q, limit: 10)) == summary(try IndexSearch(view: merged.view).run(q, limit: 10)),
                "query \(q)")
        }
        // Routed by where each block's parent was found: no request for a block goes to the
        // host that lacks it (a 404 is still a request), so requests equal blocks plus the two
        // manifests and their two `bootstrap.car` files (fetched with them).
        #expect(remote.cost.requests == remote.cost.blocks + 4, "\(remote.cost)")
    }

    @Test(.tags(.python), .needsExternalTools) func flippedByteInAServedBlockIsCaughtAndNamed() throws {
        // A copy of the index with one block altered (one bit flipped in the middle).
        let dir = tempDirectory("tampered")
        try FileManager.default.copyItem(atPath: mergedIndex + "/blocks", toPath: dir + "/blocks")
        try FileManager.default.copyItem(atPath: mergedIndex + "/manifest.json", toPath: dir + "/manifest.json")
        try FileManager.default.copyItem(atPath: mergedIndex + "/" + Bootstrap.fileName, toPath: dir + "/" + Bootstrap.fileName)
        let local = try IndexView.open(directory: mergedIndex)
        // Blocks every open reads (root, versions, segment roots, tree headers) fail the open; the
        // victims are the nodes queries read.
        let opening = Set(local.manifest.namedBlocks + [local.manifest.root])
        let victims = try DirectoryStore(root: dir, create: false).list().filter { !opening.contains($0) }
        var tamperedAny = false
        let (server, base) = try pythonStaticServer(dir)
        defer { server.stop() }
        for victim in victims.prefix(40) {
            let path = blockFile(dir, victim)
            var bytes = try FileSystem.readFile(path)
            bytes[bytes.count / 2] ^= 0x10
            try FileSystem.writeAtomically(path, bytes)
            var options = RemoteOptions()
            options.cacheDirectory = nil
            do {
                let remote = try openIndex(base, options: options)
                for q in remoteQueries { _ = try IndexSearch(view: remote.view).run(q, limit: 10) }
            } catch let e as RemoteError {
                #expect(e == .mismatch(url: base + "/blocks/" + BlockLayout.fanOut.relativePath(victim)))
                #expect(e.description.contains(victim.description))
                tamperedAny = true
            }
            bytes[bytes.count / 2] ^= 0x10
            try FileSystem.writeAtomically(path, bytes)
            if tamperedAny { break }
        }
        #expect(tamperedAny, "some tampered block was read by the queries and refused")
    }

    @Test(.tags(.python), .needsExternalTools) func tamperedManifestIsRefused() throws {
        let dir = tempDirectory("forged")
        try FileManager.default.createSymbolicLink(atPath: dir + "/blocks", withDestinationPath: mergedIndex + "/blocks")
        var text = String(decoding: try FileSystem.readFile(mergedIndex + "/manifest.json"), as: UTF8.self)
        text = text.replacingOccurrences(of: "2026-01-02T00:00:00Z", with: "2026-01-03T00:00:00Z")
        try FileSystem.writeAtomically(dir + "/manifest.json", Array(text.utf8))
        let (server, base) = try pythonStaticServer(dir)
        defer { server.stop() }
        var options = RemoteOptions()
        options.cacheDirectory = nil
        #expect(throws: IndexError.badSignature(path: base + "/manifest.json")) { try openIndex(base, options: options) }
        #expect(throws: RemoteError.notFound(url: base + "/nothing/manifest.json")) { try openIndex(base + "/nothing", options: options) }
    }

    @Test func trustListRestrictsTheSearchToTrustedGroups() throws {
        let file = tempDirectory("trust") + "/trusted"
        try "# our friends\n\n\(Hex.encode(keyB.publicKey))  beta group\n".write(toFile: file, atomically: true, encoding: .utf8)
        let trust = try TrustList(contentsOf: file)
        #expect(trust.keys == [keyB.publicKey])
        let all = try IndexSearch(view: try IndexView.open(directory: mergedIndex)).run("river", limit: 50)
        let view = try IndexView.open(directory: mergedIndex, policy: ReadPolicy(trustedKeys: trust.keys))
        let trusted = try IndexSearch(view: view).run("river", limit: 50)
        #expect(Set(all.results.map(\.group)) == [keyA.group.description, keyB.group.description])
        #expect(!trusted.results.isEmpty && trusted.results.allSatisfy { $0.group == keyB.group.description })
        #expect(trusted.results.allSatisfy { $0.url.contains("beta.example") && $0.voucher == Hex.encode(keyB.publicKey) })

        let stranger = try GroupKey(seed: Array(repeating: 33, count: 32))
        let none = try TrustList(parsing: Hex.encode(stranger.publicKey), path: "t")
        #expect(throws: IndexError.self) { try IndexView.open(directory: mergedIndex, policy: ReadPolicy(trustedKeys: none.keys)) }
        #expect(throws: TrustListError.badKey(path: "t", line: 2, found: "abc")) {
            try TrustList(parsing: Hex.encode(keyA.publicKey) + "\nabc\n", path: "t")
        }
        #expect(throws: TrustListError.empty(path: "t")) { try TrustList(parsing: "# nothing\n", path: "t") }
    }

    /// A merged index's `names.json` is read over the index's own connections and counted in
    /// its cost, as `search --stats` reports it.
    @Test func groupNamesOfARemoteIndexAreFetchedAndCounted() throws {
        let (server, names) = try namesServer()
        defer { server.stop() }
        var options = RemoteOptions()
        options.cacheDirectory = nil
        let remote = try openIndex("http://127.0.0.1:\(server.port)", options: options)
        let before = remote.cost
        #expect(remote.groupNames() == [keyB.group.description: "Beta"])
        #expect(remote.cost.requests == before.requests + 1 && remote.cost.bytes == before.bytes + names.count)
        #expect(server.requests.filter { $0.path == "/" + GroupNames.fileName }.count == 1)
    }

    /// Fetched while a search reads, the names cost the search no round trip: a cold query
    /// over a merged index takes the round trips of the search alone. With nothing left to
    /// read (a warm view), the names' request is the one round trip.
    @Test func groupNamesComeWhileTheSearchReads() throws {
        let (server, _) = try namesServer()
        defer { server.stop() }
        var options = RemoteOptions()
        options.cacheDirectory = nil
        let url = "http://127.0.0.1:\(server.port)"
        let alone = try openIndex(url, options: options)
        let before = alone.cost.roundTrips
        let expected = summary(try IndexSearch(view: alone.view).run("river", limit: 10))
        let searchTrips = alone.cost.roundTrips - before
        #expect(searchTrips > 0)

        let remote = try openIndex(url, options: options)
        let opened = remote.cost.roundTrips
        let (page, found) = try remote.groupNames { try IndexSearch(view: remote.view).run("river", limit: 10) }
        #expect(summary(page) == expected)
        #expect(found == [keyB.group.description: "Beta"])
        #expect(remote.cost.roundTrips - opened == searchTrips)

        let warm = remote.cost.roundTrips
        let (_, again) = try remote.groupNames { try IndexSearch(view: remote.view).run("river", limit: 10) }
        #expect(again == found)
        #expect(remote.cost.roundTrips == warm + 1)
    }
}
