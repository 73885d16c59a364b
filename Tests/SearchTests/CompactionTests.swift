import Blocks
import Foundation
import Index
import IndexTestSupport
import ProllyTree
import Support
import Testing

@testable import Search

/// A group's index grown by updates: batch 0, then one segment per update, each editing and
/// deleting pages of earlier segments (tombstones) and adding pages.
struct Chain {
    let key: GroupKey
    let dir: String
    var docs: [IndexDocument]
    var view: IndexView
    var batch: UInt32 = 0

    init(_ key: GroupKey, _ docs: [IndexDocument], dir: String = tempDirectory("chain")) throws {
        self.key = key
        self.dir = dir
        self.docs = docs
        view = try buildIndex(docs, dir: dir, key: key).0
    }

    /// Edits (same URL, new text) the pages at `edit` and deletes those at `delete` (indices
    /// into `docs`), adds `add`, as one new segment.
    mutating func update(edit: [Int] = [], delete: [Int] = [], add: [IndexDocument] = []) throws {
        var live: [String: (DocRef, DocRecord)] = [:]
        try view.forEachDocument { ref, r in live[r.url] = (ref, r) }
        batch += 1
        var tombstones: [SegmentInfo.Tombstone] = []
        var added = add
        for i in edit + delete {
            let (ref, r) = live[docs[i].url]!
            tombstones.append(.init(doc: ref, bodyLength: r.bodyLength, titleLength: r.titleLength))
        }
        for i in edit {
            docs[i].text = "edited \(batch) " + docs[i].text.split(separator: " ").prefix(30).joined(separator: " ")
            docs[i].digest = Array("edit\(batch)-\(i)".utf8)
            added.append(docs[i])
        }
        let gone = Set(delete)
        docs = docs.enumerated().filter { !gone.contains($0.offset) }.map(\.element) + add
        view = try buildIndex(
            added, dir: dir, key: key, batch: batch, sequence: UInt64(batch + 1), tombstones: tombstones,
            keepSegments: view.versions[0].version.segments
        ).0
    }
}

@Suite struct CompactionTests {
    let tests = MergeTests()
    static let merger = try! GroupKey(seed: Array(repeating: 9, count: 32))

    /// Batch 0 of 200 pages; four small updates (tier 2) editing pages of batch 0; one deleting
    /// a page of the second update (tier 0); a larger one (tier 3) editing a page of the third.
    /// The last two tombstone one page in five of a small update: under the policy's 20%.
    func grown(_ key: GroupKey = MergeTests.keys[0], seed: UInt64 = 3) throws -> Chain {
        let all = corpus(240, seed: seed)
        var c = try Chain(key, Array(all.prefix(200)))
        for r in 0..<4 { try c.update(edit: [r * 5, r * 5 + 1], add: [all[200 + r]] + [all[204 + r], all[208 + r]]) }
        try c.update(delete: [c.docs.firstIndex { $0.url == all[201].url }!])
        try c.update(edit: [c.docs.firstIndex { $0.url == all[206].url }!], add: Array(all[212..<240]))
        return c
    }

    func compact(_ segments: [Segment], into dir: String = tempDirectory("compacted")) throws -> IndexCompaction.Compacted {
        try IndexCompaction.compact(segments, replacing: segments.map(\.cid), into: try DirectoryStore(root: dir))
    }

    /// Format 4's postings or positions blocks (`entries`, sorted) as the postings they hold,
    /// less those of `tombstones`' documents, cut into blocks again.
    func survivingBlocks(_ tree: ShardTree, _ entries: [([UInt8], [UInt8])], tombstones: [DocRef: SegmentInfo.Tombstone]) -> [([UInt8], [UInt8])] {
        var postings = PostingBlocker(), positions = PositionBlocker()
        var out: [([UInt8], [UInt8])] = []
        for (key, value) in entries {
            var ordinals: [UInt32] = [], tfs: [UInt32] = [], codes: [UInt8] = [], lists: [[UInt8]] = []
            let last = key.suffix(4).reduce(0) { $0 << 8 | UInt32($1) }
            if tree == .postings {
                #expect(PostingBlock.decode(value, last: last, ordinals: &ordinals, tfs: &tfs, codes: &codes))
            } else {
                #expect(PositionBlock.decode(value, last: last, ordinals: &ordinals, lists: &lists))
            }
            for j in ordinals.indices {
                let posting = Array(key.dropLast(4)) + withUnsafeBytes(of: ordinals[j].bigEndian, Array.init)
                guard tombstones[DocRef(bytes: posting.suffix(DocRef.byteCount))!] == nil else { continue }
                if tree == .postings {
                    postings.add(key: posting, tf: tfs[j], lengthCode: codes[j]) { out.append(($0, $1)) }
                } else {
                    positions.add(key: posting, list: lists[j]) { out.append(($0, $1)) }
                }
            }
        }
        postings.flush { out.append(($0, $1)) }
        positions.flush { out.append(($0, $1)) }
        return out
    }

    @Test func compactionIsDeterministicAndEqualsABuildOfTheSurvivingEntries() throws {
        let c = try grown()
        let segments = c.view.segments
        #expect(segments.count == 7)
        let a = try compact(segments), b = try compact(segments.reversed())
        var rng = SplitMix(seed: 4)
        let d = try compact(segments.shuffled(using: &rng), into: c.dir)
        #expect(a.segment == b.segment && a.segment == d.segment)
        #expect(a.info.documents == c.view.documentCount)
        #expect(a.info.bodyLength == c.view.bodyLength && a.info.titleLength == c.view.titleLength)
        #expect(a.info.tombstones.isEmpty && a.info.compactedFrom == segments.map(\.cid).sorted())
        #expect(a.dropped == c.view.tombstones.count)
        // The same trees as a plain build of every surviving entry: history independence, and
        // exactly the tombstoned documents gone.
        for tree in ShardTree.allCases {
            var entries: [([UInt8], [UInt8])] = []
            for s in segments {
                var cursor = s.tree(tree).scan()
                while let (k, v) = try cursor.nextEntry() {
                    // (A block of postings is filtered posting by posting below.)
                    if tree.isBlocked || c.view.tombstones[DocRef(bytes: k.dropLast(tree.keyTrailer).suffix(DocRef.byteCount))!] == nil {
                        entries.append((k, v))
                    }
                }
            }
            entries.sort { $0.0.lexicographicallyPrecedes($1.0) }
            if tree.isBlocked { entries = survivingBlocks(tree, entries, tombstones: c.view.tombstones) }
            let fresh = try TreeBuilder.build(entries, store: MemoryStore(), params: tree.parameters, aggregator: tree.aggregator)
            #expect(a.info.trees[tree.name] == fresh.headerCID, "tree \(tree.name)")
        }
    }

    @Test func compactionEqualsAFreshShardBuildUnderTheSameDocRefs() throws {
        // Batch 1 deletes the last ten pages of batch 0, so a fresh build of the first forty
        // numbers its documents exactly as the survivors are numbered.
        let docs = corpus(50, seed: 17)
        var c = try Chain(MergeTests.keys[1], docs)
        try c.update(delete: Array(40..<50))
        let compacted = try compact(c.view.segments)
        let (fresh, _) = try buildIndex(Array(docs.prefix(40)), key: MergeTests.keys[1])
        #expect(compacted.info.trees == fresh.segments[0].info.trees)
        #expect(compacted.info.documents == 40 && compacted.info.batches.map(\.documents) == [40, 0])
    }

    @Test func aGroupsCompactionPreservesAnswers() throws {
        let c = try grown()
        let before = try IndexView.open(directory: c.dir)
        // The tiered policy picks the four small updates; the larger update's tombstone keeps
        // applying to the compacted segment.
        var run = IndexCompact(index: c.dir, key: c.key, created: "2026-01-03T00:00:00Z")
        run.out = tempDirectory("tiered")
        let tiered = try run.run()
        #expect(tiered.mode == .group && tiered.segmentsBefore == 7 && tiered.segmentsAfter == 4)
        #expect(tiered.compactions.count == 1 && tiered.compactions[0].info.compactedFrom.count == 4)
        #expect(tiered.compactions[0].dropped == 0)
        #expect(tiered.compactions[0].info.tombstones.count == 8)  // the edits of batch 0, carried
        let after = try IndexView.open(directory: run.out!)
        #expect(after.versions[0].version.sequence > before.versions[0].version.sequence)
        #expect(after.documentCount == before.documentCount && after.tombstones.count == before.tombstones.count)
        try tests.expectSameAnswers(before, after, "tiered")
        for w in ["w0", "w1", "w5", "edited"] {
            #expect(try after.documentFrequency(.body, Array(w.utf8)) == before.documentFrequency(.body, Array(w.utf8)))
        }
        // Everything into one, in place.
        var all = IndexCompact(index: c.dir, key: c.key, created: "2026-01-03T00:00:00Z")
        all.policy = CompactionPolicy(all: true)
        #expect(try all.run().segmentsAfter == 1)
        let one = try IndexView.open(directory: c.dir)
        #expect(one.segments.count == 1 && one.tombstones.isEmpty && one.documentCount == before.documentCount)
        try tests.expectSameAnswers(before, one, "all")
        #expect(IndexInspection.inspect(one, recompute: true).problems.isEmpty)
        // The compacted segments link their inputs, so both folders hold them and recompute.
        for view in [one, after] {
            #expect(IndexInspection.inspect(view, recompute: true).problems.isEmpty)
            let check = IndexCompaction.verify(view, scratch: tempDirectory("scratch"))
            #expect(check.problems.isEmpty && check.checked == 1)
        }
    }

    @Test func aMergersCompactionAnswersAsTheGroupsOwnSegments() throws {
        let a = try grown(MergeTests.keys[0], seed: 3), b = try grown(MergeTests.keys[1], seed: 4)
        let plain = try tests.merge([a.dir, b.dir]).0
        let dir = tempDirectory("merged-compacted")
        let merged = try IndexMerge.merge(
            named: [a.dir, b.dir], open: IndexView.localSource, out: dir, key: CompactionTests.merger, created: "2026-01-04T00:00:00Z",
            compaction: .init(policy: CompactionPolicy(all: true)))
        #expect(merged.summary.compacted.count == 1 && merged.summary.segmentsAfterCompaction == 1)
        let groups = [a.key.publicKey, b.key.publicKey]
        let groupsOnly = try IndexView.open(directory: dir, policy: ReadPolicy(trustedKeys: groups))
        let withMerger = try IndexView.open(directory: dir, policy: ReadPolicy(trustedKeys: groups + [CompactionTests.merger.publicKey]))
        #expect(groupsOnly.segments.count == 14 && withMerger.segments.count == 1)
        #expect(groupsOnly.excluded.contains { $0.kind == .untrusted && $0.reason.contains("compactor not trusted") })
        #expect(withMerger.vouchers == [CompactionTests.merger.publicKey])
        try tests.expectSameAnswers(groupsOnly, withMerger, "merger")
        try tests.expectSameAnswers(plain, withMerger, "plain merge")
        #expect(withMerger.documentCount == plain.documentCount)
        let check = IndexCompaction.verify(withMerger, scratch: tempDirectory("scratch"))
        #expect(check.problems.isEmpty && check.checked == 1)
    }

    @Test func aMergerCompactsInTiersAndAgainIntoOneThatRecomputesFromTheListedSegments() throws {
        let a = try grown(MergeTests.keys[0], seed: 5), b = try grown(MergeTests.keys[1], seed: 6)
        let (plain, dir, _) = try tests.merge([a.dir, b.dir], key: CompactionTests.merger)
        var run = IndexCompact(index: dir, key: CompactionTests.merger, created: "2026-01-05T00:00:00Z")
        let tiered = try run.run()
        // Each group's four small updates form one tier; across groups, all eight do.
        #expect(tiered.mode == .merger && tiered.compactions.count == 1 && tiered.compactions[0].info.compactedFrom.count == 8)
        run.policy = CompactionPolicy(all: true)
        let all = try run.run()
        #expect(all.segmentsBefore == 7 && all.segmentsAfter == 1)
        let view = try IndexView.open(directory: dir)
        #expect(view.segments.count == 1 && view.segments[0].info.compactedFrom.count == 14)
        try tests.expectSameAnswers(plain, view)
        // Computed from the tiered segment and the rest, recorded and recomputed from the 14.
        let check = IndexCompaction.verify(view, scratch: tempDirectory("scratch"))
        #expect(check.problems.isEmpty && check.checked == 1)
        #expect(view.versions.map(\.cid) == plain.versions.map(\.cid))
    }

    /// A merger's "compacted" segment that lies about its inputs: one with a page left out (an
    /// extra tombstone slipped into an input), one with a tombstoned page brought back. Both
    /// are internally consistent (statistics match their trees), so only recomputing catches them.
    @Test func recomputeCatchesACompactedSegmentThatDropsOrAddsADocument() throws {
        let c = try grown()
        let segments = c.view.segments
        let store = try DirectoryStore(root: c.dir)
        let reader = NodeReader(store: store)
        func forged(_ edit: (inout SegmentInfo) -> Void, at i: Int) throws -> CID {
            var info = segments[i].info
            edit(&info)
            let fake = try Segment.open(try store.put(info.cbor.encode()), reader: reader)
            var inputs = segments
            inputs[i] = fake
            return try IndexCompaction.compact(inputs, replacing: segments.map(\.cid), into: store).segment
        }
        let victim = segments[0].info.batches[0]
        let dropping = try forged(
            { $0.tombstones.append(.init(doc: DocRef(group: victim.group, batch: victim.batch, ordinal: 150), bodyLength: 0, titleLength: 0)) },
            at: 6)
        let resurrecting = try forged({ $0.tombstones = [] }, at: 5)
        let honest = try compact(segments, into: c.dir).segment
        for (name, bad, documents) in [("drops", dropping, c.view.documentCount - 1), ("adds", resurrecting, c.view.documentCount + 1)] {
            let dir = tempDirectory("forged")
            try DAGCopy.copy(roots: [c.view.versions[0].cid, bad, honest], from: store, into: try DirectoryStore(root: dir))
            _ = try IndexWriter.publish(
                versions: [c.view.versions[0]], compacted: [.init(segment: bad, inputs: segments.map(\.cid))], analyzer: c.view.analyzer,
                store: try DirectoryStore(root: dir), out: dir, key: CompactionTests.merger, created: "x")
            let view = try IndexView.open(directory: dir)
            #expect(view.segments.map(\.cid) == [bad] && view.documentCount == documents, "\(name)")
            #expect(IndexInspection.inspect(view, recompute: true).problems.isEmpty, "\(name): consistent on its own")
            let check = IndexCompaction.verify(view, scratch: tempDirectory("scratch"))
            #expect(check.problems.count == 1 && check.problems[0].contains("not what its 7 inputs compact to (\(honest))"), "\(name)")
        }
    }

    @Test func tieredPolicy() {
        func info(_ documents: UInt64, batch: UInt32, tombstones: [SegmentInfo.Tombstone] = []) -> SegmentInfo {
            SegmentInfo(
                analyzer: "a", trees: [:], documents: documents, bodyLength: 0, titleLength: 0,
                batches: [.init(group: MergeTests.keys[0].group, batch: batch, documents: documents, sources: [])], tombstones: tombstones)
        }
        let p = CompactionPolicy()
        #expect(p.plan([info(1000, batch: 0), info(5, batch: 1), info(6, batch: 2), info(7, batch: 3)]).isEmpty)
        #expect(p.plan([info(1000, batch: 0), info(5, batch: 1), info(6, batch: 2), info(7, batch: 3), info(9, batch: 4)]) == [[1, 2, 3, 4]])
        #expect(p.plan([info(0, batch: 0), info(0, batch: 1), info(0, batch: 2), info(0, batch: 3)]) == [[0, 1, 2, 3]])
        let dead = (0..<30).map {
            SegmentInfo.Tombstone(doc: DocRef(group: MergeTests.keys[0].group, batch: 0, ordinal: $0), bodyLength: 1, titleLength: 1)
        }
        #expect(p.plan([info(100, batch: 0), info(500, batch: 1, tombstones: dead)]) == [[0, 1]])
        #expect(p.plan([info(200, batch: 0), info(500, batch: 1, tombstones: dead)]).isEmpty)
        #expect(CompactionPolicy(all: true).plan([info(1, batch: 0), info(1000, batch: 1)]) == [[0, 1]])
    }
}
