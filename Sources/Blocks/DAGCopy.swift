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
        // Iterative post-order. The children of a block that the target lacks are fetched together
        // when it is expanded (`getMany`: one parallel batch from a remote store, where one `get`
        // each cost a round trip per block). A child pending twice (shared by two subtrees) is
        // fetched twice rather than written after a parent that links it.
        enum Step {
            case expand(CID, [UInt8])
            case write(CID, [UInt8])
        }
        func lacking(_ cids: [CID]) throws -> [Step] {
            var wanted: [CID] = []
            var asked = Set<CID>()
            for cid in cids where !done.contains(cid) && asked.insert(cid).inserted {
                if try target.has(cid) {
                    summary.present += 1
                    done.insert(cid)
                } else {
                    wanted.append(cid)
                }
            }
            return zip(wanted, try source.getMany(wanted)).map { .expand($0, $1) }.reversed()
        }
        var stack = try lacking(roots)
        while let step = stack.popLast() {
            switch step {
            case .write(let cid, let bytes):
                if done.contains(cid) { continue }
                if let folder, try target.link(cid, from: folder, verified: true) {
                    summary.linked += 1
                } else {
                    try target.put(bytes, cid: cid)
                    summary.copied += 1
                }
                done.insert(cid)
            case .expand(let cid, let bytes):
                if done.contains(cid) { continue }
                stack.append(.write(cid, bytes))
                if cid.codec == CID.dagCBOR {
                    var links: [CID] = []
                    try DagCBOR.decode(bytes).links(into: &links)
                    stack.append(contentsOf: try lacking(links))
                }
            }
        }
        return summary
    }
}
