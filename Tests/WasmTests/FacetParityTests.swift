import Foundation
import Index
import IndexTestSupport
import Query
import Search
import Testing
import TextTestSupport

/// The page's filter counts (`qc_facets`) are `indexer facets`' own: the same values and counts
/// as the native `IndexView.facets`, over the whole index (internal nodes) and among a query's
/// matches (their records), with tombstoned documents subtracted.
@Suite(.serialized) struct FacetParityTests {
    typealias Counts = [[String: Int]]

    static func native(_ f: Facets) -> Counts { f.values.map { [$0.value: Int($0.count)] } }

    static func wasm(_ line: [String: Any]) -> Counts {
        ((line["values"] as? [[Any]]) ?? []).map { [($0[0] as? String ?? ""): ($0[1] as? Int ?? -1)] }
    }

    @Test func countsMatchNativeFacets() throws {
        let dir = tempDirectory()
        // Two segments, one document replaced: the old copy is tombstoned and must not count.
        var docs = corpus(300, seed: 11)
        let (first, _) = try buildIndex(Array(docs[..<200]), dir: dir)
        let old = DocRef(group: testKey.group, batch: 0, ordinal: 8)
        let record = try #require(try first.documents([old]).first ?? nil)
        #expect(record.url == docs[8].url)
        docs[8].tags = ["replaced"]
        let (view, _) = try buildIndex(
            Array(docs[200...]) + [docs[8]], dir: dir, batch: 1, sequence: 2,
            tombstones: [SegmentInfo.Tombstone(doc: old, bodyLength: record.bodyLength, titleLength: record.titleLength)],
            keepSegments: [first.versions[0].version.segments[0]])
        #expect(!view.tombstones.isEmpty, "the rebuilt document tombstones its old copy")
        let manifest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        let session = try WasmModule.Session()
        defer { session.close() }
        let all = Int32((1 << FacetKind.allCases.count) - 1)
        for query in ["", "w1", "site:site0.example", "w2 -w3"] {
            let (reply, _) = try TreeParityTests.fetching(
                session, view.store, .facets(manifest: manifest, query: query, kinds: all, limit: 5))
            #expect(reply.result == 0, "\(query): \(reply.text)")
            let lines = try reply.text.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(lines.map { $0["kind"] as? String } == FacetKind.allCases.map(\.rawValue), "\(query)")
            let docs = query.isEmpty ? nil : try SearchEngine(view: view, analyzer: IndexAnalyzer()).allMatches(QueryPlan(QueryParser.parse(query)))
            for (kind, line) in zip(FacetKind.allCases, lines) {
                let expected = try docs.map { try view.facets(kind, among: $0, limit: 5) } ?? view.facets(kind, limit: 5)
                #expect(!expected.values.isEmpty, "\(query) \(kind) counts something natively")
                #expect(Self.wasm(line) == Self.native(expected), "\(query) \(kind)")
                #expect(line["matches"] as? Int == docs?.count ?? -1 && line["truncated"] as? Bool == false)
            }
        }
        // Counting among at most 20 matches: the first 20 in DocRef order, and said to be cut.
        let (cut, _) = try TreeParityTests.fetching(
            session, view.store, .facets(manifest: manifest, query: "w1", kinds: 1 << 2, limit: 5, matchLimit: 20))
        let line = try #require(try JSONSerialization.jsonObject(with: Data(cut.text.utf8)) as? [String: Any])
        let first20 = Array(try SearchEngine(view: view, analyzer: IndexAnalyzer()).allMatches(QueryPlan(QueryParser.parse("w1"))).prefix(20))
        #expect(line["truncated"] as? Bool == true && line["matches"] as? Int == 20)
        #expect(Self.wasm(line) == Self.native(try view.facets(.site, among: first20, limit: 5)))
        let bad = try session.call(.facets(manifest: manifest, query: "foo:bar", kinds: all))
        #expect(bad.result == 1 && bad.text.hasPrefix("query\t"), "\(bad.text)")
    }

    /// Group names show only when `names.json` is signed by the manifest's signer, as
    /// `indexer search` shows them.
    @Test func groupNamesNeedTheManifestSignersSignature() throws {
        let dir = tempDirectory()
        let (view, _) = try buildIndex(corpus(20, seed: 2), dir: dir)
        let manifest = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        let group = view.versions[0].version.group.description
        let names = [group: "Riverside Makers"]
        let signed = try GroupNames.signed(names, key: testKey, created: "2026-01-01T00:00:00Z")
        let other = try GroupNames.signed(names, key: try GroupKey(seed: Array(repeating: 9, count: 32)), created: "2026-01-01T00:00:00Z")
        let session = try WasmModule.Session()
        defer { session.close() }
        let good = try session.call(.groupNames(manifest: manifest, names: signed))
        #expect(good.result == 0 && good.text == #"{"\#(group)":"Riverside Makers"}"#, "\(good.text)")
        #expect(GroupNames.verified(signed, signer: testKey.publicKey) == names)
        let forged = try session.call(.groupNames(manifest: manifest, names: other))
        #expect(forged.result == 0 && forged.text == "{}", "\(forged.text)")
        var altered = signed
        altered[altered.firstIndex(of: UInt8(ascii: "R"))!] = UInt8(ascii: "Q")
        #expect(try session.call(.groupNames(manifest: manifest, names: altered)).text == "{}")
    }
}
