import Blocks
import Foundation
import Support
import Testing

@testable import Remote

@Suite struct CacheTests {
    @Test func readThroughCacheAnswersRepeatsWithoutRequests() throws {
        let blocks = TestBlocks(count: 10)
        let server = try TestHTTPServer { r in
            blocks.bytes(forPath: r.path).map { .respond(status: 200, body: $0) } ?? .respond(status: 404, body: [])
        }
        defer { server.stop() }
        let dir = tempDirectory("cache")
        let http = try HTTPBlockStore(base: server.base, options: quick())
        let store = CachingStore(upstream: http, cache: try BlockCache(directory: dir))
        let cids = blocks.items.map(\.cid)
        #expect(try store.getMany(Array(cids.prefix(6))) == blocks.items.prefix(6).map(\.bytes))
        #expect(try store.getMany(cids) == blocks.items.map(\.bytes))
        #expect(store.cacheHits == 6)
        #expect(http.cost.requests == 10 && http.cost.roundTrips == 2)
        // A new process (a new store) over the same folder needs no request at all.
        let again = CachingStore(upstream: try HTTPBlockStore(base: server.base, options: quick()), cache: try BlockCache(directory: dir))
        #expect(try again.getMany(cids) == blocks.items.map(\.bytes))
        #expect(again.cacheHits == 10 && server.requests.count == 10)
        // The cache folder is itself a valid block folder.
        #expect(try DirectoryStore(root: dir, create: false).list().sorted() == cids.sorted())
    }

    @Test func corruptCacheFilesAreDroppedAndFetchedAgain() throws {
        let blocks = TestBlocks(count: 1)
        let server = try TestHTTPServer { _ in .respond(status: 200, body: blocks.items[0].bytes) }
        defer { server.stop() }
        let dir = tempDirectory("cache")
        let cache = try BlockCache(directory: dir)
        let cid = blocks.items[0].cid
        var bad = blocks.items[0].bytes
        bad[0] ^= 0xff
        try FileSystem.writeAtomically(dir + "/blocks/" + cid.description, bad)
        let store = CachingStore(upstream: try HTTPBlockStore(base: server.base, options: quick()), cache: cache)
        #expect(try store.get(cid) == blocks.items[0].bytes)
        #expect(store.cacheHits == 0 && server.requests.count == 1)
        #expect(try FileSystem.readFile(dir + "/blocks/" + cid.description) == blocks.items[0].bytes, "replaced by the good copy")
    }

    @Test func evictionKeepsTheCacheUnderItsLimitAndKeepsRecentBlocks() throws {
        let dir = tempDirectory("cache")
        let cache = try BlockCache(directory: dir, limit: 100_000)
        let blocks = TestBlocks(count: 60, size: 4000)  // 240 KB through a 100 KB cache
        for (i, b) in blocks.items.enumerated() {
            cache.write(b.cid, b.bytes)
            // Keep block 0 in use: a hit refreshes its time, so it must survive.
            if i % 5 == 0 { _ = cache.read(blocks.items[0].cid) }
        }
        #expect(cache.bytesOnDisk <= 100_000)
        #expect(cache.bytesOnDisk >= 40_000, "evicts down to 80 %, not to nothing")
        #expect(cache.contains(blocks.items[0].cid), "recently used block kept")
        #expect(!cache.contains(blocks.items[1].cid), "old unused block evicted")
        #expect(cache.contains(blocks.items[59].cid), "newest block kept")
    }

    @Test func defaultDirectoryFollowsXDG() {
        let old = getenv("XDG_CACHE_HOME").map { String(cString: $0) }
        setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1)
        #expect(BlockCache.defaultDirectory() == "/tmp/xdg-test/indexer")
        if let old { setenv("XDG_CACHE_HOME", old, 1) } else { unsetenv("XDG_CACHE_HOME") }
    }
}
