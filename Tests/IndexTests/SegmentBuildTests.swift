import Blocks
import Foundation
import IndexTestSupport
import ProllyTree
import Support
import Testing

@testable import Index

@Suite struct SegmentBuildTests {
    @Test func treesDoNotDependOnMemoryBudgetOrArrivalOrder() throws {
        let docs = corpus(400)
        let (a, sa) = try buildIndex(docs)
        var rng = SplitMix(seed: 3)
        let (b, sb) = try buildIndex(docs, memory: 64 << 10, order: Array(docs.indices).shuffled(using: &rng))
        #expect(sa.runs == 0)
        #expect(sb.runs > 5)
        #expect(a.segments[0].cid == b.segments[0].cid)
        #expect(a.manifest.root == b.manifest.root)
        // Concurrent adds from two threads.
        let dir = tempDirectory()
        let builder = try SegmentBuilder(directory: dir, key: testKey, analyzer: IndexAnalyzer(), options: .init(memoryBytes: 256 << 10))
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for i in stride(from: t, to: docs.count, by: 2) { try! builder.add(docs[i], file: 0, seq: UInt32(i)) }
        }
        #expect(try builder.finish(sources: [.init(name: "test", bytes: 0)]).segment == a.segments[0].cid)
    }

    /// The finish phase cut into key ranges on several threads writes the segment, the blocks
    /// (no leaf left over from a range) and the counts one thread writes, over random corpora,
    /// memory budgets (runs on disk or not) and range sizes.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func keyRangesOnManyThreadsGiveTheOneThreadSegment(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let docs = corpus(Int.random(in: 1500...3000, using: &rng), seed: seed)
        func finish(threads: Int, rangeBytes: Int, memory: Int) throws -> (SegmentBuilder.Finished, Set<String>) {
            let dir = tempDirectory()
            defer { try? FileSystem.removeTree(dir) }
            let builder = try SegmentBuilder(
                directory: dir, key: testKey, analyzer: IndexAnalyzer(),
                options: .init(memoryBytes: memory, threads: threads, rangeBytes: rangeBytes))
            for i in docs.indices { try builder.add(docs[i], file: 0, seq: UInt32(i)) }
            let finished = try builder.finish(sources: [.init(name: "test", bytes: 0)])
            return (finished, Set(try DirectoryStore(root: dir, create: false).list().map(\.description)))
        }
        let (one, oneBlocks) = try finish(threads: 1, rangeBytes: 1 << 30, memory: 64 << 20)
        #expect(one.summary.ranges == 4)
        for _ in 0..<3 {
            let threads = Int.random(in: 2...4, using: &rng)
            let rangeBytes = Int.random(in: 4 << 10...64 << 10, using: &rng)
            let memory = [256 << 10, 1 << 20, 64 << 20].randomElement(using: &rng)!
            let (many, blocks) = try finish(threads: threads, rangeBytes: rangeBytes, memory: memory)
            let setting = "threads \(threads), ranges of \(rangeBytes) B, memory \(memory)"
            #expect(many.summary.ranges > 8, "\(setting)")
            #expect(many.segment == one.segment, "\(setting)")
            #expect(blocks == oneBlocks, "\(setting)")
            #expect(many.summary.terms == one.summary.terms, "\(setting)")
            #expect(many.summary.postings == one.summary.postings)
            #expect(many.summary.blocksWritten == one.summary.blocksWritten)
            #expect(many.summary.bytesWritten == one.summary.bytesWritten)
        }
    }

    /// Kept documents are numbered densely in (file, sequence) order, whether a file's
    /// sequence numbers run 0, 1, 2, … (by addition) or have gaps (by search).
    @Test func ordinalsAreDenseInFileAndSequenceOrder() {
        let ordinals = Ordinals([0: [5, 0, 2], 1: [1, 0, 2], 3: [7]])
        func ordinal(_ file: UInt32, _ seq: UInt32) -> UInt32 {
            var key: [UInt8] = [9, 9]
            DocRef.append(file, &key)
            DocRef.append(seq, &key)
            return ordinals.ordinal(provisional: key, at: 2)
        }
        #expect([ordinal(0, 0), ordinal(0, 2), ordinal(0, 5)] == [0, 1, 2])
        #expect([ordinal(1, 0), ordinal(1, 1), ordinal(1, 2)] == [3, 4, 5])
        #expect(ordinal(3, 7) == 6)
    }

    /// Gaps in a file's sequence numbers (documents skipped) give the segment of the same
    /// documents numbered without gaps, across files.
    @Test func sequenceGapsGiveTheSegmentOfDenseNumbers() throws {
        let docs = corpus(120, seed: 4)
        func segment(_ seq: (Int) -> (file: Int, seq: UInt32)) throws -> CID {
            let dir = tempDirectory()
            defer { try? FileSystem.removeTree(dir) }
            let builder = try SegmentBuilder(directory: dir, key: testKey, analyzer: IndexAnalyzer(), options: .init(memoryBytes: 64 << 10))
            for i in docs.indices.reversed() {
                let (file, n) = seq(i)
                try builder.add(docs[i], file: file, seq: n)
            }
            return try builder.finish(sources: [.init(name: "a", bytes: 0), .init(name: "b", bytes: 0)]).segment
        }
        let dense = try segment { i in i < 60 ? (0, UInt32(i)) : (1, UInt32(i - 60)) }
        let gaps = try segment { i in i < 60 ? (0, UInt32(3 * i + 1)) : (1, UInt32(2 * (i - 60))) }
        #expect(dense == gaps)
    }

    @Test func postingsAgreeWithTheDocuments() throws {
        let docs = corpus(300, seed: 9)
        let (shard, summary) = try buildIndex(docs)
        #expect(shard.documentCount == 300)
        #expect(summary.documents == 300)
        let analyzer = IndexAnalyzer()
        // Reference: document frequency and term frequencies by brute force.
        for word in ["w0", "w1", "w7", "w50", "w399", "page"] {
            var expected: [UInt32: UInt32] = [:]
            for (i, d) in docs.enumerated() {
                let n = analyzer.words(d.text).filter { $0.term == word }.count
                if n > 0 { expected[UInt32(i)] = UInt32(n) }
            }
            #expect(try shard.documentFrequency(.body, Array(word.utf8)) == UInt64(expected.count))
            var cursor = try shard.segments[0].postingCursors(.body, Array(word.utf8))[0]
            var seen: [UInt32: UInt32] = [:]
            while let d = cursor.doc {
                seen[d.ordinal] = cursor.value.tf
                #expect(cursor.value.lengthCode == LengthCode.encode(analyzer.words(docs[Int(d.ordinal)].text).count))
                try cursor.next()
            }
            #expect(seen == expected)
        }
        #expect(try shard.documentFrequency(.tag, Array("four".utf8)) == 75)
        #expect(try shard.documentFrequency(.mention, Array("alice".utf8)) == 50)
        #expect(try shard.documentFrequency(.site, Array("site1.example".utf8)) == 100)
        #expect(try shard.documentFrequency(.lang, Array("de".utf8)) == 60)
        let record = try #require(try shard.document(DocRef(group: testKey.group, batch: 0, ordinal: 17)))
        #expect(record.url == docs[17].url)
        #expect(try shard.text(DocRef(group: testKey.group, batch: 0, ordinal: 17)) == docs[17].text)
        #expect(
            try shard.positions(.body, Array("w0".utf8), in: DocRef(group: testKey.group, batch: 0, ordinal: 17))
                == analyzer.words(docs[17].text).filter { $0.term == "w0" }.map(\.position))
        #expect(
            try shard.terms(.body, prefix: Array("w39".utf8), limit: 100).map { String(decoding: $0, as: UTF8.self) }.allSatisfy {
                $0.hasPrefix("w39")
            })
    }

    @Test func advanceAndBoundsAreConsistentWithAScan() throws {
        let docs = corpus(2000, seed: 4)
        let (shard, _) = try buildIndex(docs)
        var rng = SplitMix(seed: 8)
        for word in ["w0", "w2", "w30"] {
            var all: [(DocRef, PostingValue)] = []
            var c = try shard.segments[0].postingCursors(.body, Array(word.utf8))[0]
            while let d = c.doc { all.append((d, c.value)); try c.next() }
            #expect(all.count > 10)
            var cursor = try shard.segments[0].postingCursors(.body, Array(word.utf8))[0]
            var targetOrdinal: UInt32 = 0
            while targetOrdinal < 2100 {
                targetOrdinal += UInt32.random(in: 1...40, using: &rng)
                let target = DocRef(group: testKey.group, batch: 0, ordinal: targetOrdinal)
                try cursor.advance(to: target)
                let expected = all.first { !($0.0 < target) }
                #expect(cursor.doc == expected?.0)
                if let (d, v) = expected, let bound = try cursor.bound(at: d) {
                    // The bound covers the posting and every later one up to its end.
                    #expect(bound.impacts.pairs.contains { $0.tf >= v.tf && $0.lengthCode <= v.lengthCode })
                    if let last = bound.last { #expect(!(last < d)) }
                }
            }
        }
    }

    @Test func manifestIsSignedAndForgeriesAreRefused() throws {
        let dir = tempDirectory()
        let (view, _) = try buildIndex(corpus(50), dir: dir)
        #expect(view.manifest.group == testKey.group)
        let path = dir + "/manifest.json"
        let original = try FileSystem.readFile(path)
        let text = String(decoding: original, as: UTF8.self)
        // Change the document count in the readable summary: the signature no longer verifies.
        try FileSystem.writeAtomically(path, Array(text.replacingOccurrences(of: "\"documents\":50", with: "\"documents\":51").utf8))
        #expect(throws: IndexError.badSignature(path: path)) { try IndexView.open(directory: dir) }
        // Re-sign the altered summary with another key: the signature verifies but the summary
        // no longer matches the blocks.
        let other = GroupKey.generate()
        let m = view.manifest
        guard case .object(var summary) = m.summary, case .array(var versions)? = summary["versions"],
            case .object(var v) = versions[0], case .array(var segments)? = v["segments"], case .object(var seg) = segments[0]
        else { Issue.record("unexpected summary shape"); return }
        seg["documents"] = .int(51)
        segments[0] = .object(seg)
        v["segments"] = .array(segments)
        versions[0] = .object(v)
        summary["versions"] = .array(versions)
        let forged = try Manifest.signed(root: m.root, summary: .object(summary), key: other, created: m.created)
        try FileSystem.writeAtomically(path, forged.fileBytes)
        #expect { try IndexView.open(directory: dir) } throws: { "\($0)".contains("summary differs") }
        try FileSystem.writeAtomically(path, original)
        #expect(try IndexView.open(directory: dir).documentCount == 50)
    }

    @Test func lengthCodesAreMonotoneAndTight() {
        var previous: UInt8 = 0
        for n in 0..<100_000 {
            let c = LengthCode.encode(n)
            #expect(c >= previous)
            #expect(LengthCode.decode(c) <= n)
            #expect(Double(n) < Double(LengthCode.decode(c)) * 1.13 + 1)
            previous = c
        }
    }

    @Test func impactsBoundEveryPairAfterCoarsening() {
        var rng = SplitMix(seed: 2)
        for _ in 0..<2000 {
            let raw = (0..<Int.random(in: 1...60, using: &rng)).map { _ in
                (tf: UInt32.random(in: 1...50, using: &rng), lengthCode: UInt8.random(in: 0...200, using: &rng))
            }
            let impacts = Impacts(raw)
            #expect(impacts.pairs.count <= Impacts.maxPairs)
            for p in raw { #expect(impacts.pairs.contains { $0.tf >= p.tf && $0.lengthCode <= p.lengthCode }) }
            #expect(Impacts(encoded: impacts.encoded) == impacts)
        }
    }

    /// A leaf's aggregate is its blocks' impacts (each a frontier, coarsened past 8 pairs)
    /// joined and coarsened again: checked against that, written out with a fresh 256-code
    /// table per step, on leaves whose codes span all 256.
    @Test func blockImpactsOfALeafAreItsBlocksImpactsJoined() {
        func frontier(_ raw: [(tf: UInt32, lengthCode: UInt8)]) -> [(tf: UInt32, lengthCode: UInt8)] {
            var best = [UInt32](repeating: 0, count: 256)
            for p in raw where best[Int(p.lengthCode)] < p.tf { best[Int(p.lengthCode)] = p.tf }
            var f: [(tf: UInt32, lengthCode: UInt8)] = []
            for code in 0..<256 where best[code] > 0 && (f.last.map { $0.tf < best[code] } ?? true) { f.append((best[code], UInt8(code))) }
            while f.count > Impacts.maxPairs {
                f = stride(from: 0, to: f.count, by: 2).map { i in i + 1 < f.count ? (f[i + 1].tf, f[i].lengthCode) : f[i] }
            }
            return f
        }
        var rng = SplitMix(seed: 5)
        for _ in 0..<200 {
            var keys: [[UInt8]] = [], values: [[UInt8]] = [], joined: [(tf: UInt32, lengthCode: UInt8)] = [], postings = 0
            for b in 0..<Int.random(in: 1...12, using: &rng) {
                let n = Int.random(in: 1...128, using: &rng)
                let tfs = (0..<n).map { _ in UInt32.random(in: 1...40, using: &rng) }
                let codes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var value: [UInt8] = []
                PostingBlock.append(ordinals: (0..<UInt32(n)).map { $0 * 3 }, tfs: tfs, codes: codes, to: &value)
                let last = UInt32(3 * (n - 1))
                keys.append([1, 0x61, 0] + Array(repeating: UInt8(b), count: 12) + (0..<4).map { UInt8(truncatingIfNeeded: last >> (24 - 8 * $0)) })
                values.append(value)
                joined += frontier(Array(zip(tfs, codes)).map { (tf: $0, lengthCode: $1) })
                postings += n
            }
            let leaf = BlockImpactAggregator().summarize(keys: keys, values: values)
            let (count, impacts) = BlockImpactAggregator.decode(leaf)!
            #expect(count == UInt64(postings))
            let expected = frontier(joined)
            #expect(impacts.pairs.count == expected.count && zip(impacts.pairs, expected).allSatisfy { $0 == $1 })
        }
    }
}

/// Per-tree arrays are indexed by `ShardTree.index`, which must be the case's place in `allCases`.
@Test(arguments: ShardTree.allCases) func treeIndexIsItsPlaceInAllCases(_ tree: ShardTree) {
    #expect(ShardTree.allCases[tree.index] == tree)
}
