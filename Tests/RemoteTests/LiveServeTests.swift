import Blocks
import Foundation
import Index
import Search
import Synchronization
import Testing
import TextTestSupport

@testable import Remote

func noCache() -> RemoteOptions {
    var o = RemoteOptions()
    o.cacheDirectory = nil
    o.timeout = 20
    return o
}

/// Every query's results, read through `location`.
func answers(_ location: String, options: RemoteOptions = noCache()) throws -> [[String]] {
    let opened = try openIndex(location, options: options)
    return try remoteQueries.map { summary(try IndexSearch(view: opened.view).run($0, limit: 10)) }
}

/// `indexer serve` and stock nginx, started as real processes on loopback ports.
@Suite(.serialized) struct LiveServeTests {
    @Test(.tags(.nginx), .needsExternalTools) func indexerServeAndNginxAnswerLikeTheLocalFolder() throws {
        let serve = try IndexerServer([mergedIndex])
        defer { _ = serve.terminate(within: 10) }
        let nginx = try NginxServer(root: mergedIndex)
        defer { nginx.stop() }
        let local = try answers(mergedIndex)
        #expect(try answers(serve.base) == local)
        #expect(try answers(nginx.base) == local)
        var gateway = noCache()
        gateway.gateway = serve.base
        #expect(try answers(nginx.base, options: gateway) == local, "manifest from nginx, blocks from /ipfs/ on indexer serve")
        #expect(nginx.accessLog.contains("GET /blocks/"), "nginx really served the blocks")

        // Byte for byte the same files, and the same answer to a conditional request.
        let fetcher = Fetcher(options: noCache())
        let cids = try DirectoryStore(root: mergedIndex, create: false).list()
        for path in ["/manifest.json"] + cids.prefix(25).map({ "/blocks/" + BlockLayout.fanOut.relativePath($0) }) {
            let requests = [serve.base, nginx.base].map { FetchRequest(url: $0 + path, limit: 64 << 20) }
            let (a, b) = try (fetcher.fetchOne(requests[0]), fetcher.fetchOne(requests[1]))
            #expect(a.body == b.body && !a.body.isEmpty, "\(path)")
        }
        for base in [serve.base, nginx.base] {
            let first = try fetcher.fetchOne(FetchRequest(url: base + "/manifest.json", limit: 64 << 20))
            let validators = [("If-None-Match", first.etag ?? ""), ("If-Modified-Since", first.lastModified ?? "")].filter { !$0.1.isEmpty }
            let again = try fetcher.fetchOne(
                FetchRequest(
                    url: base + "/manifest.json", limit: 64 << 20, headers: validators,
                    acceptedStatuses: [304]))
            #expect(again.status == 304, "\(base) revalidates the manifest")
        }
    }

    @Test func fiftyParallelClientsForAFewSecondsWithoutErrors() throws {
        let serve = try IndexerServer([mergedIndex])
        defer { _ = serve.terminate(within: 10) }
        let errors = Mutex<[String]>([])
        let searches = Atomic<Int>(0), apiCalls = Atomic<Int>(0)
        let until = Date().addingTimeInterval(4)
        let group = DispatchGroup()
        for client in 0..<50 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    // Half read the index sparsely as remote clients, half use the JSON API.
                    let opened = try openIndex(serve.base, options: noCache())
                    let fetcher = Fetcher(options: noCache())
                    var i = client
                    // At least two queries each, however slow the machine: the counts below
                    // then say every client got through, not how fast.
                    while i - client < 2 || Date() < until {
                        let q = remoteQueries[i % remoteQueries.count]
                        if client % 2 == 0 {
                            _ = try IndexSearch(view: opened.view).run(q, limit: 10)
                            searches.add(1, ordering: .relaxed)
                        } else {
                            let url = serve.base + "/api/search?q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                            let r = try fetcher.fetchOne(FetchRequest(url: url, limit: 1 << 20))
                            guard r.status == 200 else { throw ServerError("\(url): \(r.status)") }
                            apiCalls.add(1, ordering: .relaxed)
                        }
                        i += 1
                    }
                } catch {
                    errors.withLock { $0.append("client \(client): \(error)") }
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success, "clients finished")
        print("50 clients, 4 s: \(searches.load(ordering: .relaxed)) sparse remote searches, \(apiCalls.load(ordering: .relaxed)) API searches")
        #expect(errors.withLock { $0 } == [])
        #expect(searches.load(ordering: .relaxed) >= 25 && apiCalls.load(ordering: .relaxed) >= 25)
        #expect(serve.terminate(within: 10) == 0, "SIGTERM stops the server cleanly")
    }
}
