import Blocks
import Foundation
import Index
import IndexTestSupport
import Query
import Search
import Snippets
import Testing
import TextTestSupport

/// The search engine in the wasm module (IndexView and SearchEngine from the CLI's own
/// sources) over blocks fed to it round by round, as the page feeds it: the same top 10,
/// scores equal to the bit, as the native engine on the same index.
@Suite(.serialized) struct SearchParityTests {
    static let queries = [
        "w1", "w2 w3", "w5 OR w7", "\"w1 w2\"", "w1 -w2", "site:site1.example w3", "tag:four w1", "lang:de w2",
        "w1*", "title:page w4", "mention:alice", "w17 w3 w9", "date:2023-11-20..2024-01-01 w1",
    ]

    /// The CLI's results (`IndexSearch`, as `indexer search` runs it) as the module prints
    /// them: score bits, URL, title, date.
    static func native(_ view: IndexView, _ query: String, offset: Int = 0) throws -> [String] {
        try IndexSearch(view: view).run(query, limit: 10, offset: offset).results.map { r in
            let bits = String(r.score.bitPattern, radix: 16)
            return "\(String(repeating: "0", count: 16 - bits.count) + bits)\t\(r.url)\t\(r.title)\t\(r.date.map(String.init) ?? "")"
        }
    }

    @Test func topTenMatchesNativeEngine() throws {
        let dir = tempDirectory()
        // Two segments (an incremental build), so tombstones and several cursors are exercised.
        var docs = corpus(400, seed: 3)
        _ = try buildIndex(Array(docs[..<250]), dir: dir)
        docs[10].text += " w1 w2 w1 w2"
        let (view, _) = try buildIndex(
            Array(docs[250...]) + [docs[10]], dir: dir, batch: 1, sequence: 2,
            tombstones: [], keepSegments: [try IndexView.open(directory: dir).versions[0].version.segments[0]])
        let manifest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        let session = try WasmModule.Session()
        defer { session.close() }
        // As the page: the bootstrap file fetched with the manifest (it saves rounds, below).
        _ = try session.call(.bootstrap(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/bootstrap.car")))))
        var firstRounds = 0
        for (n, query) in Self.queries.enumerated() {
            let expected = try Self.native(view, query)
            let (reply, rounds) = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: query))
            if n == 0 { firstRounds = rounds }
            #expect(reply.result == 0, "\(query): \(reply.text)")
            let lines = reply.text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            #expect(lines == expected, "\(query)")
            #expect(!expected.isEmpty || query.contains("mention"), "\(query) matches nothing natively")
        }
        // A second page, and the JSON form's snippets: the CLI's own passages, marked alike.
        for query in ["w1", "\"w1 w2\"", "w3*"] {
            let (page2, _) = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: query, offset: 10))
            #expect(page2.text.split(separator: "\n").map(String.init) == (try Self.native(view, query, offset: 10)), "\(query) page 2")
            let (json, _) = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: query, json: true))
            let objects = try json.text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            let results = try IndexSearch(view: view).run(query, limit: 10).results
            #expect(objects.count == results.count + 1)
            for (o, r) in zip(objects, results) {
                #expect(o["url"] as? String == r.url && o["snippet"] as? String == r.snippet.rendered(.html), "\(query) \(r.url)")
            }
            #expect(objects.last?["total"] as? Int == (try IndexSearch(view: view).run(query, limit: 10).total))
        }
        // The first query fetched the manifest's blocks and each level of the trees it needed,
        // a level per round trip.
        #expect(firstRounds >= 3 && firstRounds <= 8, "\(firstRounds) rounds")
    }

    /// Sorted as `indexer search --sort date` (and oldest first): the same pages as the native
    /// engine; order 0 is relevance again.
    @Test func datedOrdersMatchNativeEngine() throws {
        let dir = tempDirectory()
        let (view, _) = try buildIndex(corpus(200, seed: 9), dir: dir)
        let manifest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        let session = try WasmModule.Session()
        defer { session.close() }
        for (code, order) in [(2, ResultOrder.date), (3, .oldest), (0, nil)] as [(Int32, ResultOrder?)] {
            #expect(try session.call(.order(code)).result == 0)
            for (query, offset) in [("w1", 0), ("w1", 10), ("w2 w3", 0)] {
                var native = IndexSearch(view: view)
                native.order = order
                let expected = try native.run(query, limit: 10, offset: offset).results.map { $0.url }
                let (reply, _) = try TreeParityTests.fetching(
                    session, view.store, .search(manifest: manifest, query: query, offset: Int32(offset)))
                let urls = reply.text.split(separator: "\n").map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[1]) }
                #expect(urls == expected, "\(query) \(String(describing: order)) from \(offset)")
                #expect(!expected.isEmpty)
            }
        }
        #expect(try session.call(.order(9)).result == 1)
    }

    /// The page's trust list is `indexer search --trust`'s: an index signed by another key is
    /// refused, its own key searches it, and no list trusts every signed group again.
    @Test func trustListDecidesWhatIsSearched() throws {
        let dir = tempDirectory()
        let (view, _) = try buildIndex(corpus(50, seed: 7), dir: dir)
        let manifest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        let key = view.versions[0].version.publicKey
        var other = key
        other[0] ^= 1
        let expected = try Self.native(view, "w1")
        let session = try WasmModule.Session()
        defer { session.close() }
        #expect(try session.call(.trust([other])).result == 0)
        let refused = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: "w1")).0
        #expect(refused.result == 1 && refused.text.contains("not in the trust list"), "\(refused.text)")
        #expect(try session.call(.trust([other, key])).result == 0)
        let trusted = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: "w1")).0
        #expect(trusted.result == 0 && trusted.text.split(separator: "\n").map(String.init) == expected, "\(trusted.text)")
        #expect(try session.call(.trust([other])).result == 0)
        #expect(try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: "w1")).0.result == 1)
        #expect(try session.call(.trust([])).result == 0)
        let open = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: "w1")).0
        #expect(open.result == 0 && open.text.split(separator: "\n").map(String.init) == expected)
        let malformed = try session.call(.trust([Array(key.prefix(16))]))
        #expect(malformed.result == 1 && malformed.text.contains("32-byte"))
    }

    @Test func forgedVersionIsRefused() throws {
        let dir = tempDirectory()
        let (view, _) = try buildIndex(corpus(50, seed: 5), dir: dir)
        var manifest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        // A manifest whose signature no longer covers its bytes.
        let text = String(decoding: manifest, as: UTF8.self)
        manifest = Array(text.replacingOccurrences(of: "\"created\":\"2026", with: "\"created\":\"2025").utf8)
        #expect(manifest != Array(text.utf8))
        let session = try WasmModule.Session()
        defer { session.close() }
        let (reply, _) = try TreeParityTests.fetching(session, view.store, .search(manifest: manifest, query: "w1"))
        #expect(reply.result == 1 && reply.text.contains("signature"), "\(reply.text)")
    }
}
