import Blocks
import Foundation
import Index
import ProllyTree
import Search
import Support
import Synchronization
import Testing

@testable import Remote

/// An index folder served by the in-process test server, as a static host serves it.
func folderServer(_ dir: String) throws -> (TestHTTPServer, String) {
    let server = try TestHTTPServer { request in
        let path = dir + request.path
        guard !request.path.contains(".."), let bytes = try? FileSystem.readFile(path) else { return .respond(status: 404, body: []) }
        return .respond(status: 200, body: bytes)
    }
    return (server, "http://127.0.0.1:\(server.port)")
}

/// A cold query's cost, read from the client's own counters: a fresh open, no cache.
func coldCost(_ base: String, _ query: String) throws -> (ReadCost, [String]) {
    var options = RemoteOptions()
    options.cacheDirectory = nil
    let remote = try openIndex(base, options: options)
    let page = try IndexSearch(view: remote.view).run(query, limit: 10)
    return (remote.cost, summary(page))
}

/// Large enough for postings trees of two levels or more (three before format 4's blocks) and
/// terms spread over many leaves.
let roundTripIndex: String = try! buildIndex(corpus(6000, seed: 7, site: "gamma.example"), key: keyA)

@Suite(.serialized) struct RoundTripTests {
    /// The manifest carries what every query reads first, and the leaves top-k needs come in
    /// one batch: a cold query costs a fixed number of serial round trips, however many leaves
    /// its terms span (counted by the client, not timed).
    @Test func coldQueryRoundTripsAreBounded() throws {
        let (server, base) = try folderServer(roundTripIndex)
        defer { server.stop() }
        let local = try openIndex(roundTripIndex)
        let height = local.view.segments[0].postings.height
        #expect(height >= 2, "the corpus should make a postings tree of two levels or more")
        for q in ["river", "honey bread", "garden OR orchard", "kettle -hazel", "title:market", "zephyr amber"] {
            let (cost, remote) = try coldCost(base, q)
            #expect(remote == summary(try IndexSearch(view: local.view).run(q, limit: 10)), "query \(q)")
            // manifest, postings below the bootstrapped levels, leaves, records, texts.
            #expect(cost.roundTrips <= height + 4, "query \(q): \(cost)")
        }
    }

    /// Over HTTP the search knows it reads over a network through every store in front of the
    /// HTTP one (bootstrap, cache), so it batches; many words, ANDed or ORed, then read the
    /// results read locally within the one-word bound on round trips (totals aside: pruned,
    /// they are lower bounds that depend on which leaves were fetched when). The batching
    /// itself, with leaves past the first batch, is tested in `PruningTests` (this index is
    /// small enough for the prefetch to hold most leaves).
    @Test func manyWordQueriesCostFewRoundTrips() throws {
        let (server, base) = try folderServer(roundTripIndex)
        defer { server.stop() }
        let local = try openIndex(roundTripIndex)
        #expect(!local.view.reader.store.fetchesRemotely)
        var options = RemoteOptions()
        options.cacheDirectory = tempDirectory("fetches-remotely")
        #expect(try openIndex(base, options: options).view.reader.store.fetchesRemotely)
        let height = local.view.segments[0].postings.height
        for q in [
            "river bread honey lantern bicycle garden compost library meteor solar workshop volunteer",
            "river OR bread OR honey OR lantern OR bicycle OR garden OR compost OR library",
        ] {
            let (cost, remote) = try coldCost(base, q)
            #expect(remote.dropFirst() == summary(try IndexSearch(view: local.view).run(q, limit: 10)).dropFirst(), "query \(q)")
            #expect(cost.roundTrips <= height + 4, "query \(q): \(cost)")
        }
    }

    /// A query of filters only scores every match 0, which is also the floor the leaf plan
    /// finds: those stretches must still be read (a floor rules out only bounds below it).
    /// Locally and remotely the page is full and the same.
    @Test func aFilterOnlyQueryFindsItsMatches() throws {
        let (server, base) = try folderServer(roundTripIndex)
        defer { server.stop() }
        let local = try openIndex(roundTripIndex)
        for q in ["site:gamma.example", "site:gamma.example -zephyr"] {
            let page = try IndexSearch(view: local.view).run(q, limit: 10)
            #expect(page.results.count == 10, "query \(q): \(summary(page).prefix(3))")
            let (_, remote) = try coldCost(base, q)
            #expect(remote == summary(page), "query \(q)")
        }
    }

    /// The bootstrap saves the requests for the blocks it carries: an index without it
    /// (written before it, or a host that lost `bootstrap.car`) answers the same, with more
    /// round trips.
    @Test func indexWithoutBootstrapReadsTheSameAtMoreRoundTrips() throws {
        let m = try IndexView.open(directory: roundTripIndex).manifest
        #expect(m.bootstrap.isEmpty && m.bootstrapHash.count == 32)
        let old = try Manifest.signed(root: m.root, summary: m.summary, key: keyA, created: m.created, blockLayout: m.blockLayout)
        #expect(!String(decoding: old.fileBytes, as: UTF8.self).contains("bootstrap"))
        let dir = try indexCopy("no-bootstrap", manifest: old)
        let (server, base) = try folderServer(dir)
        defer { server.stop() }
        let (newServer, newBase) = try folderServer(roundTripIndex)
        defer { newServer.stop() }
        for q in ["river", "honey bread"] {
            let (without, a) = try coldCost(base, q)
            let (with, b) = try coldCost(newBase, q)
            #expect(a == b, "query \(q)")
            #expect(with.roundTrips < without.roundTrips, "query \(q): \(with) vs \(without)")
        }
    }

    /// A copy of the round-trip index's blocks under `manifest` (and `bootstrapFile`, if given):
    /// the same content as another version of its folder would hold it.
    func indexCopy(_ name: String, manifest: Manifest, bootstrapFile: [UInt8]? = nil) throws -> String {
        let dir = tempDirectory(name)
        try FileManager.default.copyItem(atPath: roundTripIndex + "/blocks", toPath: dir + "/blocks")
        if let bootstrapFile { try FileSystem.writeAtomically(dir + "/" + Bootstrap.fileName, bootstrapFile) }
        try manifest.write(toIndex: dir)
        return dir
    }

    /// The bootstrap's blocks, decoded from the index's `bootstrap.car` (checked against the
    /// hash its manifest signs).
    func bootstrapBlocks(_ dir: String, _ m: Manifest) throws -> [CID: [UInt8]] {
        try #require(Bootstrap.decode(file: try FileSystem.readFile(dir + "/" + Bootstrap.fileName), hash: m.bootstrapHash))
    }

    /// `bootstrap.car` travels beside the manifest, fetched with it: the same round trips as a
    /// manifest carrying the blocks inside (as base64, the format before the file), which is
    /// still read, at fewer bytes.
    @Test func bootstrapFileCostsNoRoundTripAndFewerBytesThanBase64() throws {
        let m = try IndexView.open(directory: roundTripIndex).manifest
        let blocks = try bootstrapBlocks(roundTripIndex, m)
        let inline = try Manifest.signed(
            root: m.root, summary: m.summary, key: keyA, created: m.created, blockLayout: m.blockLayout,
            bootstrap: Bootstrap.encode(blocks.map { ($0.key, $0.value) }))
        let dir = try indexCopy("inline-bootstrap", manifest: inline)
        let (server, base) = try folderServer(dir)
        defer { server.stop() }
        let (newServer, newBase) = try folderServer(roundTripIndex)
        defer { newServer.stop() }
        for q in ["river", "honey bread"] {
            let (old, a) = try coldCost(base, q)
            let (new, b) = try coldCost(newBase, q)
            #expect(a == b, "query \(q)")
            #expect(new.roundTrips == old.roundTrips, "query \(q): \(new) vs \(old)")
            // Both ask for the file with the manifest (the older index answers 404).
            #expect(new.requests == old.requests, "query \(q): \(new) vs \(old)")
            #expect(
                Double(new.bytes) < Double(old.bytes) - 0.2 * Double(Bootstrap.encode(blocks.map { ($0.key, $0.value) }).count),
                "query \(q): \(new) vs \(old)")
        }
    }

    /// A `bootstrap.car` that is not the one the manifest signs (stale: another index's, or
    /// damaged) is not used: the reader fetches those blocks and answers as the real index.
    @Test func bootstrapFileOfAnotherManifestIsNotUsed() throws {
        let view = try IndexView.open(directory: roundTripIndex)
        var file = try FileSystem.readFile(roundTripIndex + "/" + Bootstrap.fileName)
        file[file.count - 1] ^= 1
        let dir = try indexCopy("stale-bootstrap", manifest: view.manifest, bootstrapFile: file)
        #expect(Bootstrap.decode(file: file, hash: view.manifest.bootstrapHash) == nil)
        let (server, base) = try folderServer(dir)
        defer { server.stop() }
        let (goodServer, goodBase) = try folderServer(roundTripIndex)
        defer { goodServer.stop() }
        let (damaged, a) = try coldCost(base, "river")
        let (good, b) = try coldCost(goodBase, "river")
        let local = summary(try IndexSearch(view: view).run("river", limit: 10))
        #expect(a == b && a == local)
        #expect(damaged.roundTrips > good.roundTrips, "\(damaged) vs \(good)")
    }

    /// A manifest's signer may be a merger the reader does not trust with groups' content: a
    /// bootstrap block swapped for other bytes under the real CID is dropped (the real one is
    /// fetched), never used, so answers are the untampered index's.
    @Test func bootstrapBlockThatDoesNotMatchItsCIDIsNotUsed() throws {
        let view = try IndexView.open(directory: roundTripIndex)
        let m = view.manifest
        let blocks = try bootstrapBlocks(roundTripIndex, m)
        // The postings root, replaced by the docs tree's root (a valid node, the wrong one).
        let segment = view.segments[0]
        let victim = segment.postings.root!.cid
        let other = segment.docs.root!.cid
        #expect(blocks[victim] != nil && blocks[other] != nil)
        let sections = blocks.map { (cid: $0.key, bytes: $0.key == victim ? blocks[other]! : $0.value) }
        #expect(Bootstrap.decode(Bootstrap.encode(sections))![victim] == nil)
        let file = Bootstrap.file(root: m.root, sections)
        let forged = try Manifest.signed(
            root: m.root, summary: m.summary, key: keyA, created: m.created, blockLayout: m.blockLayout,
            bootstrapHash: Bootstrap.hash(file))
        let dir = try indexCopy("forged-bootstrap", manifest: forged, bootstrapFile: file)
        let (server, base) = try folderServer(dir)
        defer { server.stop() }
        for q in ["river", "honey bread"] {
            let (_, remote) = try coldCost(base, q)
            #expect(remote == summary(try IndexSearch(view: view).run(q, limit: 10)), "query \(q)")
        }
    }

    /// A warm reader whose cached manifest changed (a 200 on revalidation, not a 304) fetches
    /// the new `bootstrap.car` in a second round trip, instead of reading the new segments'
    /// upper levels one level at a time: it costs a cold reader's round trips plus that one.
    @Test func changedManifestBringsItsBootstrapFile() throws {
        let first = try buildIndex(corpus(300, seed: 11, site: "one.example"))
        let shown = Mutex(first)
        // Served as nginx serves a folder: an ETag per file, 304 for a matching If-None-Match.
        let server = try TestHTTPServer { request in
            let path = shown.withLock { $0 } + request.path
            guard !request.path.contains(".."), let bytes = try? FileSystem.readFile(path) else { return .respond(status: 404, body: []) }
            let etag = "\"\(CID(of: bytes))\""
            if request.headers["if-none-match"] == etag { return .respond(status: 304, body: [], headers: [("ETag", etag)]) }
            return .respond(status: 200, body: bytes, headers: [("ETag", etag)])
        }
        defer { server.stop() }
        func fileRequests() -> Int { server.requests.filter { $0.path == "/" + Bootstrap.fileName }.count }
        func search(cache: String) throws -> (ReadCost, [String]) {
            var options = RemoteOptions()
            options.cacheDirectory = cache
            let remote = try openIndex(server.base, options: options)
            let page = try IndexSearch(view: remote.view).run("river", limit: 10)
            return (remote.cost, summary(page))
        }
        let cache = tempDirectory("cache")
        _ = try search(cache: cache)
        _ = try search(cache: cache)
        #expect(fileRequests() == 1, "an unchanged manifest (304) is not followed by the file")

        shown.withLock { $0 = roundTripIndex }
        let (cold, expected) = try search(cache: tempDirectory("cold"))
        let before = fileRequests()
        let (changed, answer) = try search(cache: cache)
        #expect(answer == expected)
        #expect(fileRequests() == before + 1, "the changed manifest's file is fetched")
        #expect(changed.roundTrips == cold.roundTrips + 1, "changed \(changed), cold \(cold)")
        #expect(try search(cache: cache).0.roundTrips == 1, "and kept: the next reader revalidates only")
    }

    /// Segments' trees of one kind differ in height; the bootstrap takes a tall tree's upper
    /// levels before any tree's lower one, so no segment is left a level short when the next
    /// level does not fit (each level a query lacks in any segment is a round trip).
    @Test func bootstrapTakesTallTreesUpperLevelsFirst() throws {
        let store = MemoryStore()
        let small = TreeParameters(targetSize: 256, valueHint: 16)
        func tree(_ n: Int) throws -> Tree {
            let b = try TreeBuilder(store: store, params: small)
            for i in 0..<n { try b.add(key: Array("k\(100_000 + i)".utf8), value: [UInt8](repeating: UInt8(i & 0xff), count: 16)) }
            return try b.finish()
        }
        let (tall, short) = (try tree(10_000), try tree(1_500))
        let (tallRoot, shortRoot) = (try #require(tall.root), try #require(short.root))
        try #require(tallRoot.level == shortRoot.level + 1 && shortRoot.level >= 2, "\(tallRoot.level) \(shortRoot.level)")
        let reader = NodeReader(store: store)
        let (tallNext, shortNext) = (try reader.node(tallRoot).children, try reader.node(shortRoot).children)
        func bytes(_ refs: [ChildRef]) throws -> Int { try store.getMany(refs.map(\.cid)).reduce(0) { $0 + $1.count } }
        let segments = [tall, short].map {
            SegmentInfo(
                analyzer: "a", trees: [ShardTree.postings.name: $0.headerCID], documents: 0, bodyLength: 0, titleLength: 0, batches: [])
        }
        // Room for the roots and the tall tree's next level, not for the short one's too.
        let budget = try bytes([tallRoot, shortRoot]) + bytes(tallNext)
        let held = Set(try Bootstrap.collect(named: [], segments: segments, store: store, budget: budget).map(\.cid))
        #expect(held.isSuperset(of: [tallRoot.cid, shortRoot.cid]))
        #expect(tallNext.allSatisfy { held.contains($0.cid) }, "the tall tree's level \(tallRoot.level - 1)")
        #expect(!shortNext.contains { held.contains($0.cid) })
    }

    @Test func base64RoundTripsAndRefusesMalformedText() {
        for n in 0..<9 {
            let bytes = (0..<n).map { UInt8(($0 * 73 + 5) & 0xff) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy" && Base64.encode(Array("fo".utf8)) == "Zm8=")
        for bad in ["Zm9", "Zm=v", "Z===", "Zm9v!mFy", "=m9v"] { #expect(Base64.decode(bad) == nil, "\(bad)") }
    }
}
