import Blocks
import Foundation
import IndexTestSupport
import ProllyTree
import Search
import Support
import Testing

@testable import Index

/// Format 4's postings blocks: the codec, the cut rule, and that a segment written before
/// blocks (one entry per posting) answers exactly as its format-4 twin.
@Suite struct PostingBlockTests {
    @Test func blocksRoundTripAndRefuseWhatIsNotABlock() {
        var rng = SplitMix(seed: 11)
        for _ in 0..<300 {
            let n = Int.random(in: 1...PostingBlock.capacity, using: &rng)
            var ordinals: [UInt32] = []
            var o = UInt32.random(in: 0...1000, using: &rng)
            for _ in 0..<n {
                ordinals.append(o)
                o += UInt32.random(in: 1...(Bool.random(using: &rng) ? 3 : 100_000), using: &rng)
            }
            let tfs = (0..<n).map { _ in UInt32.random(in: 1...(Bool.random(using: &rng) ? 4 : 1 << 20), using: &rng) }
            let codes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var block: [UInt8] = []
            PostingBlock.append(ordinals: ordinals, tfs: tfs, codes: codes, to: &block)
            // Decoding appends after what the arrays hold.
            var a: [UInt32] = [7], b: [UInt32] = [7], c: [UInt8] = [7]
            #expect(PostingBlock.decode(block, last: ordinals.last!, ordinals: &a, tfs: &b, codes: &c))
            #expect(a == [7] + ordinals && b == [7] + tfs && c == [7] + codes)
            #expect(PostingBlock.count(block) == n)
        }
        var block: [UInt8] = []
        PostingBlock.append(ordinals: [3, 9, 10], tfs: [1, 2, 3], codes: [4, 5, 6], to: &block)
        let bad: [[UInt8]] = [
            [], [0], [129], Array(block.dropLast()), block + [0],
            [3, 5, 0, 1, 0, 3, 4, 5, 6],  // a tf of 0
            [1, 1, 4],  // one posting, fine, below
        ]
        for (i, bytes) in bad.enumerated() {
            // What the arrays held (a leaf's earlier blocks, decoded) stays, whatever the outcome.
            var a: [UInt32] = [1, 2], b: [UInt32] = [3, 4], c: [UInt8] = [5, 6]
            #expect(PostingBlock.decode(bytes, last: 10, ordinals: &a, tfs: &b, codes: &c) == (i == bad.count - 1), "case \(i)")
            #expect(a.prefix(2) == [1, 2] && b.prefix(2) == [3, 4] && c.prefix(2) == [5, 6], "case \(i)")
            #expect(a.count == b.count && b.count == c.count)
        }
        // Gaps reaching below ordinal 0 are not a block.
        var a: [UInt32] = [], b: [UInt32] = [], c: [UInt8] = []
        #expect(!PostingBlock.decode(block, last: 6, ordinals: &a, tfs: &b, codes: &c))
        #expect(a.isEmpty && b.isEmpty && c.isEmpty)
    }

    /// A hostile writer's leaf with a good block and then a malformed one: the cursor reads the
    /// good block's posting and throws at the bad one (a malformed block once truncated the
    /// arrays of the blocks decoded before it, and the cursor crashed reading them).
    @Test func aMalformedBlockAfterGoodOnesIsAnErrorNotACrash() throws {
        let doc = { (o: UInt32) in DocRef(group: GroupID(value: 5), batch: 0, ordinal: o) }
        let prefix = ShardKeys.termPrefix(.body, Array("counterfeit".utf8))
        var good: [UInt8] = []
        PostingBlock.append(ordinals: [1, 2], tfs: [3, 4], codes: [5, 6], to: &good)
        let bad: [UInt8] = [2, 0, 7]  // two postings, one tf, no length codes
        let tree = try TreeBuilder.build(
            [(prefix + doc(2).bytes, good), (prefix + doc(9).bytes, bad)], store: MemoryStore(),
            params: ShardTree.postings.parameters, aggregator: ShardTree.postings.aggregator)
        var cursor = try PostingCursor(tree: tree, prefix: prefix, scope: BatchID(group: GroupID(value: 5), batch: 0).prefix)
        #expect(cursor.doc == doc(1))
        try cursor.next()
        let tf = cursor.tf
        #expect(cursor.doc == doc(2) && tf == 4)
        #expect(throws: IndexError.malformedValue(tree: .postings, document: doc(9))) { try cursor.next() }
    }

    /// A positions block gives each posting's list, and ends at 128 postings or once its lists
    /// reach `PositionBlock.listBytes`.
    @Test func positionBlocksFindEachListAndStaySmall() {
        var blocker = PositionBlocker()
        var emitted: [([UInt8], [UInt8])] = []
        var head = ShardKeys.termPrefix(.body, Array("word".utf8))
        head += BatchID(group: GroupID(value: 7), batch: 3).prefix
        var rng = SplitMix(seed: 2)
        var lists: [UInt32: [UInt8]] = [:]
        for i in 0..<400 {
            var key = head
            DocRef.append(UInt32(i * 3), &key)
            // Mostly short lists, some of hundreds of positions.
            let count = Int.random(in: 0..<10, using: &rng) == 0 ? Int.random(in: 100...600, using: &rng) : Int.random(in: 1...4, using: &rng)
            let list = PositionList.encode((0..<count).map { UInt32($0 * 7 + i) })
            lists[UInt32(i * 3)] = list
            blocker.add(key: key, list: list) { emitted.append(($0, $1)) }
        }
        blocker.flush { emitted.append(($0, $1)) }
        var seen = 0
        for (key, value) in emitted {
            let last = DocRef.readUInt32(key, key.count - 4)
            var ordinals: [UInt32] = [], got: [[UInt8]] = []
            #expect(PositionBlock.decode(value, last: last, ordinals: &ordinals, lists: &got))
            #expect(ordinals.last == last && ordinals.count <= PostingBlock.capacity)
            // Only the posting that crossed the limit can take a block past it.
            #expect(got.dropLast().reduce(0) { $0 + $1.count } < PositionBlock.listBytes)
            for (o, l) in zip(ordinals, got) {
                #expect(lists[o] == l)
                #expect(PositionBlock.list(of: o, in: value, last: last) == .found(l))
                seen += 1
            }
            #expect(PositionBlock.list(of: last - 1, in: value, last: last) == .absent)
            #expect(PositionBlock.list(of: last, in: Array(value.dropLast()), last: last) == .malformed)
        }
        #expect(seen == 400 && emitted.count > 4)
    }

    /// A term's postings in a batch are cut every 128 from its first; a new term or batch
    /// starts a new block; each block is keyed by its last posting.
    @Test func theBlockerCutsEvery128PerTermAndBatch() throws {
        var blocker = PostingBlocker()
        var emitted: [([UInt8], [UInt8])] = []
        let group = GroupID(value: 42)
        var expected: [(prefix: [UInt8], count: Int)] = []
        for (term, batches) in [("alpha", [300, 5]), ("beta", [128]), ("gamma", [1])] {
            for (batch, n) in batches.enumerated() {
                var head = ShardKeys.termPrefix(.body, Array(term.utf8))
                head += BatchID(group: group, batch: UInt32(batch)).prefix
                for i in 0..<n {
                    var key = head
                    DocRef.append(UInt32(i * 2), &key)
                    blocker.add(key: key, tf: UInt32(i % 5 + 1), lengthCode: UInt8(i % 7)) { emitted.append(($0, $1)) }
                }
                var left = n
                while left > 0 {
                    expected.append((head, min(128, left)))
                    left -= 128
                }
            }
        }
        blocker.flush { emitted.append(($0, $1)) }
        #expect(emitted.map { PostingBlock.count($0.1) } == expected.map(\.count))
        #expect(blocker.postings == 300 + 5 + 128 + 1)
        #expect(blocker.blocks == UInt64(expected.count))
        for ((key, value), e) in zip(emitted, expected) {
            #expect(Array(key.dropLast(4)) == e.prefix)
            var a: [UInt32] = [], b: [UInt32] = [], c: [UInt8] = []
            #expect(PostingBlock.decode(value, last: DocRef.readUInt32(key, key.count - 4), ordinals: &a, tfs: &b, codes: &c))
            #expect(a.allSatisfy { $0 % 2 == 0 } && zip(a, a.dropFirst()).allSatisfy { $1 == $0 + 2 })
            #expect(zip(a, b).allSatisfy { $1 == $0 / 2 % 5 + 1 })
        }
    }

    /// The segment rewritten with one postings and positions entry per posting (as before
    /// format 4) and labelled format 3: searches (phrases too), frequencies, positions, facets
    /// and every cursor move answer as the blocked original, and compacting either gives the
    /// original's postings and positions trees.
    @Test func aSegmentBeforeBlocksAnswersAsItsTwin() throws {
        let dir = tempDirectory("blocks")
        let (view, _) = try buildIndex(corpus(900, seed: 5), dir: dir)
        let store = try DirectoryStore(root: dir, create: false)
        let original = view.segments[0]
        #expect(original.blockedPostings && original.info.formatVersion == 7)
        let twinCID = try PostingBlockTests.unblockedTwin(of: original, in: store)
        let twinView = try PostingBlockTests.republish(twinCID, in: store, at: dir)
        let twin = twinView.segments[0]
        #expect(twin.cid == twinCID && !twin.blockedPostings && !twin.blockedPositions)
        for (term, doc) in [("w0", 0), ("w1", 5), ("w2", 77), ("w50", 400), ("nothing", 3)] as [(String, UInt32)] {
            let d = DocRef(group: testKey.group, batch: 0, ordinal: doc)
            #expect(try original.positions(.body, Array(term.utf8), in: d) == twin.positions(.body, Array(term.utf8), in: d), "\(term)")
        }
        // Fewer entries: most postings share a block.
        #expect(original.postings.count * 3 < twin.postings.count)

        try Self.expectSameAnswers(
            view, twinView,
            [
                "w0", "w1 w2", "w7 OR w300", "\"w0 w1\"", "\"w1 w0 w2\"", "\"page 5\"", "w399", "page", "w3 -w0", "site:site1.example w5",
            ])
        for term in ["w0", "w1", "w50", "w399", "nothing"] {
            for field in [Field.body, .title] {
                #expect(try original.documentFrequency(field, Array(term.utf8)) == twin.documentFrequency(field, Array(term.utf8)))
            }
        }
        #expect(try view.facets(.site).values == twinView.facets(.site).values)
        #expect(try view.facets(.tag).values == twinView.facets(.tag).values)

        // Every move of a cursor: next, advance to random targets, bounds and leaves.
        var rng = SplitMix(seed: 9)
        let batch = original.batchPrefixes[0]
        for term in ["w0", "w2", "w30", "w200"] {
            let prefix = ShardKeys.termPrefix(.body, Array(term.utf8))
            var a = try PostingCursor(tree: original.postings, prefix: prefix, scope: batch)
            var b = try PostingCursor(tree: twin.postings, prefix: prefix, scope: batch)
            while let d = a.doc {
                let (tf, code) = (a.tf, a.lengthCode)
                let (twinTF, twinCode) = (b.tf, b.lengthCode)
                #expect(b.doc == d)
                #expect(tf == twinTF && code == twinCode)
                let bound = try a.bound(at: d)
                #expect(bound?.impacts.pairs.contains { $0.tf >= tf && $0.lengthCode <= code } == true, "bound below a posting")
                if let last = bound?.last { #expect(last >= d) }
                if Int.random(in: 0..<3, using: &rng) == 0 {
                    let target = DocRef(group: d.group, batch: d.batch, ordinal: d.ordinal + UInt32.random(in: 1...40, using: &rng))
                    try a.advance(to: target)
                    try b.advance(to: target)
                    if let now = a.doc { #expect(now >= target) }
                } else {
                    try a.next()
                    try b.next()
                }
            }
            #expect(b.doc == nil)
        }

        // Compacting the twin re-cuts its postings into the original's blocks.
        let out = try DirectoryStore(root: tempDirectory("blocks-compacted"))
        let fromTwin = try IndexCompaction.compact([twin], replacing: [twin.cid], into: out)
        let fromOriginal = try IndexCompaction.compact([original], replacing: [original.cid], into: out)
        for tree in [ShardTree.postings, .positions] {
            #expect(fromTwin.info.trees[tree.name] == original.info.trees[tree.name])
            #expect(fromOriginal.info.trees[tree.name] == original.info.trees[tree.name])
        }
        #expect(fromTwin.info.formatVersion == 3 && fromOriginal.info.formatVersion == 7)
    }

    /// The index at `dir` published anew as the test group's next version holding `segment` alone.
    static func republish(_ segment: CID, in store: DirectoryStore, at dir: String) throws -> IndexView {
        let v = try GroupVersion.signed(
            key: testKey, sequence: 2, created: "2026-01-02T00:00:00Z", analyzer: IndexAnalyzer().identifier, segments: [segment])
        _ = try IndexWriter.publish(
            versions: [(try IndexWriter.store(v, in: store), v)], analyzer: IndexAnalyzer().identifier, store: store, out: dir,
            key: testKey, created: "2026-01-02T00:00:00Z")
        return try IndexView.open(directory: dir)
    }

    /// Two views of the same documents answer alike: the same URLs in the same order, the same
    /// scores, and the same totals where both are exact.
    static func expectSameAnswers(_ view: IndexView, _ twinView: IndexView, _ queries: [String]) throws {
        for q in queries {
            let a = try IndexSearch(view: view).run(q, limit: 20), b = try IndexSearch(view: twinView).run(q, limit: 20)
            #expect(a.results.map(\.url) == b.results.map(\.url), "\(q)")
            #expect(a.results.map(\.score) == b.results.map(\.score), "\(q)")
            if a.totalIsExact && b.totalIsExact { #expect(a.total == b.total, "\(q)") }
        }
    }

    /// `segment` with its `tree` rebuilt entry by entry under `params` (an older layout's), as
    /// format `version` wrote it, published in its place at `dir`.
    static func twin(
        of segment: Segment, tree: ShardTree, params: TreeParameters, aggregator: TreeAggregator, version: Int, at dir: String
    ) throws -> IndexView {
        let store = try DirectoryStore(root: dir, create: false)
        let builder = try TreeBuilder(store: store, params: params, aggregator: aggregator)
        var scan = segment.tree(tree).scan()
        while let (key, value) = try scan.nextEntry() { try builder.add(key: key, value: value) }
        var info = segment.info
        info.trees[tree.name] = try builder.finish().headerCID
        info.formatVersion = version
        return try republish(try store.put(info.cbor.encode()), in: store, at: dir)
    }

    /// A format-4 segment (its postings tree's internal nodes cut at 8 KiB, as before format 5)
    /// answers as the original, and compacting it re-cuts that tree into the original's.
    @Test func aFormat4SegmentAnswersAsItsTwinAndCompactsIntoFormat5() throws {
        let dir = tempDirectory("format4")
        let (view, _) = try buildIndex(corpus(3000, seed: 6), dir: dir)
        let original = view.segments[0]
        #expect(original.postings.params.innerTargetSize == 2 << 10 && original.postings.height >= 3)
        let twinView = try Self.twin(
            of: original, tree: .postings, params: ShardTree.postingsFormat4, aggregator: BlockImpactAggregator(), version: 4, at: dir)
        let twin = twinView.segments[0]
        #expect(twin.info.formatVersion == 4 && twin.blockedPostings && twin.postings.params.innerTargetSize == nil)
        #expect(twin.info.trees[ShardTree.postings.name] != original.info.trees[ShardTree.postings.name])
        try Self.expectSameAnswers(view, twinView, ["w0", "w1 w2", "w7 OR w300", "\"w0 w1\"", "w399", "page", "w3 -w0", "site:site1.example w5"])
        let out = try DirectoryStore(root: tempDirectory("format4-compacted"))
        let compacted = try IndexCompaction.compact([twin], replacing: [twin.cid], into: out)
        #expect(compacted.info.trees[ShardTree.postings.name] == original.info.trees[ShardTree.postings.name])
        #expect(compacted.info.formatVersion == 4)
    }

    /// `segment`'s root with its postings and positions as one entry per posting (as before format 4),
    /// labelled format 3, stored in `store`.
    static func unblockedTwin(of segment: Segment, in store: DirectoryStore) throws -> CID {
        let builder = try TreeBuilder(store: store, params: ShardTree.postingsBeforeBlocks, aggregator: ImpactAggregator())
        var cursor = segment.postings.scan()
        while let (key, value) = try cursor.nextEntry() {
            var a: [UInt32] = [], b: [UInt32] = [], c: [UInt8] = []
            guard PostingBlock.decode(value, last: DocRef.readUInt32(key, key.count - 4), ordinals: &a, tfs: &b, codes: &c) else {
                throw IndexError.corrupt("not a block")
            }
            for j in a.indices {
                var posting = Array(key.dropLast(4))
                DocRef.append(a[j], &posting)
                try builder.add(key: posting, value: PostingValue(tf: b[j], lengthCode: c[j]).encoded)
            }
        }
        let positions = try TreeBuilder(store: store, params: ShardTree.positionsBeforeBlocks, aggregator: CountOnly())
        var scan = segment.positions.scan()
        while let (key, value) = try scan.nextEntry() {
            var a: [UInt32] = [], lists: [[UInt8]] = []
            guard PositionBlock.decode(value, last: DocRef.readUInt32(key, key.count - 4), ordinals: &a, lists: &lists) else {
                throw IndexError.corrupt("not a positions block")
            }
            for j in a.indices {
                var posting = Array(key.dropLast(4))
                DocRef.append(a[j], &posting)
                try positions.add(key: posting, value: lists[j])
            }
        }
        var info = segment.info
        info.trees[ShardTree.postings.name] = try builder.finish().headerCID
        info.trees[ShardTree.positions.name] = try positions.finish().headerCID
        info.formatVersion = 3
        return try store.put(info.cbor.encode())
    }
}
