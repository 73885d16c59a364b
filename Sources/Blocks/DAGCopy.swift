import Support

/// Copies the DAGs under some roots from one store into a folder store, children before
/// parents, hard-linking where both are folders on one file system. Since every writer here
/// stores a block only after the blocks it links, a block already present in the target has
/// its whole DAG there too, and its subtree is skipped unread: a copy interrupted and run again
/// picks up where it stopped, and copying into a folder that shares most blocks costs little.
///
/// Every block is read from its source and verified against its CID before it is linked or
/// written, even from a local folder: a folder is input like any other (a merge's inputs may
/// be anyone's), and a hard link must not spread a file that is not what its name says.
public enum DAGCopy {
    public struct Summary: Sendable, Equatable {
        /// Blocks hard-linked, copied byte for byte, and found already present (subtrees skipped).
        public var linked = 0
        public var copied = 0
        public var present = 0
        public init() {}
    }

    public static func copy(roots: [CID], from source: BlockStore, into target: DirectoryStore) throws -> Summary {
        try copy([(roots, source)], into: target)
    }

    /// Copies each source's DAGs under its roots, as one run: a block two sources share is
    /// taken once, from the first.
    public static func copy(_ sources: [(roots: [CID], from: BlockStore)], into target: DirectoryStore) throws -> Summary {
        let into = try DirectoryStore.OpenFolder(target)
        // A block folder empty when the copy starts holds only what this copy writes, so a block
        // is present when `done` says so: no lookup per block (a merge into a new folder asked
        // for every one). Another writer's blocks, if any arrive meanwhile, are found by link's
        // EEXIST, or rewritten to the same bytes.
        let fresh = FileSystem.isEmptyDirectory(target.blocksPath)
        var summary = Summary()
        var done = Set<CID>()
        for (roots, source) in sources {
            let folder = source as? DirectoryStore
            try copy(
                roots: roots, from: source, folder: try folder.map { try DirectoryStore.OpenFolder($0) }, into: into, fresh: fresh,
                done: &done, summary: &summary)
        }
        return summary
    }

    private static func copy(
        roots: [CID], from source: BlockStore, folder: DirectoryStore.OpenFolder?, into: DirectoryStore.OpenFolder, fresh: Bool,
        done: inout Set<CID>, summary: inout Summary
    ) throws {
        let target = into.store
        // Iterative post-order. The children of a block that the target lacks are fetched together
        // when it is expanded (`getMany`: one parallel batch from a remote store, where one `get`
        // each cost a round trip per block). A child pending twice (shared by two subtrees) is
        // fetched twice rather than written after a parent that links it. A block's CID text
        // (its file name) is made once, for its read, its lookup and its link.
        enum Step {
            case expand(CID, String, [UInt8])
            case write(CID, String, [UInt8])
        }
        func lacking(_ cids: [CID]) throws -> [Step] {
            var wanted: [(CID, String)] = []
            var asked = Set<CID>()
            for cid in cids where !done.contains(cid) && asked.insert(cid).inserted {
                let name = cid.description
                if !fresh, target.has(name: name, in: into) {
                    summary.present += 1
                    done.insert(cid)
                } else {
                    wanted.append((cid, name))
                }
            }
            let blocks =
                if let folder {
                    try wanted.map { try folder.store.get($0.0, name: $0.1, in: folder) }
                } else {
                    try source.getMany(wanted.map(\.0))
                }
            return zip(wanted, blocks).map { .expand($0.0, $0.1, $1) }.reversed()
        }
        var stack = try lacking(roots)
        var links: [CID] = []
        while let step = stack.popLast() {
            switch step {
            case .write(let cid, let name, let bytes):
                if done.contains(cid) { continue }
                if let folder, try target.link(name: name, from: folder, into: into) {
                    summary.linked += 1
                } else {
                    try target.put(bytes, cid: cid)
                    summary.copied += 1
                }
                done.insert(cid)
            case .expand(let cid, let name, let bytes):
                if done.contains(cid) { continue }
                stack.append(.write(cid, name, bytes))
                if cid.codec == CID.dagCBOR {
                    links.removeAll(keepingCapacity: true)
                    try DagCBOR.links(of: bytes, into: &links)
                    stack.append(contentsOf: try lacking(links))
                }
            }
        }
    }
}
