import Blocks
import ProllyTree
import Support

/// Walks every block of a shard: for `indexer stats` (sizes, depths, node-size distribution)
/// and `indexer verify` (every block against its CID, every node against its parent, the
/// statistics recomputed from the trees).
public struct ShardInspection: Sendable {
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
    /// Problems found (verify); empty when the shard is sound.
    public var problems: [String] = []

    /// Reads every node and value block of every tree. With `recompute`, also re-derives
    /// document counts and length totals from the docs tree and compares them with the manifest.
    public static func inspect(_ shard: Shard, recompute: Bool) -> ShardInspection {
        var result = ShardInspection()
        for (name, tree) in [("postings", shard.postings), ("positions", shard.positions), ("docs", shard.docs), ("text", shard.text)] {
            var f = TreeFigures(name: name)
            f.entries = tree.count
            f.depth = tree.height
            do {
                let header = try shard.store.get(tree.headerCID)
                f.blocks += 1
                f.bytes += header.count
                var level = tree.root.map { [$0] } ?? []
                var previousTerm: ArraySlice<UInt8>? = nil
                while !level.isEmpty {
                    var next: [ChildRef] = []
                    for ref in level {
                        let bytes = try shard.store.get(ref.cid)  // verified against the CID
                        f.blocks += 1
                        f.bytes += bytes.count
                        f.nodeSizes.append(bytes.count)
                        let node = try shard.reader.node(ref)  // checked against the parent
                        if node.isLeaf {
                            for (k, v) in zip(node.keys, node.values) {
                                if case .blob = v {
                                    f.blocks += 1
                                    f.bytes += try shard.reader.storedSize(of: v)
                                }
                                if name == "postings" {
                                    guard let p = ShardKeys.parsePosting(k) else {
                                        result.problems.append("postings key \(Hex.encode(k)) is malformed"); continue
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
                result.problems.append("\(name) tree: \(error)")
            }
            f.nodeSizes.sort()
            result.trees.append(f)
        }
        if recompute { result.problems += recomputeStatistics(shard) }
        return result
    }

    static func recomputeStatistics(_ shard: Shard) -> [String] {
        var problems: [String] = []
        var documents: UInt64 = 0, body: UInt64 = 0, title: UInt64 = 0
        var perGroup: [GroupID: (UInt64, UInt64, UInt64)] = [:]
        do {
            try shard.forEachDocument { ref, r in
                documents += 1
                body += UInt64(r.bodyLength)
                title += UInt64(r.titleLength)
                var g = perGroup[ref.group] ?? (0, 0, 0)
                g.0 += 1; g.1 += UInt64(r.bodyLength); g.2 += UInt64(r.titleLength)
                perGroup[ref.group] = g
            }
        } catch {
            problems.append("docs tree: \(error)")
        }
        let info = shard.info
        if documents != info.documents { problems.append("manifest says \(info.documents) documents, the docs tree holds \(documents)") }
        if body != info.bodyLength || title != info.titleLength {
            problems.append("manifest length totals (\(info.bodyLength), \(info.titleLength)) differ from the docs tree's (\(body), \(title))")
        }
        if shard.text.count != documents { problems.append("the text tree holds \(shard.text.count) entries for \(documents) documents") }
        for g in info.groups {
            let r = perGroup[g.group] ?? (0, 0, 0)
            if r != (g.documents, g.bodyLength, g.titleLength) { problems.append("statistics of group \(g.group) differ from its documents") }
        }
        if Set(perGroup.keys) != Set(info.groups.map(\.group)) {
            problems.append("the manifest's group list differs from the groups in the docs tree")
        }
        if let agg = shard.docs.root.flatMap({ LengthAggregator.decode($0.aggregate) }), agg != (body, title) {
            problems.append("the docs tree's length aggregate differs from its records")
        }
        return problems
    }
}
