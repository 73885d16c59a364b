import Blocks
import ProllyTree
import Sodium
import Support

/// What an index is: its trees and statistics, stored as the index's root block (DAG-CBOR, so
/// the whole index is one IPLD DAG) and mirrored in the signed `manifest.json`.
/// It holds nothing time- or signer-dependent, so the same content always has the same CID.
public struct IndexInfo: Equatable, Sendable {
    public static let format = "indexer-index/1"
    public var analyzer: String
    /// Tree name (`ShardTree.name`) → tree header CID.
    public var trees: [String: CID]
    public var documents: UInt64
    public var bodyLength: UInt64
    public var titleLength: UInt64
    public var groups: [GroupStats]
    public var batches: [Batch]
    /// For a merged index: the manifests it was merged from.
    public var mergedFrom: [Provenance]

    public struct GroupStats: Equatable, Sendable {
        public var group: GroupID
        public var documents: UInt64
        public var bodyLength: UInt64
        public var titleLength: UInt64
        public init(group: GroupID, documents: UInt64, bodyLength: UInt64, titleLength: UInt64) {
            self.group = group
            self.documents = documents
            self.bodyLength = bodyLength
            self.titleLength = titleLength
        }
    }

    public struct Batch: Equatable, Sendable {
        public var group: GroupID
        public var batch: UInt32
        public var documents: UInt64
        public var sources: [Source]
        public init(group: GroupID, batch: UInt32, documents: UInt64, sources: [Source]) {
            self.group = group
            self.batch = batch
            self.documents = documents
            self.sources = sources
        }
    }

    public struct Source: Equatable, Sendable {
        public var name: String
        public var bytes: UInt64
        public var documents: UInt64
        public init(name: String, bytes: UInt64, documents: UInt64) {
            self.name = name
            self.bytes = bytes
            self.documents = documents
        }
    }

    public struct Provenance: Equatable, Sendable {
        /// BLAKE2b-256 of the input's manifest.json bytes.
        public var manifestHash: [UInt8]
        public var root: CID
        public var signer: [UInt8]
        public init(manifestHash: [UInt8], root: CID, signer: [UInt8]) {
            self.manifestHash = manifestHash
            self.root = root
            self.signer = signer
        }
    }

    public init(
        analyzer: String, trees: [String: CID], documents: UInt64, bodyLength: UInt64, titleLength: UInt64,
        groups: [GroupStats], batches: [Batch], mergedFrom: [Provenance] = []
    ) {
        self.analyzer = analyzer
        self.trees = trees
        self.documents = documents
        self.bodyLength = bodyLength
        self.titleLength = titleLength
        self.groups = groups
        self.batches = batches
        self.mergedFrom = mergedFrom
    }

    // MARK: DAG-CBOR (the root block)

    public var cbor: DagCBOR {
        .map(sorting: [
            ("format", .text(IndexInfo.format)),
            ("analyzer", .text(analyzer)),
            ("trees", .map(sorting: trees.map { ($0.key, .link($0.value)) })),
            ("documents", .unsigned(documents)),
            ("bodyLength", .unsigned(bodyLength)),
            ("titleLength", .unsigned(titleLength)),
            (
                "groups",
                .array(
                    groups.map { g in
                        .map(sorting: [
                            ("group", .bytes(g.group.bytes)), ("documents", .unsigned(g.documents)),
                            ("bodyLength", .unsigned(g.bodyLength)), ("titleLength", .unsigned(g.titleLength)),
                        ])
                    })
            ),
            (
                "batches",
                .array(
                    batches.map { b in
                        .map(sorting: [
                            ("group", .bytes(b.group.bytes)), ("batch", .unsigned(UInt64(b.batch))),
                            ("documents", .unsigned(b.documents)),
                            (
                                "sources",
                                .array(
                                    b.sources.map { s in
                                        .map(sorting: [("name", .text(s.name)), ("bytes", .unsigned(s.bytes)), ("documents", .unsigned(s.documents))])
                                    })
                            ),
                        ])
                    })
            ),
            (
                "mergedFrom",
                .array(
                    mergedFrom.map { p in
                        .map(sorting: [("manifestHash", .bytes(p.manifestHash)), ("root", .link(p.root)), ("signer", .bytes(p.signer))])
                    })
            ),
        ])
    }

    public init(cbor v: DagCBOR) throws {
        func bad(_ r: String) -> IndexError { .corrupt("index root block: \(r)") }
        guard v["format"]?.string == IndexInfo.format else { throw bad("unknown format") }
        guard let analyzer = v["analyzer"]?.string, case .map(let t)? = v["trees"],
            let documents = v["documents"]?.uint, let bl = v["bodyLength"]?.uint, let tl = v["titleLength"]?.uint,
            let groups = v["groups"]?.array, let batches = v["batches"]?.array, let merged = v["mergedFrom"]?.array
        else { throw bad("missing fields") }
        self.analyzer = analyzer
        var trees: [String: CID] = [:]
        for (k, link) in t {
            guard let c = link.cid else { throw bad("tree \(k) is not a link") }
            trees[k] = c
        }
        self.trees = trees
        self.documents = documents
        bodyLength = bl
        titleLength = tl
        self.groups = try groups.map { g in
            guard let id = g["group"]?.byteString.flatMap({ GroupID(bytes: $0) }), let d = g["documents"]?.uint,
                let b = g["bodyLength"]?.uint, let t = g["titleLength"]?.uint
            else { throw bad("malformed group") }
            return GroupStats(group: id, documents: d, bodyLength: b, titleLength: t)
        }
        self.batches = try batches.map { b in
            guard let id = b["group"]?.byteString.flatMap({ GroupID(bytes: $0) }), let n = b["batch"]?.uint, n <= UInt64(UInt32.max),
                let d = b["documents"]?.uint, let sources = b["sources"]?.array
            else { throw bad("malformed batch") }
            return Batch(
                group: id, batch: UInt32(n), documents: d,
                sources: try sources.map { s in
                    guard let name = s["name"]?.string, let bytes = s["bytes"]?.uint, let docs = s["documents"]?.uint else {
                        throw bad("malformed source")
                    }
                    return Source(name: name, bytes: bytes, documents: docs)
                })
        }
        mergedFrom = try merged.map { p in
            guard let h = p["manifestHash"]?.byteString, let r = p["root"]?.cid, let s = p["signer"]?.byteString else {
                throw bad("malformed provenance")
            }
            return Provenance(manifestHash: h, root: r, signer: s)
        }
    }

    // MARK: JSON (the readable mirror in manifest.json)

    public var json: JSON {
        .object([
            "format": .string(IndexInfo.format),
            "analyzer": .string(analyzer),
            "trees": .object(trees.mapValues { .string($0.description) }),
            "documents": .int(Int64(documents)),
            "bodyLength": .int(Int64(bodyLength)),
            "titleLength": .int(Int64(titleLength)),
            "groups": .array(
                groups.map { g in
                    .object([
                        "group": .string(g.group.description), "documents": .int(Int64(g.documents)),
                        "bodyLength": .int(Int64(g.bodyLength)), "titleLength": .int(Int64(g.titleLength)),
                    ])
                }),
            "batches": .array(
                batches.map { b in
                    .object([
                        "group": .string(b.group.description), "batch": .int(Int64(b.batch)), "documents": .int(Int64(b.documents)),
                        "sources": .array(
                            b.sources.map { s in
                                .object(["name": .string(s.name), "bytes": .int(Int64(s.bytes)), "documents": .int(Int64(s.documents))])
                            }),
                    ])
                }),
            "mergedFrom": .array(
                mergedFrom.map { p in
                    .object([
                        "manifestHash": .string(Hex.encode(p.manifestHash)), "root": .string(p.root.description),
                        "signer": .string(Hex.encode(p.signer)),
                    ])
                }),
        ])
    }
}

/// `manifest.json`: the index root's CID, a readable copy of the root block, the creation
/// time, the signer's public key, and an Ed25519 signature over the canonical JSON of all of
/// that (the object without its `signature` member).
public struct Manifest: Sendable {
    public static let format = "indexer-manifest/1"
    public static let fileName = "manifest.json"
    public var root: CID
    public var info: IndexInfo
    public var created: String
    public var signer: [UInt8]
    public var signature: [UInt8]

    public var group: GroupID { GroupID(publicKey: signer) }

    func unsignedJSON() -> JSON {
        .object([
            "format": .string(Manifest.format),
            "root": .string(root.description),
            "created": .string(created),
            "signer": .object(["publicKey": .string(Hex.encode(signer)), "group": .string(group.description)]),
            "index": info.json,
        ])
    }

    /// Signs `info` (already stored as block `root`) with `key`.
    public static func signed(root: CID, info: IndexInfo, key: GroupKey, created: String) throws -> Manifest {
        var m = Manifest(root: root, info: info, created: created, signer: key.publicKey, signature: [])
        m.signature = try key.sign(m.unsignedJSON().canonical)
        return m
    }

    /// Writes `manifest.json` into the index folder `directory`: atomically and synced, the last
    /// step of every build and merge, so a killed run leaves the previous index whole.
    public func write(toIndex directory: String) throws {
        try FileSystem.writeAtomically(directory + "/" + Manifest.fileName, fileBytes, sync: true)
    }

    /// The file's bytes: indented JSON (the signature covers the canonical form, not the layout).
    public var fileBytes: [UInt8] {
        guard case .object(var o) = unsignedJSON() else { return [] }
        o["signature"] = .string(Hex.encode(signature))
        return Array(JSON.object(o).pretty.utf8)
    }

    /// Parses and verifies a manifest file's bytes: the signature must verify and the readable
    /// copy must match the root block in `store` (itself verified against its CID). Also returns
    /// the tree header blocks, fetched with the root block in one batch (one round trip
    /// remotely) so that opening the trees need not fetch them again.
    public static func verifiedWithHeaders(_ bytes: [UInt8], path: String, store: BlockStore) throws
        -> (manifest: Manifest, headers: [CID: [UInt8]])
    {
        func bad(_ r: String) -> IndexError { .badManifest(path: path, reason: r) }
        guard bytes.count <= 64 << 20 else { throw bad("larger than 64 MiB") }
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw bad("\(error)") }
        guard json["format"]?.string == format else { throw bad("not an \(format) file") }
        guard let rootText = json["root"]?.string, let root = try? CID(rootText) else { throw bad("missing or malformed root CID") }
        guard let created = json["created"]?.string,
            let signer = json["signer"]?["publicKey"]?.string.flatMap(Hex.decode), signer.count == 32,
            let signature = json["signature"]?.string.flatMap(Hex.decode)
        else { throw bad("missing created, signer or signature") }
        guard case .object(var unsigned) = json else { throw bad("not an object") }
        unsigned["signature"] = nil
        guard Ed25519.verify(signature, message: JSON.object(unsigned).canonical, publicKey: signer) else {
            throw IndexError.badSignature(path: path)
        }
        // The readable copy names the tree headers: fetch them with the root block. Once the
        // copy is checked against the root block below, they are the index's own headers.
        var wanted = [root]
        if let trees = json["index"]?["trees"]?.object {
            wanted += trees.keys.sorted().compactMap { trees[$0]?.string.flatMap { try? CID($0) } }
        }
        let blocks = try store.getMany(wanted)
        let info = try IndexInfo(cbor: try DagCBOR.decode(blocks[0]))
        guard json["index"] == info.json else { throw bad("readable index summary differs from the root block \(root)") }
        let m = Manifest(root: root, info: info, created: created, signer: signer, signature: signature)
        guard json["signer"]?["group"]?.string == m.group.description else { throw bad("signer group does not match its public key") }
        return (m, Dictionary(zip(wanted.dropFirst(), blocks.dropFirst()), uniquingKeysWith: { a, _ in a }))
    }
}
