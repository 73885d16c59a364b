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

/// Two served indexes: the merged one (first, also at `/`) and a single group's shard.
let servedIndexes: [ServedIndex] = {
    let single = try! buildIndex(corpus(40, seed: 9, site: "gamma.example"), key: keyB)
    let dirs = [mergedIndex, single]
    return try! zip(ServedIndex.names(for: dirs), dirs).map { try ServedIndex(name: $0, directory: $1) }
}()

func testApplication(log: (@Sendable (String) -> Void)? = nil, pageFiles: (page: String, wasm: String)? = nil) -> some ApplicationProtocol {
    var config = ServeConfiguration(indexes: servedIndexes)
    config.accessLog = log
    config.pageFiles = pageFiles
    config.port = 0
    return buildApplication(config)
}

func jsonObject(_ b: ByteBuffer) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: b).utf8)) as? [String: Any])
}

@Suite struct ServeTests {
    @Test func blocksAreImmutableWithCIDTagsAndRanges() async throws {
        let cid = try #require(try DirectoryStore(root: mergedIndex, create: false).list().first)
        let bytes = try FileSystem.readFile(blockFile(mergedIndex, cid))
        let name = servedIndexes[1].name
        let other = try #require(try DirectoryStore(root: servedIndexes[1].directory, create: false).list().first)
        try await testApplication().test(.router) { client in
            try await client.execute(uri: "/blocks/\(cid)", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Array(buffer: r.body) == bytes)
                #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(r.headers[.eTag] == "\"\(cid)\"")
                #expect(r.headers[.acceptRanges] == "bytes")
            }
            try await client.execute(uri: "/blocks/\(cid)", method: .get, headers: [.ifNoneMatch: "\"\(cid)\""]) { r in
                #expect(r.status == .notModified && r.body.readableBytes == 0)
            }
            try await client.execute(uri: "/blocks/\(cid)", method: .get, headers: [.range: "bytes=2-9"]) { r in
                #expect(r.status == .partialContent)
                #expect(Array(buffer: r.body) == Array(bytes[2...9]))
                #expect(r.headers[.contentRange] == "bytes 2-9/\(bytes.count)")
            }
            try await client.execute(uri: "/blocks/\(cid)", method: .get, headers: [.range: "bytes=-4"]) { r in
                #expect(Array(buffer: r.body) == Array(bytes.suffix(4)))
            }
            try await client.execute(uri: "/blocks/\(cid)", method: .get, headers: [.range: "bytes=\(bytes.count)-"]) { r in
                #expect(r.status == .rangeNotSatisfiable && r.headers[.contentRange] == "bytes */\(bytes.count)")
            }
            try await client.execute(uri: "/blocks/\(cid)", method: .head) { r in
                #expect(r.status == .ok && r.headers[.contentLength] == "\(bytes.count)" && r.body.readableBytes == 0)
            }
            // Under the index's own name too, and other indexes' blocks only under theirs.
            try await client.execute(uri: "/\(servedIndexes[0].name)/blocks/\(cid)", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/\(name)/blocks/\(other)", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/blocks/\(CID(of: [1, 2, 3]))", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/blocks/not-a-cid", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/blocks/../manifest.json", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/nosuchindex/manifest.json", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/" + String(repeating: "a", count: 2000), method: .get) { #expect($0.status == .uriTooLong) }
        }
    }

    @Test func gatewayServesRawBlocksFromAnyIndex() async throws {
        let other = try #require(try DirectoryStore(root: servedIndexes[1].directory, create: false).list().first)
        let bytes = try FileSystem.readFile(blockFile(servedIndexes[1].directory, other))
        try await testApplication().test(.router) { client in
            try await client.execute(uri: "/ipfs/\(other)", method: .get, headers: [.accept: "application/vnd.ipld.raw"]) { r in
                #expect(r.status == .ok && Array(buffer: r.body) == bytes)
                #expect(r.headers[.contentType] == "application/vnd.ipld.raw")
                #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
            }
            try await client.execute(uri: "/ipfs/\(other)?format=raw", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ipfs/\(other)?format=car", method: .get) { #expect($0.status == .notAcceptable) }
            try await client.execute(uri: "/ipfs/\(CID(of: [7]))", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func manifestIsRevalidatedNotCached() async throws {
        let bytes = try FileSystem.readFile(mergedIndex + "/manifest.json")
        try await testApplication().test(.router) { client in
            let tag = try await client.execute(uri: "/manifest.json", method: .get) { r -> String in
                #expect(r.status == .ok && Array(buffer: r.body) == bytes)
                #expect(r.headers[.cacheControl] == "no-cache")
                #expect(r.headers[.contentType] == "application/json")
                return try #require(r.headers[.eTag])
            }
            #expect(tag == "\"\(CID(of: bytes))\"")
            try await client.execute(uri: "/manifest.json", method: .get, headers: [.ifNoneMatch: tag]) { #expect($0.status == .notModified) }
            try await client.execute(uri: "/\(servedIndexes[1].name)/manifest.json", method: .get) { r in
                let file = try FileSystem.readFile(servedIndexes[1].directory + "/manifest.json")
                #expect(Array(buffer: r.body) == file)
            }
        }
    }

    @Test func searchAPIAnswersAsTheLibraryDoes() async throws {
        let expected = try IndexSearch(view: IndexView.open(directory: mergedIndex)).run("garden honey", limit: 5)
        try await testApplication().test(.router) { client in
            try await client.execute(uri: "/api/search?q=garden%20honey&limit=5", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/json; charset=utf-8")
                let o = try jsonObject(r.body)
                #expect(o["index"] as? String == servedIndexes[0].name)
                #expect(o["total"] as? Int == expected.total)
                let results = try #require(o["results"] as? [[String: Any]])
                #expect(!results.isEmpty)
                #expect(results.map { $0["url"] as? String } == expected.results.map(\.url))
                #expect(results.map { $0["title"] as? String } == expected.results.map(\.title))
                #expect(results.map { $0["snippet"] as? String } == expected.results.map(\.snippet.text))
                #expect(results.allSatisfy { ($0["snippetHTML"] as? String)?.contains("<mark>") == true })
                // The schema of `search --json`, with the index's name and the time taken.
                #expect(Set(o.keys) == ["index", "query", "parsed", "total", "totalIsExact", "offset", "tookMs", "results"])
                #expect(
                    results.allSatisfy {
                        Set($0.keys) == [
                            "url", "title", "score", "date", "group", "voucher", "recordId", "file", "offset", "replay", "author",
                            "authorName", "parent", "snippet", "highlights", "snippetHTML",
                        ]
                    })
                #expect(results.allSatisfy { ($0["highlights"] as? [[Int]])?.isEmpty == false })
                #expect(results.allSatisfy { ($0["date"] as? String)?.hasSuffix("Z") == true })
            }
            // By date, newest first; an unknown order is refused.
            try await client.execute(uri: "/api/search?q=garden%20honey&limit=5&sort=date", method: .get) { r in
                let dates = try #require(try jsonObject(r.body)["results"] as? [[String: Any]]).map { $0["date"] as? String ?? "" }
                #expect(!dates.isEmpty && dates == dates.sorted(by: >))
            }
            try await client.execute(uri: "/api/search?q=garden&sort=newest", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/search?q=river&index=\(servedIndexes[1].name)&limit=50", method: .get) { r in
                let results = try #require(try jsonObject(r.body)["results"] as? [[String: Any]])
                #expect(!results.isEmpty && results.allSatisfy { ($0["url"] as? String)?.contains("gamma.example") == true })
            }
            try await client.execute(uri: "/api/indexes", method: .get) { r in
                let list = try #require(try jsonObject(r.body)["indexes"] as? [[String: Any]])
                #expect(list.map { $0["name"] as? String } == servedIndexes.map(\.name))
                #expect(list.map { $0["documents"] as? Int } == [500, 40])
            }
            for (uri, status) in [
                ("/api/search", HTTPResponse.Status.badRequest), ("/api/search?q=river%20after:someday", .badRequest),
                ("/api/search?q=-river", .badRequest), ("/api/search?q=x&limit=0", .badRequest),
                ("/api/search?q=x&limit=abc", .badRequest), ("/api/search?q=x&index=nope", .notFound),
                ("/api/search?q=" + String(repeating: "a", count: 3000), .badRequest),
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri)")
                    let o = try jsonObject(r.body)
                    #expect(o["error"] is String, "\(uri)")
                }
            }
        }
    }

    /// `/` leads to the static page (the engine in the browser over the index's own files),
    /// served with a policy that lets it load only its own scripts, module and index.
    @Test func rootLeadsToTheStaticSearchPage() async throws {
        let wasm = tempDirectory("page-wasm")
        try FileSystem.writeAtomically(wasm + "/querycore.wasm", [0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0])
        try FileSystem.writeAtomically(wasm + "/querycore.wasm.lzma", [0x5D, 0, 0, 1, 0])
        let page = PythonChecker.packageRoot.appendingPathComponent("Wasm/page").path
        let name = servedIndexes[1].name
        try await testApplication(pageFiles: (page, wasm)).test(.router) { client in
            for (uri, location) in [
                ("/", "search/"), ("/?q=rye", "search/?q=rye"), ("/\(name)", "\(name)/search/"), ("/\(name)/", "search/"), ("/search", "search/"),
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .found && r.headers[.location] == location, "\(uri) -> \(r.headers[.location] ?? "")")
                }
            }
            for uri in ["/search/", "/\(name)/search/index.html"] {
                try await client.execute(uri: uri, method: .get) { r in
                    let html = String(buffer: r.body)
                    #expect(r.status == .ok && r.headers[.contentType] == "text/html; charset=utf-8", "\(uri)")
                    #expect(html.contains("data-indexer-search=\"..\"") && html.contains("indexer-page.js"))
                    let policy = r.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("script-src 'self' 'wasm-unsafe-eval'") && policy.contains("connect-src 'self'"), "\(policy)")
                    #expect(!policy.contains("script-src 'self' 'unsafe-inline'"))
                }
            }
            try await client.execute(uri: "/\(name)/search/querycore.wasm", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "application/wasm" && r.body.readableBytes == 8)
            }
            // The packed module the page decodes itself: opaque bytes, no Content-Encoding.
            try await client.execute(uri: "/search/querycore.wasm.lzma", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "application/octet-stream" && r.body.readableBytes == 5)
                #expect(r.headers[.contentEncoding] == nil)
            }
            try await client.execute(uri: "/search/indexer-search.js", method: .get) { r in
                #expect(
                    r.headers[.contentType] == "text/javascript; charset=utf-8" && String(buffer: r.body).contains("export async function openIndex"))
            }
            // Only the page's own files: nothing else of the package or the folder.
            for uri in ["/search/../manifest.json", "/search/Makefile", "/search/sub/index.html"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .notFound, "\(uri)") }
            }
        }
        // A folder without search/ and no package copy has no page (and says why).
        try await testApplication().test(.router) { client in
            try await client.execute(uri: "/search/", method: .get) { r in
                #expect(r.status == .notFound && String(buffer: r.body).contains("make wasm"))
            }
        }
    }

    /// A folder's own page without the packed module (written before it) gets no packed module
    /// from the package either: the page then reads the folder's own querycore.wasm, not the
    /// package's module of another version.
    @Test func aFoldersOwnModuleIsNotPairedWithThePackagesPackedOne() async throws {
        let dir = try buildIndex(corpus(5, seed: 3, site: "delta.example"), key: keyB)
        try FileSystem.makeDirectories(dir + "/search")
        try FileSystem.writeAtomically(dir + "/search/querycore.wasm", [0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 0])
        let wasm = tempDirectory("page-wasm")
        try FileSystem.writeAtomically(wasm + "/querycore.wasm", [0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0])
        try FileSystem.writeAtomically(wasm + "/querycore.wasm.lzma", [0x5D, 0, 0, 1, 0])
        var config = ServeConfiguration(indexes: [try ServedIndex(name: "own", directory: dir)])
        config.pageFiles = (PythonChecker.packageRoot.appendingPathComponent("Wasm/page").path, wasm)
        config.port = 0
        try await buildApplication(config).test(.router) { client in
            try await client.execute(uri: "/search/querycore.wasm.lzma", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/search/querycore.wasm", method: .get) { #expect($0.status == .ok && $0.body.readableBytes == 9) }
        }
    }

    @Test func accessLogHasOneLinePerRequest() async throws {
        let lines = LineSink()
        try await testApplication(log: lines.append).test(.router) { client in
            _ = try await client.execute(uri: "/api/search?q=river", method: .get)
            _ = try await client.execute(uri: "/nothing/here", method: .get)
        }
        let log = lines.lines
        #expect(log.count == 2)
        #expect(log[0].contains("GET /api/search?q=river 200 "))
        #expect(log[1].contains("GET /nothing/here 404 "))
    }

    @Test func namesAreDistinctAndAvoidTheServersOwnPaths() {
        #expect(
            ServedIndex.names(for: ["/a/site", "/b/site", "/c/api", "x/ipfs/", "/d/my index"]) == [
                "site", "site-2", "index-api", "index-ipfs", "my-index",
            ])
    }

    @Test func rangeHeaderParsing() {
        #expect(ByteRange(header: "bytes=0-0", length: 10) == .part(0..<1))
        #expect(ByteRange(header: "bytes=5-100", length: 10) == .part(5..<10))
        #expect(ByteRange(header: "bytes=-3", length: 10) == .part(7..<10))
        #expect(ByteRange(header: "bytes=-30", length: 10) == .part(0..<10))
        #expect(ByteRange(header: "bytes=10-", length: 10) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-1,4-5", length: 10) == .whole)
        #expect(ByteRange(header: "bytes=5-2", length: 10) == .whole)
        #expect(ByteRange(header: "items=1-2", length: 10) == .whole)
        #expect(ByteRange(header: nil, length: 10) == .whole)
    }
}

final class LineSink: Sendable {
    private let store = Mutex<[String]>([])
    var lines: [String] { store.withLock { $0 } }
    func append(_ line: String) { store.withLock { $0.append(line) } }
}
