import Blocks
import Foundation
import Index
import IndexTestSupport
import ProllyTree
import Support
import Testing

@testable import Search

@Suite struct MergeTests {
    static let keys = (1...3).map { try! GroupKey(seed: Array(repeating: UInt8($0), count: 32)) }

    func shard(_ docs: [IndexDocument], key: GroupKey) throws -> IndexMerge.Input {
        let dir = tempDirectory("group")
        let b = try ShardBuilder(directory: dir, key: key, analyzer: IndexAnalyzer())
        for (i, d) in docs.enumerated() { try b.add(d, file: 0, seq: UInt32(i)) }
        _ = try b.finish(sources: [.init(name: "part", bytes: 0)], created: "2026-01-01T00:00:00Z")
        return IndexMerge.Input(shard: try Shard.open(directory: dir), manifestBytes: try FileSystem.readFile(dir + "/manifest.json"), name: dir)
    }

    func merge(_ inputs: [IndexMerge.Input], key: GroupKey = MergeTests.keys[0]) throws -> (Shard, IndexMerge.Input, IndexMerge.Summary) {
        let dir = tempDirectory("merged")
        let store = try DirectoryStore(root: dir)
        let merged = try IndexMerge.merge(inputs, into: store, key: key, analyzer: IndexAnalyzer(), created: "2026-01-02T00:00:00Z")
        let (m, s) = (merged.manifest, merged.summary)
        try m.write(toIndex: dir)
        let shard = try Shard.open(directory: dir)
        return (shard, IndexMerge.Input(shard: shard, manifestBytes: m.fileBytes, name: dir), s)
    }

    @Test func mergeIsIndependentOfOrderAndGrouping() throws {
        let docs = corpus(900, seed: 12)
        let parts = try (0..<3).map { g in try shard(docs.enumerated().filter { $0.offset % 3 == g }.map(\.element), key: MergeTests.keys[g]) }
        let (abc, _, summary) = try merge(parts)
        let (cba, _, _) = try merge(parts.reversed())
        let (ab, abInput, _) = try merge([parts[0], parts[1]])
        let (abThenC, _, _) = try merge([abInput, parts[2]])
        #expect(abc.info.trees == cba.info.trees)
        #expect(abc.manifest.root == cba.manifest.root)
        #expect(abc.info.trees == abThenC.info.trees)
        #expect(abc.documentCount == 900)
        #expect(ab.documentCount == 600)
        #expect(summary.blocksCopied > 0)
        #expect(abc.info.mergedFrom.count == 3)
        #expect(Set(abc.info.groups.map(\.group)) == Set(MergeTests.keys.map(\.group)))
        #expect(ShardInspection.inspect(abc, recompute: true).problems.isEmpty)
    }

    @Test func mergedResultsEqualOneBuildOfTheUnion() throws {
        let docs = corpus(600, seed: 5)
        let parts = try (0..<2).map { g in try shard(docs.enumerated().filter { $0.offset % 2 == g }.map(\.element), key: MergeTests.keys[g]) }
        let (merged, _, _) = try merge(parts)
        let (single, _) = try buildShard(docs)
        let a = SearchEngine(shard: merged, analyzer: IndexAnalyzer()), b = SearchEngine(shard: single, analyzer: IndexAnalyzer())
        for q in ["w0", "w3 w5", "w10 OR w200", "page w1", "w7 -w0"] {
            let plan: QueryPlan =
                q.contains("OR")
                ? .or([.word("w10"), .word("w200")])
                : q.contains("-") ? .and([.word("w7"), .not(.word("w0"))]) : .and(q.split(separator: " ").map { .word(String($0)) })
            let x = try a.search(plan, limit: 1000, prune: false), y = try b.search(plan, limit: 1000, prune: false)
            let sx = Dictionary(uniqueKeysWithValues: x.hits.map { ($0.record.url, $0.score) })
            let sy = Dictionary(uniqueKeysWithValues: y.hits.map { ($0.record.url, $0.score) })
            #expect(Set(sx.keys) == Set(sy.keys), "query \(q)")
            for (url, s) in sx { #expect(abs(s - (sy[url] ?? -1)) < 1e-9, "query \(q) url \(url)") }
            #expect(x.total == y.total)
        }
    }

    @Test func duplicatesAcrossGroupsAreKeptOnce() throws {
        let shared = (0..<20).map { i in
            IndexDocument(url: "https://x.org/\(i)", title: "t", text: "alpha beta \(i)", digest: Array("dup\(i)".utf8), source: "s")
        }
        let own = (0..<5).map { i in
            IndexDocument(url: "https://y.org/\(i)", title: "t", text: "alpha gamma", digest: Array("own\(i)".utf8), source: "s")
        }
        let a = try shard(shared, key: MergeTests.keys[0]), b = try shard(shared + own, key: MergeTests.keys[1])
        let (merged, _, summary) = try merge([b, a])
        #expect(summary.duplicatesRemoved == 20)
        #expect(merged.documentCount == 25)
        #expect(try merged.documentFrequency(.body, Array("alpha".utf8)) == 25)
        #expect(try merged.documentFrequency(.body, Array("beta".utf8)) == 20)
        // The copies kept are those of the group with the smaller DocRef, whatever the input order.
        let keeper = min(MergeTests.keys[0].group, MergeTests.keys[1].group)
        var c = try merged.postingCursor(.body, Array("beta".utf8))
        while let d = c.doc { #expect(d.group == keeper); try c.next() }
        #expect(ShardInspection.inspect(merged, recompute: true).problems.isEmpty)
        let (again, _, _) = try merge([a, b])
        #expect(again.info.trees == merged.info.trees)
    }

    @Test func refusesInputsOfAnotherAnalyzer() throws {
        let a = try shard(corpus(10), key: MergeTests.keys[0])
        let dir = tempDirectory("other")
        let b = try ShardBuilder(directory: dir, key: MergeTests.keys[1], analyzer: IndexAnalyzer())
        try b.add(corpus(1)[0], file: 0, seq: 0)
        _ = try b.finish(sources: [], created: "x")
        // The same shard as another analyzer's manifest would describe it.
        let built = try Shard.open(directory: dir)
        var manifest = built.manifest
        manifest.info.analyzer = "other/2"
        let other = IndexMerge.Input(shard: try Shard(manifest: manifest, reader: built.reader), manifestBytes: [], name: "their-shard")
        #expect {
            try IndexMerge.merge(
                [a, other], into: try DirectoryStore(root: tempDirectory()), key: MergeTests.keys[0], analyzer: IndexAnalyzer(), created: "x")
        } throws: { e in
            "\(e)".contains("their-shard") && "\(e)".contains("other/2")
        }
    }
}

@Suite struct TrustedSubsetTests {
    /// Searching a trusted subset of a merged index scores exactly as searching that group's
    /// own shard: statistics come from the subset.
    @Test func aTrustedSubsetIsScoredLikeItsOwnShard() throws {
        let docs = corpus(600, seed: 21)
        let tests = MergeTests()
        let a = try tests.shard(Array(docs.prefix(300)), key: MergeTests.keys[0])
        let b = try tests.shard(Array(docs.suffix(300)), key: MergeTests.keys[1])
        let (merged, _, _) = try tests.merge([a, b])
        let subset = SearchEngine(shard: merged, analyzer: IndexAnalyzer(), groups: [MergeTests.keys[1].group])
        let own = SearchEngine(shard: b.shard, analyzer: IndexAnalyzer())
        for q in ["w0", "w4 w9", "w15 OR w80"] {
            let plan: QueryPlan = q.contains("OR") ? .or([.word("w15"), .word("w80")]) : .and(q.split(separator: " ").map { .word(String($0)) })
            let x = try subset.search(plan, limit: 20), y = try own.search(plan, limit: 20)
            #expect(x.hits.map(\.record.url) == y.hits.map(\.record.url), "query \(q)")
            for (h1, h2) in zip(x.hits, y.hits) { #expect(abs(h1.score - h2.score) < 1e-9) }
            #expect(x.hits.allSatisfy { $0.doc.group == MergeTests.keys[1].group })
        }
    }
}

@Suite struct BatchCollisionTests {
    @Test func refusesTwoDifferentBatchesUnderOneName() throws {
        let tests = MergeTests()
        let docs = corpus(40, seed: 3)
        // Same key, same batch number, different documents: a merge would lose documents.
        let a = try tests.shard(Array(docs.prefix(20)), key: MergeTests.keys[0])
        let dir = tempDirectory("other-batch")
        let b = try ShardBuilder(directory: dir, key: MergeTests.keys[0], analyzer: IndexAnalyzer())
        for (i, d) in docs.suffix(20).enumerated() { try b.add(d, file: 0, seq: UInt32(i)) }
        _ = try b.finish(sources: [.init(name: "other-part", bytes: 0)], created: "x")
        let other = IndexMerge.Input(shard: try Shard.open(directory: dir), manifestBytes: [], name: "second-shard")
        #expect {
            try IndexMerge.merge(
                [a, other], into: try DirectoryStore(root: tempDirectory()), key: MergeTests.keys[0],
                analyzer: IndexAnalyzer(), created: "x")
        } throws: { e in "\(e)".contains("second-shard") && "\(e)".contains("own key") }
        // The same shard twice is fine (a union is idempotent).
        let (same, _, _) = try tests.merge([a, a])
        #expect(same.documentCount == 20)
    }
}
