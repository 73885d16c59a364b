import Blocks
import Foundation
import Index
import IndexTestSupport
import Query
import Testing
import TextTestSupport

@testable import Search

/// The peer-to-peer fields at the library level: date order, and what a segment written before
/// them (format 1) still answers.
@Suite struct PeerToPeerSearchTests {
    func post(_ i: Int, _ text: String, day: Int64?, author: String? = nil, parent: String? = nil, tags: [String] = []) -> IndexDocument {
        var d = IndexDocument(
            url: "https://s.example/posts/\(i).json", title: "", text: text, date: day.map { 1_735_689_600 + $0 * 86400 }, lang: "en",
            digest: Array("d\(i)".utf8), source: "t@\(i)", tags: tags, parent: parent)
        d.author = author
        return d
    }

    @Test func sortByDateWalksDaysNewestOrOldestFirstWithUndatedLast() throws {
        let docs = [
            post(0, "river walk", day: 3), post(1, "river bank river", day: 0), post(2, "river", day: nil),
            post(3, "river boat", day: 7), post(4, "lake", day: 5), post(5, "river mouth", day: 7),
        ]
        let (view, _) = try buildIndex(docs)
        var search = IndexSearch(view: view)
        func urls(_ page: IndexSearch.Page) -> [Int] { page.results.map { Int($0.url.split(separator: "/").last!.dropLast(5))! } }
        search.order = .date
        let newest = try search.run("river", limit: 10)
        // Same day: the better score first (3 and 5 tie on tf; shorter text wins, then DocRef).
        #expect(urls(newest) == [3, 5, 0, 1, 2])
        #expect(newest.total == 5 && newest.totalIsExact)
        #expect(urls(try search.run("river", limit: 2)) == [3, 5])
        #expect(try search.run("river", limit: 2).totalIsExact == false, "older days were not read")
        #expect(urls(try search.run("river", limit: 2, offset: 2)) == [0, 1])
        search.order = .oldest
        #expect(urls(try search.run("river", limit: 10)) == [1, 0, 3, 5, 2])
        search.order = .relevance
        #expect(Set(urls(try search.run("river", limit: 10))) == [0, 1, 2, 3, 5])
    }

    /// A segment whose root says `indexer-segment/1` (written before the fields) is read as
    /// before, but `from:`, `thread:` and facets since a day are refused, naming it.
    @Test func aFormat1SegmentIsReadButPeerToPeerQueriesOverItAreRefused() throws {
        let dir = tempDirectory("format1")
        let docs = [post(0, "honey harvest", day: 1, author: "alice@a.example", tags: ["bees"])]
        _ = try buildIndex(docs, dir: dir)
        // Rewrite the segment's root as format 1 and publish a version listing it.
        let store = try DirectoryStore(root: dir, create: false)
        let view = try IndexView.open(directory: dir)
        var info = view.segments[0].info
        #expect(info.formatVersion == 7)
        info.formatVersion = 1
        let old = try store.put(info.cbor.encode())
        #expect(try SegmentInfo(cbor: try DagCBOR.decode(try store.get(old))).formatVersion == 1)
        let v = try GroupVersion.signed(
            key: testKey, sequence: 2, created: "2026-01-02T00:00:00Z", analyzer: IndexAnalyzer().identifier, segments: [old])
        _ = try IndexWriter.publish(
            versions: [(try IndexWriter.store(v, in: store), v)], analyzer: IndexAnalyzer().identifier, store: store, out: dir, key: testKey,
            created: "2026-01-02T00:00:00Z")
        let reopened = try IndexView.open(directory: dir)
        let search = IndexSearch(view: reopened)
        #expect(try search.run("honey", limit: 5).results.count == 1)
        #expect(try reopened.facets(.tag).values == [Facets.Value(value: "bees", count: 1)])
        for q in ["from:alice", "thread:https://s.example/posts/0.json"] {
            #expect {
                _ = try search.run(q, limit: 5)
            } throws: { e in
                guard case SearchError.needsFormat2(_, let segments) = e else { return false }
                return segments == [old.description]
            }
        }
        #expect {
            _ = try reopened.facets(.tag, sinceDay: "20250101")
        } throws: { e in
            guard case IndexError.needsFormat2(_, let segment) = e else { return false }
            return segment == old.description
        }
        // An unknown format is refused by name.
        var bad = try DagCBOR.decode(try store.get(old))
        if case .map(var entries) = bad {
            entries = entries.map { $0.0 == "format" ? ($0.0, .text("indexer-segment/9")) : $0 }
            bad = .map(entries)
        }
        #expect(throws: IndexError.corrupt("segment root block: unknown format indexer-segment/9 (this reader knows indexer-segment/7 and older)")) {
            _ = try SegmentInfo(cbor: bad)
        }
    }

    /// `diff --query` checks only the new documents: a `date:` range or a `group:` filter reads
    /// the new documents' segment, not the earlier ones (here deleted from the store after opening).
    @Test func matchingGivenDocumentsReadsOnlyTheirSegments() throws {
        let dir = tempDirectory("matching")
        let (first, _) = try buildIndex([post(0, "honey old", day: 1), post(1, "honey older", day: 2)], dir: dir)
        let oldBlocks = Set(try blockNames(dir))
        let (view, _) = try buildIndex(
            [post(2, "honey new", day: 20)], dir: dir, batch: 1, sequence: 2, keepSegments: [first.segments[0].cid])
        #expect(view.segments.count == 2)
        let newDoc = DocRef(group: view.segments[1].info.batches[0].group, batch: 1, ordinal: 0)
        #expect(view.segment(owning: newDoc)?.cid == view.segments[1].cid)
        let newBlocks = Set(try blockNames(dir)).subtracting(oldBlocks)
        // The first segment's nodes go (those the new segment shares by content stay).
        var shared = Set<String>()
        try CAR.reachable(from: view.segments[1].cid, in: view.store) { c, _ in shared.insert(c.description) }
        for b in oldBlocks where !newBlocks.contains(b) && !shared.contains(b) { try FileManager.default.removeItem(atPath: blockFile(dir, b)) }
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        let group = view.segments[1].info.batches[0].group.description
        for q in ["date:2025-01-10..", "honey date:2025-01..2025-02", "group:\(group)", "honey group:\(group)"] {
            #expect(try engine.matching(QueryPlan(try QueryParser.parse(q)), among: [newDoc]) == [newDoc], "\(q)")
        }
    }
}
