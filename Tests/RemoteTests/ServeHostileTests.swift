import Blocks
import Foundation
import Hummingbird
import HummingbirdTesting
import Index
import Search
import Support
import Synchronization
import Testing
import TextTestSupport

@testable import Serve

/// `indexer serve` against a hostile index folder and hostile queries: links planted in the
/// folder, damaged blocks, a storm of expensive searches.
@Suite struct ServeHostileTests {
    /// A fresh index folder (so a test can plant links in it) and a secret beside it.
    func fixture() throws -> (dir: String, secret: String, secretCID: CID) {
        let dir = try buildIndex(corpus(60, seed: 31, site: "delta.example"), key: keyB)
        let secret = tempDirectory("secret") + "/group.key"
        let bytes = Array("the group's secret key \(UUID())".utf8)
        try FileSystem.writeAtomically(secret, bytes)
        return (dir, secret, CID(of: bytes))
    }

    func app(_ dirs: [String], _ adjust: (inout ServeConfiguration) -> Void = { _ in }) throws -> some ApplicationProtocol {
        let served = try zip(ServedIndex.names(for: dirs), dirs).map { try ServedIndex(name: $0, directory: $1) }
        var config = ServeConfiguration(indexes: served)
        config.port = 0
        adjust(&config)
        return buildApplication(config)
    }

    func expect(_ client: some TestClientProtocol, _ uri: String, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        let got = try await client.execute(uri: uri, method: .get) { $0.status }
        #expect(got == status, "\(uri)", sourceLocation: sourceLocation)
    }

    @Test func aLinkToAFileOutsideIsNeverServed() async throws {
        let (dir, secret, cid) = try fixture()
        #expect(symlink(secret, dir + "/blocks/\(cid)") == 0)
        // The manifest too: moved out and linked back (the search still opens it through the link).
        let elsewhere = tempDirectory("manifest") + "/manifest.json"
        #expect(rename(dir + "/manifest.json", elsewhere) == 0 && symlink(elsewhere, dir + "/manifest.json") == 0)
        // Not reachable by any URL, but counted.
        #expect(symlink(secret, dir + "/group.key") == 0)
        let name = ServedIndex.names(for: [dir])[0]
        let index = try ServedIndex(name: name, directory: dir)
        #expect(index.files.links == ["group.key", "manifest.json", "blocks/\(cid)"])
        #expect(index.linkNotes.contains { $0.contains("3 symbolic link(s) found and skipped") })
        let good = try #require(try DirectoryStore(root: dir, create: false).list().first { $0 != cid })
        try await app([dir]).test(.router) { client in
            for uri in [
                "/blocks/\(cid)", "/\(name)/blocks/\(cid)", "/ipfs/\(cid)", "/ipfs/\(cid)?format=raw", "/manifest.json", "/\(name)/manifest.json",
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    #expect(!String(buffer: r.body).contains("secret"), "\(uri)")
                }
            }
            try await client.execute(uri: "/ipfs/\(cid)", method: .head) { #expect($0.status == .notFound) }
            // The folder's own blocks still are.
            try await expect(client, "/blocks/\(good)", .ok)
            try await expect(client, "/ipfs/\(good)", .ok)
        }
    }

    /// The page's folder follows no link either: `search` linked to a folder outside, or a page
    /// file linked to a secret, answers 404 (the package's own page is not used for them).
    @Test func aLinkedPageFileIsNeverServed() async throws {
        let (dir, secret, _) = try fixture()
        let outside = tempDirectory("outside")
        try FileSystem.writeAtomically(outside + "/index.html", Array("secret page \(UUID())".utf8))
        #expect(symlink(outside, dir + "/search") == 0)
        let (other, _, _) = try fixture()
        try FileSystem.makeDirectories(other + "/search")
        #expect(symlink(secret, other + "/search/indexer-page.js") == 0)
        try await app([dir, other]).test(.router) { client in
            let names = ServedIndex.names(for: [dir, other])
            for uri in ["/search/", "/search/index.html", "/\(names[0])/search/index.html", "/\(names[1])/search/indexer-page.js"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    #expect(!String(buffer: r.body).contains("secret"), "\(uri)")
                }
            }
        }
    }

    /// `blocks` linked to some other folder is refused whole; the link `merge --store`
    /// makes (to a folder named `blocks`) is followed, and no link below it is.
    @Test func aLinkedBlockFolderIsFollowedOnlyWhenItIsTheSharedStore() async throws {
        let (source, secret, cid) = try fixture()
        // Hostile: blocks → a folder of keys, holding the secret under its own CID and a copy
        // of every block (so the index still opens and searches).
        let keys = tempDirectory("keys") + "/keys"
        try FileManager.default.copyItem(atPath: source + "/blocks", toPath: keys)
        try FileSystem.writeAtomically(keys + "/\(cid)", try FileSystem.readFile(secret))
        let hostile = tempDirectory("hostile")
        try FileManager.default.copyItem(atPath: source + "/manifest.json", toPath: hostile + "/manifest.json")
        #expect(symlink(keys, hostile + "/blocks") == 0)
        let block = try #require(try DirectoryStore(root: source, create: false).list().first)
        let refused = try ServedIndex(name: "hostile", directory: hostile)
        #expect(refused.files.sharedBlocks == nil && refused.files.links == ["blocks"])
        try await app([hostile]).test(.router) { client in
            for uri in ["/blocks/\(cid)", "/ipfs/\(cid)", "/blocks/\(block)", "/ipfs/\(block)"] {
                try await expect(client, uri, .notFound)
            }
        }

        // The tool's own link: merge into `out` with a shared store.
        let store = tempDirectory("store")
        let out = tempDirectory("out") + "/merged"
        _ = try IndexMerge.merge(
            named: [source], open: IndexView.localSource, out: out,
            sharedStore: store, key: keyA, created: "2026-01-03T00:00:00Z")
        var st = stat()
        #expect(lstat(out + "/blocks", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK)
        #expect(symlink(secret, store + "/blocks/\(cid)") == 0)
        let shared = try ServedIndex(name: "merged", directory: out)
        #expect(shared.files.sharedBlocks != nil && shared.files.links == ["blocks/\(cid)"])
        #expect(shared.linkNotes.first?.contains("merge --store") == true)
        let merged = try #require(try DirectoryStore(root: out, create: false).list().first { $0 != cid })
        try await app([out]).test(.router) { client in
            try await expect(client, "/blocks/\(merged)", .ok)
            try await expect(client, "/ipfs/\(merged)", .ok)
            try await expect(client, "/blocks/\(cid)", .notFound)
            try await expect(client, "/ipfs/\(cid)", .notFound)
            try await client.execute(uri: "/api/search?q=river", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func aFIFOUnderABlocksNameAnswers404() async throws {
        let (dir, _, cid) = try fixture()
        #expect(mkfifo(dir + "/blocks/\(cid)", 0o644) == 0)
        #expect(mkdir(dir + "/blocks/\(CID(of: [9]))", 0o755) == 0)
        try await app([dir]).test(.router) { client in
            try await expect(client, "/blocks/\(cid)", .notFound)
            try await expect(client, "/blocks/\(CID(of: [9]))", .notFound)
        }
    }

    /// Fan-out folders (`blocks/<xy>/`) are opened without following links too: neither a
    /// linked shard folder nor a link inside a real one is served, at either URL form.
    @Test func aLinkedFanOutFolderOrFileIsNeverServed() async throws {
        let (dir, _, _) = try fixture()
        #expect(try DirectoryStore(root: dir, create: false).layout == .fanOut)
        // A secret whose shard folder the index does not have, so a link can take its place.
        let outside = tempDirectory("outside")
        let (bytes, cid) = try #require(
            (0..<1000).lazy.map { Array("secret \($0)".utf8) }.map { ($0, CID(of: $0)) }
                .first { !FileSystem.exists(dir + "/blocks/" + BlockLayout.shard(of: $0.1.description)) })
        let shard = BlockLayout.shard(of: cid.description)
        try FileSystem.makeDirectories(outside + "/" + shard)
        try FileSystem.writeAtomically(outside + "/" + shard + "/" + cid.description, bytes)
        #expect(symlink(outside + "/" + shard, dir + "/blocks/" + shard) == 0)
        // And a link to the same secret file inside a real shard folder, under another name.
        let real = try #require(try DirectoryStore(root: dir, create: false).list().first)
        let (other, otherCID) = (Array("another secret".utf8), CID(of: Array("another secret".utf8)))
        try FileSystem.writeAtomically(outside + "/other", other)
        let realShard = dir + "/blocks/" + BlockLayout.shard(of: real.description)
        try FileSystem.makeDirectories(dir + "/blocks/" + BlockLayout.shard(of: otherCID.description))
        #expect(symlink(outside + "/other", dir + "/blocks/" + BlockLayout.fanOut.relativePath(otherCID)) == 0)
        try await app([dir]).test(.router) { client in
            for c in [cid, otherCID] {
                for uri in ["/blocks/\(c)", "/blocks/" + BlockLayout.fanOut.relativePath(c), "/ipfs/\(c)"] {
                    try await expect(client, uri, .notFound)
                }
            }
            // The folder's own blocks are served at both URL forms; a wrong shard is not.
            try await expect(client, "/blocks/\(real)", .ok)
            try await expect(client, "/blocks/" + BlockLayout.fanOut.relativePath(real), .ok)
            let wrong = BlockLayout.shard(of: real.description) == "aa" ? "ab" : "aa"
            try await expect(client, "/blocks/\(wrong)/\(real)", .notFound)
        }
        #expect(FileSystem.isDirectory(realShard))
    }

    @Test func aBlockWithWrongBytesIsNotServed() async throws {
        let (dir, _, _) = try fixture()
        // A copy of the same index: the gateway serves the good copy when one index's is damaged.
        let copy = tempDirectory("copy") + "/copy"
        try FileManager.default.copyItem(atPath: dir, toPath: copy)
        let cid = try #require(try DirectoryStore(root: dir, create: false).list().first)
        let path = blockFile(dir, cid)
        let good = try FileSystem.readFile(path)
        var bad = good
        bad[bad.count / 2] ^= 0x01
        let warnings = LineSink()
        // Written in place (same inode), as a disk error or a careless edit would.
        let fd = open(path, O_WRONLY | O_TRUNC)
        #expect(fd >= 0 && bad.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bad.count)
        close(fd)
        try await app([dir, copy], { $0.warnings = warnings.append }).test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/blocks/\(cid)", method: .get) { r in
                    #expect(r.status == .internalServerError)
                    #expect(String(buffer: r.body).contains("do not hash to its CID"))
                    #expect(r.headers[.cacheControl] == "no-store")
                }
            }
            // The damaged index's copy is skipped; the other index's good one is served.
            try await client.execute(uri: "/ipfs/\(cid)", method: .get) { r in
                #expect(r.status == .ok && Array(buffer: r.body) == good)
            }
            try await client.execute(uri: "/copy/blocks/\(cid)", method: .get) { #expect($0.status == .ok) }
            // Repaired (a new file under the name): checked again and served.
            try FileSystem.writeAtomically(path, good)
            try await client.execute(uri: "/blocks/\(cid)", method: .get) { r in
                #expect(r.status == .ok && Array(buffer: r.body) == good)
            }
        }
        // Logged once, with the file's path, though asked for twice.
        #expect(warnings.lines.count == 1)
        #expect(warnings.lines.first?.contains(path) == true)
    }

    @Test func blockChecksHashEachFileVersionOnce() throws {
        let checks = BlockChecks(capacity: 2)
        let bytes: [UInt8] = [1, 2, 3]
        let cid = CID(of: bytes)
        var st = stat()
        st.st_ino = 1
        var stamp = FileStamp(st)
        var logged = 0
        #expect(checks.matches(cid, bytes, stamp: stamp) { logged += 1 })
        #expect(checks.matches(cid, bytes, stamp: stamp) { logged += 1 })
        #expect(checks.hashed == 1)
        // Same identity, other bytes: the remembered answer stands (the identity did not change).
        stamp.nanoseconds = 5
        #expect(!checks.matches(cid, [9], stamp: stamp) { logged += 1 })
        #expect(!checks.matches(cid, [9], stamp: stamp) { logged += 1 })
        #expect(checks.hashed == 2 && logged == 1)
        // Bounded: a third version pushes the oldest out, which is then hashed again.
        stamp.nanoseconds = 6
        _ = checks.matches(cid, bytes, stamp: stamp) {}
        stamp.nanoseconds = 0
        _ = checks.matches(cid, bytes, stamp: stamp) {}
        #expect(checks.hashed == 4)
        // Without a stable identity nothing is remembered.
        _ = checks.matches(cid, bytes, stamp: nil) {}
        _ = checks.matches(cid, bytes, stamp: nil) {}
        #expect(checks.hashed == 4)
    }

    @Test func querySizeIsCappedBeforeTheSearchRuns() async throws {
        let words = (0..<40).map { "w\($0)x" }.joined(separator: " ")
        try await testApplication().test(.router) { client in
            for (q, fragment) in [(words, "terms"), ("a* b* c* d* e*", "prefixes")] {
                let uri = "/api/search?q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                try await client.execute(uri: uri, method: .get) { r in
                    let error = try jsonObject(r.body)["error"] as? String
                    #expect(r.status == .badRequest)
                    #expect(error?.contains(fragment) == true, "\(error ?? "")")
                }
            }
        }
    }

    /// The expensive query of the storm: common words ORed, matching most documents.
    static let expensive = "/api/search?q=" + "river OR bread OR honey OR garden OR lantern OR kettle".replacingOccurrences(of: " ", with: "%20")

    @Test func aSpentBudgetAnswersPartialResults() async throws {
        let limits = SearchBudget.Limits(candidates: 40)
        try await app([mergedIndex], { $0.queryBudget = limits }).test(.router) { client in
            let first = try await client.execute(uri: ServeHostileTests.expensive + "&limit=5", method: .get) { r in
                #expect(r.status == .ok)
                let o = try jsonObject(r.body)
                #expect(o["partial"] as? Bool == true)
                #expect(o["partialReason"] as? String == SearchBudget.Reason.candidates.description)
                #expect(o["totalIsExact"] as? Bool == false)
                let results = try #require(o["results"] as? [[String: Any]])
                #expect(results.count == 5)
                return results.map { $0["url"] as? String }
            }
            // Deterministic: a work budget stops at the same document every time.
            try await client.execute(uri: ServeHostileTests.expensive + "&limit=5", method: .get) { r in
                let results = try jsonObject(r.body)["results"] as? [[String: Any]]
                #expect(results?.map { $0["url"] as? String } == first)
            }
        }
        // A cheap query within the default budget is not marked.
        try await testApplication().test(.router) { client in
            try await client.execute(uri: "/api/search?q=zephyr", method: .get) { r in
                let o = try jsonObject(r.body)
                #expect(o["partial"] == nil && o["partialReason"] == nil)
            }
        }
    }

    /// A storm of expensive searches: at most `maxSearches` run, each within its budget, the
    /// rest get 503 with Retry-After, and block requests keep answering while every search
    /// thread is held.
    @Test func aQueryStormStaysWithinItsLimitsWhileBlocksFlow() async throws {
        let limit = max(2, processorCount)
        let extra = 8
        let limits = SearchBudget.Limits(candidates: 30)
        let held = Holder()
        // The shared fixture first: under a loaded parallel run, building it took longer than
        // the watchdog's minute, which then fired before the storm began.
        let blocks = try DirectoryStore(root: mergedIndex, create: false).list().prefix(20)
        // Without the defences the storm would hang on held threads: a watchdog lets it go
        // (and the test fail) instead. Generous: in a parallel `make check` with other builds
        // on two cores, the storm itself took over a minute (every other expectation held).
        let watchdog = Task {
            try await Task.sleep(for: .seconds(300))
            held.release(timedOut: true)
        }
        defer { watchdog.cancel() }
        try await app(
            [mergedIndex],
            { config in
                config.queryBudget = limits
                config.maxSearches = limit
                config.maxWaitingSearches = extra / 2
                config.searchWait = .milliseconds(20)
                config.searchObserver = held.observe
            }
        ).test(.router) { client in
            try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<(limit + extra) {
                    group.addTask {
                        try await client.execute(uri: ServeHostileTests.expensive, method: .get) { r in
                            let o = try? jsonObject(r.body)
                            return Answer(
                                status: r.status, partial: o?["partial"] as? Bool, error: o?["error"] as? String, retryAfter: r.headers[.retryAfter])
                        }
                    }
                }
                // `limit` searches start and are held on their threads; the rest are refused.
                var answers: [Answer] = []
                for _ in 0..<extra { if let a = try await group.next() { answers.append(a) } }
                while held.started < limit && !held.timedOut { try await Task.sleep(for: .milliseconds(5)) }
                #expect(held.started == limit)
                #expect(answers.allSatisfy { $0.status == .serviceUnavailable && $0.retryAfter == "1" })
                #expect(answers.allSatisfy { $0.error?.contains("too many searches") == true })

                // Every search thread is taken: blocks are still answered.
                try await withThrowingTaskGroup(of: Bool.self) { reads in
                    for cid in blocks {
                        reads.addTask {
                            try await client.execute(uri: "/blocks/\(cid)", method: .get) { r in
                                r.status == .ok && CID(of: Array(buffer: r.body)) == cid
                            }
                        }
                    }
                    var ok = 0
                    for try await good in reads where good { ok += 1 }
                    #expect(ok == blocks.count)
                }

                held.release()
                for try await a in group { answers.append(a) }
                let served = answers.filter { $0.status == .ok }
                #expect(served.count == limit)
                #expect(served.allSatisfy { $0.partial == true })
                #expect(answers.count == limit + extra)
            }
        }
        #expect(!held.timedOut)
        #expect(held.peak == limit)
        #expect(held.finished.count == limit)
        #expect(held.finished.allSatisfy { $0.stopped == .candidates && $0.candidates <= limits.candidates + 1 })
    }

    @Test func theGateHandsSlotsOverInOrderAndRefusesPastItsQueue() async {
        let gate = SearchGate(limit: 1, maxWaiting: 1, wait: .seconds(60))
        #expect(await gate.enter())
        let waiter = Task { await gate.enter() }
        while gate.waiting == 0 { await Task.yield() }
        // A third is over the queue and refused at once.
        #expect(await gate.enter() == false)
        gate.leave()
        #expect(await waiter.value)
        gate.leave()
        #expect(gate.peak == 1 && gate.refused == 1)
        let patient = SearchGate(limit: 1, maxWaiting: 4, wait: .milliseconds(10))
        #expect(await patient.enter())
        #expect(await patient.enter() == false, "gives up after its wait")
    }
}

struct Answer: Sendable {
    var status: HTTPResponse.Status
    var partial: Bool?
    var error: String?
    var retryAfter: String?
}

/// Holds every search on its thread until released; counts them.
final class Holder: Sendable {
    struct Finished: Sendable {
        var stopped: SearchBudget.Reason?
        var candidates: Int
    }
    private let state = Mutex<(running: Int, peak: Int, started: Int, released: Bool, timedOut: Bool, finished: [Finished])>(
        (0, 0, 0, false, false, []))
    private let gate = DispatchSemaphore(value: 0)

    var started: Int { state.withLock { $0.started } }
    var peak: Int { state.withLock { $0.peak } }
    var finished: [Finished] { state.withLock { $0.finished } }
    var timedOut: Bool { state.withLock { $0.timedOut } }

    func observe(_ event: SearchEvent) {
        switch event {
        case .started:
            let wait = state.withLock { s -> Bool in
                s.running += 1
                s.started += 1
                s.peak = max(s.peak, s.running)
                return !s.released
            }
            if wait { gate.wait() }
        case .finished(let stopped, let candidates, _):
            state.withLock {
                $0.running -= 1
                $0.finished.append(Finished(stopped: stopped, candidates: candidates))
            }
        }
    }

    func release(timedOut: Bool = false) {
        let waiting = state.withLock { s -> Int in
            if s.released { return 0 }
            s.released = true
            s.timedOut = timedOut
            return s.started
        }
        for _ in 0..<waiting { gate.signal() }
    }
}
