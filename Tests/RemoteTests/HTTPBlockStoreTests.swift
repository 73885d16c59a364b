import Blocks
import Foundation
import Synchronization
import Testing

@testable import Remote

/// Random blocks named by their CIDs, served by a scripted server.
struct TestBlocks {
    let items: [(cid: CID, bytes: [UInt8])]

    init(count: Int, size: Int = 3000) {
        var rng = SystemRandomNumberGenerator()
        items = (0..<count).map { _ in
            let b = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return (CID(of: b), b)
        }
    }

    func bytes(forPath path: String) -> [UInt8]? {
        items.first { path.hasSuffix("/" + $0.cid.description) }?.bytes
    }
}

func quick(timeout: Double = 0.5, retries: Int = 1) -> RemoteOptions {
    var o = RemoteOptions()
    o.timeout = timeout
    o.connectTimeout = timeout
    o.retries = retries
    o.backoff = 0.05
    o.cacheDirectory = nil
    return o
}

/// Runs `body`, returning its error and how long it took to fail.
func failure(_ body: () throws -> Void) -> (RemoteError?, Double) {
    let start = Date()
    do { try body() } catch { return (error as? RemoteError, Date().timeIntervalSince(start)) }
    return (nil, Date().timeIntervalSince(start))
}

@Suite struct HTTPBlockStoreTests {
    @Test func fetchesInParallelAndCountsOneRoundTripPerBatch() throws {
        let blocks = TestBlocks(count: 40)
        let inFlight = Atomic<Int>(0), peak = Atomic<Int>(0)
        let server = try TestHTTPServer { r in
            let now = inFlight.add(1, ordering: .relaxed).newValue
            _ = peak.max(now, ordering: .relaxed)
            usleep(20_000)  // long enough for requests to overlap
            inFlight.subtract(1, ordering: .relaxed)
            return blocks.bytes(forPath: r.path).map { .respond(status: 200, body: $0) } ?? .respond(status: 404, body: [])
        }
        defer { server.stop() }
        var options = quick(timeout: 5)
        options.concurrency = 8
        let store = try HTTPBlockStore(base: server.base + "/", options: options)
        let got = try store.getMany(blocks.items.map(\.cid))
        #expect(got == blocks.items.map(\.bytes))
        #expect(try store.get(blocks.items[3].cid) == blocks.items[3].bytes)
        let c = store.cost
        #expect(c.requests == 41 && c.roundTrips == 2 && c.blocks == 41)
        #expect(c.bytes == 41 * 3000)
        #expect(peak.load(ordering: .relaxed) > 1, "requests overlapped")
        #expect(peak.load(ordering: .relaxed) <= 8, "at most `concurrency` in flight")
        #expect(server.requests.allSatisfy { $0.path.hasPrefix("/blocks/bafy") })
        #expect(Set(server.requests.map(\.path)).count == 40, "every block requested once, but the repeated one")
    }

    @Test func aBlockNamedTwiceInOneBatchIsRequestedOnce() throws {
        let blocks = TestBlocks(count: 3)
        let server = try TestHTTPServer { r in
            blocks.bytes(forPath: r.path).map { .respond(status: 200, body: $0) } ?? .respond(status: 404, body: [])
        }
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, options: quick(timeout: 5))
        let (a, b, c) = (blocks.items[0], blocks.items[1], blocks.items[2])
        let missing = CID(of: [1, 2, 3])
        let got = try store.getPresent([a.cid, b.cid, a.cid, missing, c.cid, b.cid, missing])
        #expect(got == [a.bytes, b.bytes, a.bytes, nil, c.bytes, b.bytes, nil])
        #expect(server.requests.count == 4, "\(server.requests.map(\.path))")
        #expect(store.cost.requests == 4 && store.cost.blocks == 3 && store.cost.roundTrips == 1)
    }

    @Test func gatewayLayoutAsksForRawBlocks() throws {
        let blocks = TestBlocks(count: 2)
        let server = try TestHTTPServer { r in
            guard r.path.hasPrefix("/ipfs/"), r.headers["accept"] == "application/vnd.ipld.raw" else { return .respond(status: 400, body: []) }
            return blocks.bytes(forPath: r.path).map { .respond(status: 200, body: $0) } ?? .respond(status: 404, body: [])
        }
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, gateway: true, options: quick())
        #expect(try store.getMany(blocks.items.map(\.cid)) == blocks.items.map(\.bytes))
        #expect(try store.has(blocks.items[0].cid))
        #expect(try !store.has(CID(of: [1, 2, 3])))
    }

    @Test func notFoundNamesTheURLAndIsNotRetried() throws {
        let server = try TestHTTPServer { _ in .respond(status: 404, body: Array("no".utf8)) }
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, options: quick(retries: 3))
        let cid = CID(of: [9])
        let (e, _) = failure { _ = try store.get(cid) }
        #expect(e == .notFound(url: server.base + "/blocks/" + cid.description))
        #expect(e?.description.contains(server.base + "/blocks/" + cid.description) == true)
        #expect(server.requests.count == 1)
    }

    @Test func serverErrorsAreRetriedThenReported() throws {
        let blocks = TestBlocks(count: 1)
        let calls = Atomic<Int>(0)
        let flaky = try TestHTTPServer { r in
            calls.add(1, ordering: .relaxed).newValue <= 2 ? .respond(status: 503, body: []) : .respond(status: 200, body: blocks.items[0].bytes)
        }
        defer { flaky.stop() }
        #expect(try HTTPBlockStore(base: flaky.base, options: quick(retries: 2)).get(blocks.items[0].cid) == blocks.items[0].bytes)
        #expect(flaky.requests.count == 3, "two failures, then success")

        let broken = try TestHTTPServer { _ in .respond(status: 500, body: Array("boom".utf8)) }
        defer { broken.stop() }
        let store = try HTTPBlockStore(base: broken.base, options: quick(retries: 2))
        let (e, seconds) = failure { _ = try store.get(blocks.items[0].cid) }
        #expect(e == .status(url: store.url(of: blocks.items[0].cid), code: 500, attempts: 3))
        #expect(e?.description == "\(store.url(of: blocks.items[0].cid)): server answered HTTP 500 after 3 attempts")
        #expect(broken.requests.count == 3)
        #expect(seconds < 2)
    }

    @Test func truncatedBodyIsNamed() throws {
        let blocks = TestBlocks(count: 1)
        let server = try TestHTTPServer { _ in .truncated(announced: 3000, body: Array(blocks.items[0].bytes.prefix(1000))) }
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, options: quick(retries: 1))
        let (e, seconds) = failure { _ = try store.get(blocks.items[0].cid) }
        guard case .truncated(let url, let received, let expected)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(url == store.url(of: blocks.items[0].cid))
        #expect(received == 1000 && expected == 3000)
        #expect(e!.description.contains("cut short at 1000 bytes of 3000"))
        #expect(seconds < 2)
    }

    @Test func wrongBytesAreCaughtAndNamed() throws {
        let blocks = TestBlocks(count: 3)
        let server = try TestHTTPServer { r in
            guard var b = blocks.bytes(forPath: r.path) else { return .respond(status: 404, body: []) }
            if r.path.hasSuffix(blocks.items[1].cid.description) { b[1234] ^= 0x01 }  // one flipped bit
            return .respond(status: 200, body: b)
        }
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, options: quick())
        let (e, _) = failure { _ = try store.getMany(blocks.items.map(\.cid)) }
        #expect(e == .mismatch(url: store.url(of: blocks.items[1].cid)))
        #expect(e?.description.contains("do not match the block's CID") == true)
    }

    @Test func silentServerTimesOutWithinItsLimit() throws {
        let server = try TestHTTPServer { _ in .stall(seconds: 5) }
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, options: quick(timeout: 0.5, retries: 1))
        let (e, seconds) = failure { _ = try store.get(CID(of: [1])) }
        #expect(e == .timeout(url: store.url(of: CID(of: [1])), seconds: 0.5, attempts: 2))
        #expect(e?.description.hasSuffix("no complete answer within 0.5 s after 2 attempts") == true)
        // Two attempts of 0.5 s and one short pause, with slack for a loaded machine.
        #expect(seconds >= 1.0 && seconds < 3.0, "took \(seconds) s")
    }

    @Test func tricklingServerTimesOutToo() throws {
        let blocks = TestBlocks(count: 1, size: 100)
        let server = try TestHTTPServer { _ in .drip(body: blocks.items[0].bytes, interval: 0.1) }  // 10 s in all
        defer { server.stop() }
        let store = try HTTPBlockStore(base: server.base, options: quick(timeout: 0.6, retries: 0))
        let (e, seconds) = failure { _ = try store.get(blocks.items[0].cid) }
        #expect(e == .timeout(url: store.url(of: blocks.items[0].cid), seconds: 0.6, attempts: 1))
        #expect(seconds < 2.0, "took \(seconds) s")
    }

    @Test func oversizedBlocksAreRefusedEarly() throws {
        let blocks = TestBlocks(count: 1, size: 5000)
        let server = try TestHTTPServer { _ in .respond(status: 200, body: blocks.items[0].bytes) }
        defer { server.stop() }
        var options = quick()
        options.maxBlockSize = 4096
        let store = try HTTPBlockStore(base: server.base, options: options)
        let (e, _) = failure { _ = try store.get(blocks.items[0].cid) }
        #expect(e == .tooLarge(url: store.url(of: blocks.items[0].cid), limit: 4096))
    }

    @Test func refusedConnectionIsNamed() throws {
        let server = try TestHTTPServer { _ in .respond(status: 200, body: []) }
        let base = server.base
        server.stop()
        let store = try HTTPBlockStore(base: base, options: quick(retries: 1))
        let (e, seconds) = failure { _ = try store.get(CID(of: [1])) }
        guard case .connection(let url, let message, let attempts)? = e else { Issue.record("got \(String(describing: e))"); return }
        #expect(url == store.url(of: CID(of: [1])) && attempts == 2)
        #expect(message == "connection refused")
        #expect(e?.description == "\(url): connection refused after 2 attempts")
        #expect(seconds < 2)
    }

    @Test func badURLsAreRefused() {
        #expect(throws: RemoteError.badURL("ftp://x")) { try HTTPBlockStore(base: "ftp://x") }
        #expect(throws: RemoteError.badURL("http:///path")) { try HTTPBlockStore(base: "http:///path") }
        #expect(throws: BlockError.self) { try HTTPBlockStore(base: "http://127.0.0.1:1").put([1], cid: CID(of: [1])) }
    }
}
