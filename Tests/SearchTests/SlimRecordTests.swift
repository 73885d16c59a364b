import Blocks
import Foundation
import Index
import IndexTestSupport
import ProllyTree
import SearchOutput
import Support
import Testing

@testable import Search

/// Format 7's slim records (issue 13): an 8-byte digest and the record ID in the text head, read
/// beside format 6's records (a 32-byte digest and the record ID in the record) in one index.
@Suite struct SlimRecordTests {
    /// A plain WARC of HTML responses, record IDs `<urn:uuid:…-0000000000NN>` by `id`.
    static func warc(at path: String, _ pages: [(url: String, id: Int, title: String, text: String)]) throws {
        var bytes: [UInt8] = []
        for p in pages {
            let html = "<html><head><title>\(p.title)</title></head><body><p>\(p.text)</p></body></html>"
            let http = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
            let head =
                "WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: \(recordID(p.id))\r\n"
                + "WARC-Date: 2024-03-0\(p.id % 9 + 1)T10:00:00Z\r\nWARC-Target-URI: \(p.url)\r\n"
                + "Content-Type: application/http; msgtype=response\r\nContent-Length: \(http.utf8.count)\r\n\r\n"
            bytes += Array((head + http + "\r\n\r\n").utf8)
        }
        try FileSystem.writeAtomically(path, bytes)
    }

    /// Text enough to make a page's head a block of its own (over the text tree's 256-byte inline limit).
    static let long = String(repeating: " Zest, sugar and butter beaten until pale and light.", count: 8)

    static func recordID(_ id: Int) -> String { "<urn:uuid:00000000-0000-0000-0000-0000000000\(id < 10 ? "0" : "")\(id)>" }

    static func build(_ warc: String, out: String, base: String? = nil, created: String) throws -> IndexBuild.Report {
        var build = IndexBuild(sources: [warc], out: out, key: testKey, created: created)
        build.base = base
        build.memoryBytes = 16 << 20
        build.workers = 2
        return try build.run()
    }

    /// Every live record of `view` with its text head.
    static func recordsAndHeads(_ view: IndexView) throws -> [(record: DocRecord, head: TextChunks.Head)] {
        var out: [(DocRecord, TextChunks.Head)] = []
        for s in view.segments {
            try s.forEachDocument { _, r in
                guard let link = r.text else { throw IndexError.corrupt("no head") }
                out.append((r, try TextChunks.Head(encoded: try s.reader.value(link.leafValue))))
            }
        }
        return out
    }

    /// `segment` as format 6 wrote it, stored in `store`: each record with a 32-byte digest whose
    /// first 8 bytes are the one it holds (a 32-byte digest's prefix is what format 7 keeps) and
    /// its record ID, the head without one. For short documents only (inline heads).
    static func format6Twin(of segment: Segment, in store: DirectoryStore) throws -> CID {
        let docs = try TreeBuilder(store: store, params: ShardTree.docs.parameters, aggregator: LengthAggregator())
        let text = try TreeBuilder(store: store, params: ShardTree.text.parameters, aggregator: CountOnly())
        var heads: [[UInt8]: [UInt8]] = [:]
        var scan = segment.docs.scan()
        while let (key, value) = try scan.nextEntry() {
            var r = try DocRecord(encoded: value)
            guard r.digest.count == DocRecord.digestLength, case .inline(let bytes)? = r.text else {
                throw IndexError.corrupt("not a short format 7 record")
            }
            var head = try TextChunks.Head(encoded: bytes)
            r.recordID = r.recordID ?? head.recordID
            head.recordID = nil
            r.digest += [UInt8](repeating: 0xd6, count: 32 - DocRecord.digestLength)
            r.text = .inline(head.encoded)
            heads[TextChunks.key(DocRef(bytes: key)!, 0)] = head.encoded
            try docs.add(key: key, value: r.encoded)
        }
        var chunks = segment.text.scan()
        while let (key, value) = try chunks.nextEntry() { try text.add(key: key, value: heads[key] ?? value) }
        var info = segment.info
        info.trees[ShardTree.docs.name] = try docs.finish().headerCID
        info.trees[ShardTree.text.name] = try text.finish().headerCID
        info.formatVersion = 6
        return try store.put(info.cbor.encode())
    }

    @Test func aFormat7RecordHasAnEightByteDigestAndItsRecordIDIsInTheHead() throws {
        let work = tempDirectory("slim")
        try Self.warc(
            at: work + "/a.warc",
            [
                ("http://example.com/rye", 1, "Rye bread", "A dense rye loaf with caraway."),
                ("http://example.com/cake", 2, "Lemon cake", "A lemon drizzle cake with rye flour." + Self.long),
            ])
        _ = try Self.build(work + "/a.warc", out: work + "/idx", created: "2026-01-01T00:00:00Z")
        let view = try IndexView.open(directory: work + "/idx")
        #expect(view.segments.map(\.info.formatVersion) == [7])
        let found = try Self.recordsAndHeads(view)
        #expect(found.count == 2)
        for (r, head) in found {
            #expect(r.digest.count == 8)
            if r.url.hasSuffix("cake") {
                // A head block of its own holds the ID; the record does not.
                guard case .block? = r.text else { Issue.record("the long page's head is inline"); continue }
                #expect(r.recordID == nil && head.recordID == Self.recordID(2))
                #expect(try DagCBOR.decode(r.encoded)["recordID"] == nil)
            } else {
                // A head short enough to be inline in the record leaves the ID in the record: in
                // the head it would push the head out into a block, one more fetch per snippet.
                guard case .inline? = r.text else { Issue.record("the short page's head is a block"); continue }
                #expect(r.recordID == Self.recordID(1) && head.recordID == nil)
            }
        }

        // The search results, and their JSON, take it from the head.
        let page = try IndexSearch(view: view).run("lemon", limit: 10)
        #expect(page.results.map(\.recordID) == [Self.recordID(2)])
        #expect(page.results.first?.file == "a.warc" && page.results.first?.offset != nil)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(SearchJSON.document(query: "lemon", page: page, offset: 0).utf8)) as? [String: Any])
        let results = try #require(json["results"] as? [[String: Any]])
        #expect(results.first?["recordId"] as? String == Self.recordID(2))
        // By date too (its texts are fetched apart from its records).
        var dated = IndexSearch(view: view)
        dated.order = .date
        #expect(try dated.run("rye", limit: 10).results.compactMap(\.recordID).sorted() == [Self.recordID(1), Self.recordID(2)])
    }

    /// A format 6 base updated by a format 7 build: the base's unchanged page is seen as
    /// unchanged, identical content at another URL in either segment collapses, and each
    /// segment's record IDs reach the results (the /6 one's from its records).
    @Test func aFormat6BaseAndAFormat7UpdateCompareDigestsOnTheirPrefix() throws {
        let work = tempDirectory("slim-mixed")
        try Self.warc(
            at: work + "/old.warc",
            [
                ("http://example.com/alpha", 1, "Alpha", "alpha page about apples"),
                ("http://example.com/bravo", 2, "Bravo", "bravo page about bread"),
            ])
        let base = work + "/base"
        _ = try Self.build(work + "/old.warc", out: base, created: "2026-01-01T00:00:00Z")
        let built = try IndexView.open(directory: base)
        let store = try DirectoryStore(root: base, create: false)
        let twin = try Self.format6Twin(of: built.segments[0], in: store)
        let old = try PostingBlockTests.republish(twin, in: store, at: base)
        #expect(old.segments.map(\.info.formatVersion) == [6])
        let slim = try Self.recordsAndHeads(built).sorted { $0.record.url < $1.record.url }
        let fat = try Self.recordsAndHeads(old).sorted { $0.record.url < $1.record.url }
        for ((s, _), (f, head)) in zip(slim, fat) {
            #expect(f.digest.count == 32 && Array(f.digest.prefix(8)) == s.digest && f.digest != s.digest)
            #expect(f.recordID != nil && head.recordID == nil)
        }
        // A format 6 index reads as before: the record ID from the record.
        #expect(try IndexSearch(view: old).run("apples", limit: 10).results.map(\.recordID) == [Self.recordID(1)])

        try Self.warc(
            at: work + "/new.warc",
            [
                ("http://example.com/alpha", 3, "Alpha", "alpha page about apples"),  // unchanged
                ("http://example.com/bravo-copy", 4, "Bravo", "bravo page about bread"),  // the /6 bravo's content
                ("http://example.com/charlie", 5, "Charlie", "charlie page about bread crumbs"),
            ])
        let out = work + "/next"
        let report = try Self.build(work + "/new.warc", out: out, base: base, created: "2026-01-02T00:00:00Z")
        #expect(report.alreadyInBase == 1)
        #expect(report.built.documents == 2)
        let mixed = try IndexView.open(directory: out)
        #expect(mixed.segments.map(\.info.formatVersion) == [6, 7])
        #expect(mixed.documentCount == 4)

        // bravo (/6) and bravo-copy (/7) are one page.
        let bread = try IndexSearch(view: mixed).run("bread", limit: 10).results
        #expect(bread.count == 2)
        #expect(Set(bread.map(\.url)).contains("http://example.com/charlie"))
        #expect(Set(bread.compactMap(\.recordID)).isSubset(of: [Self.recordID(2), Self.recordID(4), Self.recordID(5)]))
        #expect(bread.allSatisfy { $0.recordID != nil })
        #expect(try IndexSearch(view: mixed).run("crumbs", limit: 10).results.map(\.recordID) == [Self.recordID(5)])
        #expect(try IndexSearch(view: mixed).run("apples", limit: 10).results.map(\.recordID) == [Self.recordID(1)])
        var dated = IndexSearch(view: mixed)
        dated.order = .date
        #expect(try dated.run("bread", limit: 10).results.count == 2)

        // And a format 7 build over its own records (8 bytes against a page's 32) sees them all.
        let again = try Self.build(work + "/new.warc", out: work + "/again", base: out, created: "2026-01-03T00:00:00Z")
        #expect(again.alreadyInBase == 3)
        #expect(again.built.documents == 0)
    }

    /// A format 7 segment written before the docs tree's internal nodes were cut at 2 KiB
    /// (`ShardTree.docsBeforeFormat7`, indexes built earlier the same day) answers as the
    /// original, and compacting it re-cuts that tree into the original's.
    @Test func aDocsTreeWithTheEarlierInternalNodesAnswersAsItsTwinAndCompactsIntoToday() throws {
        let dir = tempDirectory("docs-inner")
        let (view, _) = try buildIndex(corpus(3000, seed: 6), dir: dir)
        let original = view.segments[0]
        #expect(original.docs.params.innerTargetSize == 2 << 10 && original.docs.height >= 3)
        let twinView = try PostingBlockTests.twin(
            of: original, tree: .docs, params: ShardTree.docsBeforeFormat7, aggregator: LengthAggregator(), version: 7, at: dir)
        let twin = twinView.segments[0]
        #expect(twin.docs.params.innerTargetSize == nil && twin.docs.count == original.docs.count)
        #expect(twin.info.trees[ShardTree.docs.name] != original.info.trees[ShardTree.docs.name])
        try PostingBlockTests.expectSameAnswers(view, twinView, ["w0", "w1 w2", "w7 OR w300", "page", "site:site1.example w5"])
        let out = try DirectoryStore(root: tempDirectory("docs-inner-compacted"))
        let compacted = try IndexCompaction.compact([twin], replacing: [twin.cid], into: out)
        #expect(compacted.info.trees[ShardTree.docs.name] == original.info.trees[ShardTree.docs.name])
    }
}
