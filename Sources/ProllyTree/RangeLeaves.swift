import Blocks

/// The leaves of one key range of a tree, built on its own thread. `stitch` joins a tree's
/// ranges, in key order, into exactly the tree one `TreeBuilder` fed every entry would write:
/// this is how a build's finish phase uses every core.
///
/// Why it is exact: a node boundary depends only on the keys since the previous boundary
/// (`Chunker`). A range after the first starts as if a boundary fell just before its first
/// key; the real chain, arriving from the range before, is in another state, but both flip
/// the same coin per key, and from the first boundary they share they are one chain.
/// `stitch` re-chunks a range's entries with the real chain until it stands at a boundary at
/// the end of one of the range's leaves, and takes the range's later leaves whole. The first
/// `holdLeaves` leaves of a range are kept as entries, not written, so normally no written
/// leaf is dropped; when the chains meet only after those, the leaves written before that
/// point are read back, re-chunked, and returned as `orphans` for the caller to delete.
public final class RangeLeaves: @unchecked Sendable {  // used by one thread at a time (built, then stitched)
    let builder: TreeBuilder

    /// `first`: the range holding the tree's smallest keys (its chain is the real one).
    public init(reader: NodeReader, params: TreeParameters, aggregator: TreeAggregator, first: Bool, holdLeaves: Int = 16) throws {
        builder = try TreeBuilder(reader: reader, params: params, aggregator: aggregator)
        builder.collectedLeaves = []
        builder.leavesToHold = first ? 0 : holdLeaves
    }

    /// Appends one entry; keys strictly increasing, and above every key of earlier ranges.
    public func add(key: [UInt8], value: [UInt8]) throws { try builder.add(key: key, value: value) }

    /// Appends an entry whose value (longer than the inline limit) the caller already stored as
    /// `TreeBuilder.valueBlock(_:compressor:)` gives it: a tree that keeps no values
    /// (`CountOnly`) links it without compressing it again.
    public func add(key: [UInt8], blob cid: CID, length: Int) throws { try builder.add(key: key, blob: cid, length: length) }

    public struct Stitched {
        public var tree: Tree
        /// Blocks and bytes written by the ranges and the stitch, orphans not counted.
        public var blocksWritten = 0
        public var bytesWritten = 0
        /// Leaves written by a range that the tree does not use: delete them.
        public var orphans: [CID] = []
    }

    /// The tree of all ranges' entries (`ranges` in key order; each has had all its entries).
    public static func stitch(_ ranges: [RangeLeaves], reader: NodeReader) throws -> Stitched {
        guard let b0 = ranges.first?.builder else { throw TreeError.builderInconsistency(level: 0) }
        let top = try TreeBuilder(reader: reader, params: b0.params, aggregator: b0.aggregator)
        var orphans: [CID] = []
        var orphanBytes = 0
        for range in ranges {
            let b = range.builder
            for e in b.heldEntries { try top.add(e) }
            var leaves = b.collectedLeaves![...]
            while let leaf = leaves.first, !top.atBoundary(level: 0) {
                let node = try reader.node(leaf)
                for i in node.keys.indices { try top.add(.init(key: node.keys[i], value: node.values[i], raw: nil)) }
                orphans.append(leaf.cid)
                orphanBytes += try reader.store.get(leaf.cid).count
                leaves.removeFirst()
            }
            for leaf in leaves { try top.appendSubtree(leaf) }
            for e in b.takePendingLeafEntries() { try top.add(e) }
        }
        let tree = try top.finish()
        let written = ranges.reduce(top.stats.blocksWritten) { $0 + $1.builder.stats.blocksWritten }
        let bytes = ranges.reduce(top.stats.bytesWritten) { $0 + $1.builder.stats.bytesWritten }
        return Stitched(tree: tree, blocksWritten: written - orphans.count, bytesWritten: bytes - orphanBytes, orphans: orphans)
    }
}
