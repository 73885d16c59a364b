import Blocks
import ProllyTree
import Support

/// A shard or merged index opened for reading: manifest verified, trees opened. Works the same
/// over any `BlockStore` (a local folder, HTTP, a cache), since every block is verified.
public final class Shard: Sendable {
    public let manifest: Manifest
    public let reader: NodeReader
    public let postings: Tree
    public let positions: Tree
    public let docs: Tree
    public let text: Tree

    public var info: IndexInfo { manifest.info }

    public func tree(_ tree: ShardTree) -> Tree {
        switch tree {
        case .postings: postings
        case .positions: positions
        case .docs: docs
        case .text: text
        }
    }
    public var store: BlockStore { reader.store }

    /// `fetched`: header blocks already read (by `Manifest.verifiedWithHeaders`); the others
    /// are fetched in one batch.
    public init(manifest: Manifest, reader: NodeReader, fetched: [CID: [UInt8]] = [:]) throws {
        self.manifest = manifest
        self.reader = reader
        var headers: [CID] = []
        for tree in ShardTree.allCases {
            guard let cid = manifest.info.trees[tree.name] else { throw IndexError.missingTree(tree.name) }
            headers.append(cid)
        }
        let missing = headers.filter { fetched[$0] == nil }
        var known = fetched
        for (cid, bytes) in zip(missing, try reader.store.getMany(missing)) { known[cid] = bytes }
        let blocks = headers.map { known[$0]! }
        func open(_ tree: ShardTree) throws -> Tree {
            let i = tree.index
            let t = try Tree.open(headers[i], bytes: blocks[i], reader: reader)
            guard t.params.sameShape(as: tree.parameters) else {
                throw IndexError.treeParameters(tree: tree.name, found: "\(t.params)")
            }
            return t
        }
        postings = try open(.postings)
        positions = try open(.positions)
        docs = try open(.docs)
        text = try open(.text)
    }

    /// Opens the index folder `directory` (manifest.json and blocks/).
    public static func open(directory: String, cacheNodes: Int = 4096) throws -> Shard {
        try openReadingManifest(directory: directory, cacheNodes: cacheNodes).shard
    }

    /// Opens the index folder `directory` and returns the `manifest.json` bytes it verified, read
    /// once: a second read could see a manifest renamed into place in between (provenance hashes
    /// these bytes).
    public static func openReadingManifest(directory: String, cacheNodes: Int = 4096) throws -> (shard: Shard, manifestBytes: [UInt8]) {
        let store = try DirectoryStore(root: directory, create: false)
        let path = directory + "/" + Manifest.fileName
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 64 << 20) } catch {
            throw IndexError.badManifest(path: path, reason: "cannot read it (is \(directory) an index folder?)")
        }
        return (try open(manifestBytes: bytes, path: path, store: store, cacheNodes: cacheNodes), bytes)
    }

    /// Opens an index from its manifest's bytes over any store (local or remote): manifest,
    /// root block and tree headers cost one batch of reads.
    public static func open(manifestBytes bytes: [UInt8], path: String, store: BlockStore, cacheNodes: Int = 4096) throws -> Shard {
        let (manifest, headers) = try Manifest.verifiedWithHeaders(bytes, path: path, store: store)
        return try Shard(manifest: manifest, reader: NodeReader(store: store, cacheNodes: cacheNodes), fetched: headers)
    }

    // MARK: Statistics

    public var documentCount: UInt64 { info.documents }

    public func averageLength(_ field: Field) -> Double {
        guard info.documents > 0 else { return 1 }
        let total = field == .title ? info.titleLength : info.bodyLength
        return max(1, Double(total) / Double(info.documents))
    }

    /// Documents containing `term` in `field`: a count over the postings tree, read from
    /// internal-node counts (O(height) nodes).
    public func documentFrequency(_ field: Field, _ term: [UInt8]) throws -> UInt64 {
        let prefix = ShardKeys.termPrefix(field, term)
        return try postings.count(from: prefix, to: ShardKeys.successor(ofPrefix: prefix))
    }

    // MARK: Reads

    public func postingCursor(_ field: Field, _ term: [UInt8]) throws -> PostingCursor {
        try PostingCursor(tree: postings, prefix: ShardKeys.termPrefix(field, term))
    }

    /// Terms of `field` starting with `prefix`, in order, at most `limit` (for `prefix*`). Each
    /// term costs one seek; postings of a term are skipped, not read.
    public func terms(_ field: Field, prefix: [UInt8], limit: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var from = [field.rawValue] + prefix
        let end = ShardKeys.successor(ofPrefix: from)
        while out.count < limit {
            var c = postings.scan(from: from, to: end)
            guard let (k, _) = try c.nextEntry(), let parsed = ShardKeys.parsePosting(k) else { break }
            let term = Array(parsed.term)
            out.append(term)
            from = ShardKeys.termPrefix(field, term) + [0xff]  // after every DocRef of this term
        }
        return out
    }

    public func positions(_ field: Field, _ term: [UInt8], in doc: DocRef) throws -> [UInt32] {
        guard let v = try positions.get(ShardKeys.posting(field, term, doc)) else { return [] }
        guard let p = PositionList.decode(v) else { throw IndexError.malformedValue(tree: .positions, document: doc) }
        return p
    }

    public func document(_ doc: DocRef) throws -> DocRecord? {
        try docs.get(doc.bytes).map { try DocRecord(encoded: $0) }
    }

    public func text(_ doc: DocRef) throws -> String? {
        try text.get(doc.bytes).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Several documents' records at once (one request per tree level when remote).
    public func documents(_ refs: [DocRef]) throws -> [DocRecord?] {
        try docs.getMany(refs.map(\.bytes)).map { try $0.map { try DocRecord(encoded: $0) } }
    }

    /// Several documents' texts at once (one request per tree level, then the long values).
    public func texts(_ refs: [DocRef]) throws -> [String?] {
        try text.getMany(refs.map(\.bytes)).map { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Calls `body` for every document in DocRef order. A missing block or a malformed record
    /// throws: a silently shortened walk would pass for a complete one.
    public func forEachDocument(_ body: (DocRef, DocRecord) throws -> Void) throws {
        try Shard.forEachDocument(in: docs, body)
    }

    /// The same walk over any docs tree (a merge's output before it is a shard).
    public static func forEachDocument(in docs: Tree, _ body: (DocRef, DocRecord) throws -> Void) throws {
        var cursor = docs.scan()
        while let (k, v) = try cursor.nextEntry() {
            guard let ref = DocRef(bytes: k) else { throw IndexError.malformedKey(tree: .docs, key: k) }
            try body(ref, try DocRecord(encoded: v))
        }
    }
}
