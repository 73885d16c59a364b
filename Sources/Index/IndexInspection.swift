import Blocks
import ProllyTree
import Support

/// Walks every block of an index's segments: for `indexer stats` (sizes, depths, node-size
/// distribution, summed over segments) and `indexer verify` (every block against its CID, every
/// node against its parent, every block the root reaches present, the statistics recomputed
/// from the trees).
public struct IndexInspection: Sendable {
    public struct TreeFigures: Sendable {
        public var name: String
        public var entries: UInt64 = 0
        public var blocks = 0
        public var bytes = 0
        public var depth = 0
        public var nodeSizes: [Int] = []
        public var minNode: Int { nodeSizes.first ?? 0 }
        public var medianNode: Int { nodeSizes.isEmpty ? 0 : nodeSizes[nodeSizes.count / 2] }
        public var maxNode: Int { nodeSizes.last ?? 0 }
    }

    public var trees: [TreeFigures] = []
    public var distinctTerms: UInt64 = 0
    /// Postings over all segments (a format-4 postings entry is a block of them).
    public var postings: UInt64 = 0
    /// Problems found (verify); empty when the index is sound.
    public var problems: [String] = []

    /// Reads every node and value block of every tree of every segment in the view. With
    /// `recompute`, also re-derives each segment's document count and length totals from its
    /// docs tree, and checks that every block the manifests' roots reach is present and sound.
    public static func inspect(_ view: IndexView, recompute: Bool) -> IndexInspection {
        var result = IndexInspection()
        result.trees = ShardTree.allCases.map { TreeFigures(name: $0.name) }
        for segment in view.segments {
            inspect(segment, into: &result)
            if recompute { result.problems += recomputeStatistics(segment).map { "segment \(segment.cid): \($0)" } }
        }
        for i in result.trees.indices { result.trees[i].nodeSizes.sort() }
        if recompute {
            do { try view.reachableBlocks { _, _ in } } catch { result.problems.append("a block the index reaches: \(error)") }
        }
        return result
    }

    static func inspect(_ segment: Segment, into result: inout IndexInspection) {
        for tree in ShardTree.allCases {
            let t = segment.tree(tree)
            var f = result.trees[tree.index]
            f.entries += t.count
            if tree == .postings {
                result.postings += segment.blockedPostings ? t.root.flatMap { BlockImpactAggregator.decode($0.aggregate)?.postings } ?? 0 : t.count
            }
            f.depth = max(f.depth, t.height)
            do {
                let header = try segment.store.get(t.headerCID)
                f.blocks += 1
                f.bytes += header.count
                var level = t.root.map { [$0] } ?? []
                var previousTerm: ArraySlice<UInt8>? = nil
                while !level.isEmpty {
                    var next: [ChildRef] = []
                    for ref in level {
                        let bytes = try segment.store.get(ref.cid)  // verified against the CID
                        f.blocks += 1
                        f.bytes += bytes.count
                        f.nodeSizes.append(bytes.count)
                        let node = try segment.reader.node(ref)  // checked against the parent
                        if node.isLeaf {
                            for (k, v) in zip(node.keys, node.values) {
                                if case .blob = v {
                                    f.blocks += 1
                                    f.bytes += try segment.reader.storedSize(of: v)
                                }
                                if tree == .postings {
                                    guard let p = ShardKeys.parsePosting(k), segment.owns(p.doc) else {
                                        result.problems.append(
                                            "segment \(segment.cid): postings key \(Hex.encode(k)) is malformed or outside its batches")
                                        continue
                                    }
                                    if p.term != previousTerm { result.distinctTerms += 1; previousTerm = p.term }
                                }
                            }
                        } else {
                            next.append(contentsOf: node.children)
                        }
                    }
                    level = next
                }
            } catch {
                result.problems.append("segment \(segment.cid): \(tree.name) tree: \(error)")
            }
            result.trees[tree.index] = f
        }
    }

    static func recomputeStatistics(_ segment: Segment) -> [String] {
        var problems: [String] = []
        var documents: UInt64 = 0, body: UInt64 = 0, title: UInt64 = 0
        var perBatch: [BatchID: UInt64] = [:]
        do {
            var chunkProblems = 0, fatRecords = 0
            // Format 7 writes slim records only (a compaction holding older ones is labelled older).
            let slim = segment.info.formatVersion >= 7
            try segment.forEachDocument { ref, r in
                // A record whose head is inline in it keeps the record ID itself.
                let headIsBlock = if case .block = r.text { true } else { false }
                if slim && ((headIsBlock && r.recordID != nil) || r.digest.count > DocRecord.digestLength) {
                    fatRecords += 1
                    if fatRecords <= 3 {
                        problems.append("document \(ref)'s record holds a long digest, or a record ID its head block should hold (format 7)")
                    }
                }
                documents += 1
                body += UInt64(r.bodyLength)
                title += UInt64(r.titleLength)
                perBatch[ref.batchID, default: 0] += 1
                // The head a record links, and the values its chunks are in (one per chunk, or
                // from format 6 one per group of chunks), are the text tree's values under
                // numbers 0, 1, …, and no more.
                if let link = r.text {
                    let head = try TextChunks.Head(encoded: try segment.reader.value(link.leafValue))
                    var values = [link]
                    for c in head.chunks where (c.range?.lowerBound ?? 0) == 0 { values.append(c.stored) }  // a group's first
                    let keys = (0...values.count).map { TextChunks.key(ref, $0) }
                    let stored = try segment.text.getMany(keys)
                    let linked = try segment.reader.values(values.map { $0.leafValue })
                    if stored.last! != nil || zip(stored, linked).contains(where: { $0 != $1 }) {
                        chunkProblems += 1
                        if chunkProblems <= 3 { problems.append("document \(ref)'s record links text chunks the text tree does not hold") }
                    }
                }
            }
        } catch {
            problems.append("docs tree: \(error)")
        }
        let info = segment.info
        if documents != info.documents { problems.append("its root says \(info.documents) documents, the docs tree holds \(documents)") }
        if body != info.bodyLength || title != info.titleLength {
            problems.append("length totals (\(info.bodyLength), \(info.titleLength)) differ from the docs tree's (\(body), \(title))")
        }
        // Format 3 keeps a document's text in one or more chunks (a compaction may mix both forms).
        if info.formatVersion < 3 ? segment.text.count != documents : segment.text.count < documents {
            problems.append("the text tree holds \(segment.text.count) entries for \(documents) documents")
        }
        for b in info.batches where perBatch[b.id, default: 0] != b.documents {
            problems.append(
                "batch \(b.id) says \(b.documents) documents, the docs tree holds \(perBatch[b.id, default: 0])")
        }
        if let agg = segment.docs.root.flatMap({ LengthAggregator.decode($0.aggregate) }), agg != (body, title) {
            problems.append("the docs tree's length aggregate differs from its records")
        }
        return problems
    }
}
