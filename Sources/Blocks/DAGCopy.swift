/// Copies the DAGs under some roots from one store into a folder store, children before
/// parents, hard-linking where both are folders on one file system. Since every writer here
/// stores a block only after the blocks it links, a block already present in the target has
/// its whole DAG there too, and its subtree is skipped unread: a copy interrupted and run again
/// picks up where it stopped, and copying into a folder that shares most blocks costs little.
public enum DAGCopy {
    public struct Summary: Sendable, Equatable {
        /// Blocks hard-linked, copied byte for byte, and found already present (subtrees skipped).
        public var linked = 0
        public var copied = 0
        public var present = 0
        public init() {}
    }

    public static func copy(roots: [CID], from source: BlockStore, into target: DirectoryStore) throws -> Summary {
        var summary = Summary()
        var done = Set<CID>()
        let folder = source as? DirectoryStore
        // Iterative post-order: (cid, expanded?).
        var stack: [(CID, [UInt8]?)] = roots.reversed().map { ($0, nil) }
        while let (cid, bytes) = stack.popLast() {
            if done.contains(cid) { continue }
            if let bytes {
                if let folder, try target.link(cid, from: folder, verified: true) {
                    summary.linked += 1
                } else {
                    try target.put(bytes, cid: cid)
                    summary.copied += 1
                }
                done.insert(cid)
                continue
            }
            if try target.has(cid) {
                summary.present += 1
                done.insert(cid)
                continue
            }
            let b = try source.get(cid)
            stack.append((cid, b))
            if cid.codec == CID.dagCBOR {
                var links: [CID] = []
                try DagCBOR.decode(b).links(into: &links)
                for l in links.reversed() where !done.contains(l) { stack.append((l, nil)) }
            }
        }
        return summary
    }
}
