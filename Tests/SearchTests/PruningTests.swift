import Blocks
import Foundation
import Index
import IndexTestSupport
import Synchronization
import Testing

@testable import Search

/// Block-max pruning against exhaustive scoring of the same plan, on random corpora spread over
/// several segments (with tombstones), for word, AND, OR, NOT and phrase queries and for words
/// that are common in bodies but rare in titles.
@Suite struct PruningTests {
    /// Bodies from a skewed vocabulary; a title usually of generic words, sometimes holding one
    /// of the common body words (the `unsafe` on rust-doc case: a rare title term).
    func corpus(_ n: Int, seed: UInt64, offset: Int = 0) -> [IndexDocument] {
        var rng = SplitMix(seed: seed)
        return (0..<n).map { j in
            let i = offset + j
            let length = Int.random(in: 3...150, using: &rng)
            let words = (0..<length).map { _ in "w\(Int(pow(Double.random(in: 0..<1, using: &rng), 3) * 80))" }
            var title = ["page", "t\(i % 7)"]
            if Int.random(in: 0..<40, using: &rng) == 0 { title.append("w\(Int.random(in: 0..<12, using: &rng))") }
            return IndexDocument(
                url: "https://example.org/\(i)", title: title.joined(separator: " "), text: words.joined(separator: " "),
                date: nil, lang: "en", digest: Array("\(i)".utf8), source: "t@\(i)", tags: [], mentions: [])
        }
    }

    func randomPlan(_ docs: [IndexDocument], _ rng: inout SplitMix) -> QueryPlan {
        func word() -> QueryPlan { .word("w\(Int(pow(Double.random(in: 0..<1, using: &rng), 2) * 40))") }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return word()
        case 1: return .and((0..<Int.random(in: 2...3, using: &rng)).map { _ in word() })
        case 2: return .or((0..<Int.random(in: 2...4, using: &rng)).map { _ in word() })
        case 3: return .and([word(), .not(word())])
        case 4: return .or([.and([word(), word()]), word()])
        default:
            // Two neighbouring words of some document, so the phrase has matches.
            let text = docs.randomElement(using: &rng)!.text.split(separator: " ")
            let i = Int.random(in: 0..<text.count - 1, using: &rng)
            return .phrase("\(text[i]) \(text[i + 1])")
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func prunedTopKEqualsExhaustive(seed: UInt64) throws {
        let all = corpus(1800, seed: seed)
        var chain = try Chain(testKey, Array(all.prefix(1200)))
        try chain.update(edit: [3, 50, 700], delete: [9, 400], add: Array(all[1200..<1500]))
        try chain.update(edit: [1250], add: Array(all[1500...]))
        #expect(chain.view.segments.count == 3)
        let engine = SearchEngine(view: chain.view, analyzer: IndexAnalyzer())
        var rng = SplitMix(seed: seed &* 977)
        for _ in 0..<80 {
            let plan = randomPlan(chain.docs, &rng)
            let k = [1, 3, 10, 25].randomElement(using: &rng)!
            let pruned = try engine.search(plan, limit: k, prune: true)
            let full = try engine.search(plan, limit: k, prune: false)
            expectSameTop(pruned, full, "\(plan) k \(k)")
            #expect(pruned.candidatesScored <= full.candidatesScored)
        }
    }

    /// The same scores in the same order, and the same documents except among equal scores.
    func expectSameTop(_ pruned: SearchEngine.Result, _ full: SearchEngine.Result, _ label: String) {
        #expect(pruned.hits.count == full.hits.count, "\(label)")
        for (a, b) in zip(pruned.hits, full.hits) { #expect(abs(a.score - b.score) <= 1e-9 * max(1, abs(b.score)), "\(label)") }
        let tie = 1e-9
        for (i, (a, b)) in zip(pruned.hits, full.hits).enumerated() where a.doc != b.doc {
            let tied = full.hits.indices.filter { abs(full.hits[$0].score - b.score) <= tie }
            #expect(tied.count > 1 && tied.contains(i), "\(label): rank \(i) is \(a.doc), exhaustive says \(b.doc)")
        }
    }

    /// Over a network the top-k walk stops at each leaf not fetched yet, fetches it with the
    /// leaves ahead, and goes on with iterators reopened where it stopped. With batches of one
    /// or two leaves it stops often, inside ANDs, ORs, exclusions, phrases and tombstones: the
    /// answers must stay the exhaustive ones.
    @Test(arguments: [21, 22] as [UInt64])
    func remoteWalkStoppingAtUnfetchedLeavesEqualsExhaustive(seed: UInt64) throws {
        // Large enough for common words to span more leaves than the prefetch reads.
        let all = corpus(20000, seed: seed)
        var chain = try Chain(testKey, Array(all.prefix(16000)))
        try chain.update(edit: [3, 50, 700, 12100], delete: [9, 400, 13000], add: Array(all[16000..<18000]))
        try chain.update(edit: [16250], add: Array(all[18000...]))
        let local = SearchEngine(view: chain.view, analyzer: IndexAnalyzer())
        var rng = SplitMix(seed: seed &* 31)
        var stops = 0
        for round in 0..<40 {
            let plan = randomPlan(chain.docs, &rng)
            // Some pages as large as the matches, so nothing is pruned and totals are exact.
            let k = [1, 10, 25, 20000].randomElement(using: &rng)!
            let (view, _) = try NetworkLikeStore.open(chain.dir)
            var remote = SearchEngine(view: view, analyzer: IndexAnalyzer())
            remote.leafBatch = round % 2 + 1
            let pruned = try remote.search(plan, limit: k)
            let full = try local.search(plan, limit: k, prune: false)
            expectSameTop(pruned, full, "\(plan) k \(k)")
            // Counted once each: a walk resuming where it stopped scores no document twice.
            #expect(pruned.totalIsExact ? pruned.total == full.total : pruned.total <= full.total, "\(plan) k \(k)")
            stops += pruned.readAheads
        }
        #expect(stops >= 20, "the walks stopped \(stops) times: the test should exercise stopping")
    }

    /// A word in every body and three titles: the title part's bound may only count where a
    /// title match can be, else nothing is pruned (before: every match was scored).
    @Test func rareTitleTermKeepsPruning() throws {
        let filler = (0..<60).map { "f\($0)" }.joined(separator: " ")
        let docs = (0..<12000).map { i in
            IndexDocument(
                url: "https://example.org/\(i)", title: [4000, 8000, 11000].contains(i) ? "common" : "page \(i % 9)",
                text: i < 30 ? Array(repeating: "common", count: 8).joined(separator: " ") + " short" : "common " + filler,
                date: nil, lang: "en", digest: Array("\(i)".utf8), source: "t@\(i)", tags: [], mentions: [])
        }
        let (view, _) = try buildIndex(docs)
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        let pruned = try engine.search(.word("common"), limit: 10)
        let full = try engine.search(.word("common"), limit: 10, prune: false)
        #expect(pruned.hits.map(\.doc) == full.hits.map(\.doc))
        #expect(full.candidatesScored == 12000)
        #expect(pruned.candidatesScored * 10 < full.candidatesScored, "scored \(pruned.candidatesScored) of \(full.candidatesScored)")
        // The titled pages beat the short bodies, so pruning had to find them.
        #expect(Set(pruned.hits.prefix(3).map(\.doc.ordinal)) == [4000, 8000, 11000])
    }
}

extension PruningTests {
    /// A query of many common words reads many leaves: past the first batch, the walk reads
    /// them a batch at a time (a round trip each over HTTP), not one per leaf.
    /// Common words spanning many leaves.
    static let largeIndex: String = {
        let dir = tempDirectory("many-words")
        _ = try! buildIndex(PruningTests().corpus(20000, seed: 5), dir: dir)
        return dir
    }()

    @Test func manyWordQueryReadsLeavesInBatches() throws {
        let dir = PruningTests.largeIndex
        for plan: QueryPlan in [
            .and((0..<6).map { .word("w\($0)") }),
            .or((0..<6).map { .word("w\($0 * 3)") }),
        ] {
            let (view, store) = try NetworkLikeStore.open(dir)
            var engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
            engine.leafBatch = 8
            let before = store.requests
            let result = try engine.search(plan, limit: 10)
            let requests = store.requests - before
            #expect(result.readAheads > 0, "\(plan): the walk should go past the first batch")
            #expect(requests * 3 < result.leavesRead, "\(plan): \(requests) requests for \(result.leavesRead) leaves")
        }
    }

    /// A phrase's candidates have their position blocks looked up in batches, not a request per
    /// candidate as the walk reaches it; the answers are the exhaustive ones.
    @Test func phraseChecksReadPositionsInBatches() throws {
        let dir = PruningTests.largeIndex
        let local = SearchEngine(view: try IndexView.open(directory: dir), analyzer: IndexAnalyzer())
        for (words, limit) in [("w0 w5", 10), ("w2 w1", 25), ("w0 w1 w0", 10)] {
            let (view, store) = try NetworkLikeStore.open(dir)
            let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
            let before = store.requests
            let result = try engine.search(.phrase(words), limit: limit)
            let requests = store.requests - before
            expectSameTop(result, try local.search(.phrase(words), limit: limit, prune: false), words)
            // A request per position leaf the checks reach was 23 to 42 here.
            #expect(requests <= 16, "\(words): \(requests) requests, \(result.candidatesScored) candidates scored")
        }
    }
}

/// An index folder's blocks behind a store that says it fetches over a network (as the HTTP
/// store does), counting the reads that reach it: each would be one round trip.
final class NetworkLikeStore: BlockStore, @unchecked Sendable {
    let inner: BlockStore
    private let count = Mutex(0)
    var requests: Int { count.withLock { $0 } }
    init(_ inner: BlockStore) { self.inner = inner }

    /// The folder's index opened through such a store.
    static func open(_ dir: String) throws -> (IndexView, NetworkLikeStore) {
        var source = try IndexView.localSource(dir)
        let store = NetworkLikeStore(source.store)
        source.store = store
        return (try IndexView.open([source]), store)
    }

    var name: String { inner.name }
    var fetchesRemotely: Bool { true }
    func get(_ cid: CID) throws(ReadFailure) -> [UInt8] {
        count.withLock { $0 += 1 }
        return try inner.get(cid)
    }
    func getMany(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]] {
        count.withLock { $0 += 1 }
        return try inner.getMany(cids)
    }
    func getPresent(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]?] {
        count.withLock { $0 += 1 }
        return try inner.getPresent(cids)
    }
    func has(_ cid: CID) throws(ReadFailure) -> Bool { try inner.has(cid) }
    func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure) { try inner.put(bytes, cid: cid) }
}
