import Blocks
import ProllyTree
import Sodium
import Support

/// One version of a group's index: the group's live segments, oldest first, under a sequence
/// number that only grows, signed by the group's key. The signature covers the segments' root
/// CIDs, so it vouches for every block under them. Stored as a DAG-CBOR block of its own, so a
/// merged index carries each group's signature unchanged.
public struct GroupVersion: Equatable, Sendable {
    public static let format = "indexer-version/1"
    public var publicKey: [UInt8]
    public var sequence: UInt64
    public var created: String
    public var analyzer: String
    public var segments: [CID]
    /// The group's replay link template for its documents (`ReplayTemplate.text`, e.g.
    /// `https://wb.example/coll/{timestamp}/{url}`), if it set one; readers may override it.
    public var replay: String? = nil
    public var signature: [UInt8]

    public var group: GroupID { GroupID(publicKey: publicKey) }

    #if !hasFeature(Embedded)  // the browser reads, it never signs
        /// Signs a new version with `key`.
        public static func signed(
            key: GroupKey, sequence: UInt64, created: String, analyzer: String, segments: [CID], replay: String? = nil
        ) throws(ReadFailure) -> GroupVersion {
            var v = GroupVersion(
                publicKey: key.publicKey, sequence: sequence, created: created, analyzer: analyzer, segments: segments, signature: [])
            v.replay = replay
            v.signature = try key.sign(v.signedBytes)
            return v
        }
    #endif

    /// What the signature covers: the block's DAG-CBOR without its `signature` member.
    var signedBytes: [UInt8] { unsigned.encode() }

    private var unsigned: DagCBOR {
        var entries: [(String, DagCBOR)] = [
            ("format", .text(GroupVersion.format)), ("publicKey", .bytes(publicKey)), ("sequence", .unsigned(sequence)),
            ("created", .text(created)), ("analyzer", .text(analyzer)), ("segments", .array(segments.map { .link($0) })),
        ]
        // Absent rather than null when unset, so versions written before it keep their bytes.
        if let replay { entries.append(("replay", .text(replay))) }
        return .map(sorting: entries)
    }

    public var cbor: DagCBOR {
        guard case .map(var entries) = unsigned else { return unsigned }
        entries.append(("signature", .bytes(signature)))
        return .map(sorting: entries)
    }

    public var signatureIsValid: Bool {
        publicKey.count == Ed25519.publicKeyBytes && Ed25519.verify(signature, message: signedBytes, publicKey: publicKey)
    }

    /// Decodes a version block; the signature is not checked here (`signatureIsValid`).
    public init(cbor v: DagCBOR) throws(ReadFailure) {
        func bad(_ r: String) -> IndexError { .corrupt("version block: \(r)") }
        guard v["format"]?.string == GroupVersion.format else { throw bad("unknown format") }
        guard let pk = v["publicKey"]?.byteString, pk.count == Ed25519.publicKeyBytes, let seq = v["sequence"]?.uint,
            let created = v["created"]?.string, let analyzer = v["analyzer"]?.string, let segs = v["segments"]?.array,
            let sig = v["signature"]?.byteString
        else { throw bad("missing fields") }
        publicKey = pk
        sequence = seq
        self.created = created
        self.analyzer = analyzer
        segments = try segs.map { (l) throws(ReadFailure) in
            guard let c = l.cid else { throw bad("segment entry is not a link") }
            return c
        }
        replay = v["replay"]?.string
        signature = sig
    }

    init(publicKey: [UInt8], sequence: UInt64, created: String, analyzer: String, segments: [CID], signature: [UInt8]) {
        self.publicKey = publicKey
        self.sequence = sequence
        self.created = created
        self.analyzer = analyzer
        self.segments = segments
        self.signature = signature
    }
}

/// The root block of an index: the group versions it holds (by link, so the whole index is one
/// IPLD DAG that `car export` walks) and segments a merger compacted, with their inputs.
public struct IndexRoot: Equatable, Sendable {
    public static let format = "indexer-index/2"
    public var analyzer: String
    /// Version blocks, one per group, ordered by public key.
    public var versions: [CID]
    /// Segments compacted by the index's signer from segments of the versions above. They count
    /// only for a reader who trusts that signer; the inputs stay listed (and present) for others.
    public var compacted: [Compaction]

    public struct Compaction: Equatable, Sendable {
        public var segment: CID
        public var inputs: [CID]
        public init(segment: CID, inputs: [CID]) {
            self.segment = segment
            self.inputs = inputs
        }
    }

    public init(analyzer: String, versions: [CID], compacted: [Compaction] = []) {
        self.analyzer = analyzer
        self.versions = versions
        self.compacted = compacted
    }

    public var cbor: DagCBOR {
        .map(sorting: [
            ("format", .text(IndexRoot.format)), ("analyzer", .text(analyzer)),
            ("versions", .array(versions.map { .link($0) })),
            (
                "compacted",
                .array(
                    compacted.map { c in
                        .map(sorting: [("segment", .link(c.segment)), ("inputs", .array(c.inputs.map { .link($0) }))])
                    })
            ),
        ])
    }

    public init(cbor v: DagCBOR) throws(ReadFailure) {
        func bad(_ r: String) -> IndexError { .corrupt("index root block: \(r)") }
        guard v["format"]?.string == IndexRoot.format else {
            throw bad(v["format"]?.string == "indexer-index/1" ? "an index of the first format (rebuild it with this version)" : "unknown format")
        }
        guard let analyzer = v["analyzer"]?.string, let versions = v["versions"]?.array, let compacted = v["compacted"]?.array else {
            throw bad("missing fields")
        }
        func link(_ l: DagCBOR) throws(ReadFailure) -> CID {
            guard let c = l.cid else { throw bad("an entry is not a link") }
            return c
        }
        self.analyzer = analyzer
        self.versions = try versions.map(link)
        self.compacted = try compacted.map { (c) throws(ReadFailure) in
            guard let s = c["segment"], let inputs = c["inputs"]?.array else { throw bad("malformed compaction") }
            return Compaction(segment: try link(s), inputs: try inputs.map(link))
        }
    }
}

/// `manifest.json`, the one mutable file of an index folder: the root block's CID, the creation
/// time, the writer's public key, a readable summary of the versions and segments (checked
/// against the blocks when opened, and naming every block opening needs, so a remote reader
/// fetches them in one round trip), and an Ed25519 signature over the canonical JSON of all of
/// that (the object without its `signature` member).
///
/// The writer is the group for its own index and the merger for a merged one. Its signature
/// vouches for the file and for compacted segments; each group's documents are vouched for by
/// the group's own signature in its version block.
public struct Manifest: Sendable {
    public static let format = "indexer-manifest/2"
    public static let fileName = "manifest.json"
    /// The largest manifest any reader accepts (a manifest lists versions, not documents).
    public static let maxBytes = 64 << 20
    public var root: CID
    public var created: String
    public var signer: [UInt8]
    public var signature: [UInt8]
    /// The readable summary (`Manifest.summary`), as signed.
    public var summary: JSON
    /// How the folder this manifest is published in names its block files (signed with the
    /// rest, omitted when flat so manifests written before fan-out verify unchanged).
    public var blockLayout: BlockLayout = .flat
    /// The blocks a query reads first (`Bootstrap`), encoded inside the manifest: only in
    /// manifests written before `bootstrap.car` (read, no longer written).
    public var bootstrap: [UInt8] = []
    /// BLAKE2b-256 of `bootstrap.car`, the file beside the manifest carrying those blocks
    /// (`bootstrapCAR`, signed); empty when there is none.
    public var bootstrapHash: [UInt8] = []

    public var group: GroupID { GroupID(publicKey: signer) }

    func unsignedJSON() -> JSON {
        var o: [String: JSON] = [
            "format": .string(Manifest.format),
            "root": .string(root.description),
            "created": .string(created),
            "signer": .object(["publicKey": .string(Hex.encode(signer)), "group": .string(group.description)]),
            "index": summary,
        ]
        if let layout = blockLayout.manifestField { o["blockLayout"] = .string(layout) }
        if !bootstrap.isEmpty { o["bootstrap"] = .string(Base64.encode(bootstrap)) }
        if !bootstrapHash.isEmpty { o["bootstrapCAR"] = .string(Hex.encode(bootstrapHash)) }
        return .object(o)
    }

    /// The readable summary of an index whose blocks are these.
    public static func summary(
        root: IndexRoot, versions: [(cid: CID, version: GroupVersion)], segments: [CID: SegmentInfo]
    ) -> JSON {
        func segmentJSON(_ cid: CID) -> JSON {
            guard let s = segments[cid] else { return .object(["root": .string(cid.description)]) }
            return .object([
                "root": .string(cid.description),
                "documents": .int(Int64(s.documents)),
                "batches": .array(s.batches.map { .string($0.id.description) }),
                "tombstones": .int(Int64(s.tombstones.count)),
                "trees": .object(Dictionary(uniqueKeysWithValues: s.trees.map { ($0.key, JSON.string($0.value.description)) })),
            ])
        }
        return .object([
            "format": .string(IndexRoot.format),
            "analyzer": .string(root.analyzer),
            "versions": .array(
                versions.map { cid, v in
                    .object([
                        "version": .string(cid.description), "publicKey": .string(Hex.encode(v.publicKey)),
                        "group": .string(v.group.description), "sequence": .int(Int64(clamping: v.sequence)),
                        "created": .string(v.created), "segments": .array(v.segments.map(segmentJSON)),
                    ])
                }),
            "compacted": .array(
                root.compacted.map { c in
                    .object(["segment": segmentJSON(c.segment), "inputs": .array(c.inputs.map { .string($0.description) })])
                }),
        ])
    }

    #if !hasFeature(Embedded)  // the browser reads, it never signs
        /// Signs a manifest for the index whose root block is `root`.
        public static func signed(
            root: CID, summary: JSON, key: GroupKey, created: String, blockLayout: BlockLayout = .flat, bootstrap: [UInt8] = [],
            bootstrapHash: [UInt8] = []
        ) throws(ReadFailure) -> Manifest {
            var m = Manifest(
                root: root, created: created, signer: key.publicKey, signature: [], summary: summary, blockLayout: blockLayout, bootstrap: bootstrap)
            m.bootstrapHash = bootstrapHash
            m.signature = try key.sign(m.unsignedJSON().canonical)
            return m
        }
    #endif

    /// Writes `manifest.json` into the index folder `directory`: atomically and synced, the last
    /// step of every build and merge, so a killed run leaves the previous index whole.
    public func write(toIndex directory: String) throws(ReadFailure) {
        try FileSystem.writeAtomically(directory + "/" + Manifest.fileName, fileBytes, sync: true)
    }

    /// The file's bytes: compact JSON, since every cold reader fetches it (a one-segment manifest:
    /// 1,305 bytes, 1,666 indented; `jq . manifest.json` shows it indented). The signature
    /// covers the canonical form, not the layout.
    public var fileBytes: [UInt8] {
        guard case .object(var o) = unsignedJSON() else { return [] }
        o["signature"] = .string(Hex.encode(signature))
        return JSON.object(o).canonical
    }

    /// Parses a manifest file's bytes and checks the writer's signature. The summary is checked
    /// against the blocks by `IndexView`, which reads them.
    public static func parse(_ bytes: [UInt8], path: String) throws(ReadFailure) -> Manifest {
        func bad(_ r: String) -> IndexError { .badManifest(path: path, reason: r) }
        guard bytes.count <= maxBytes else { throw bad("larger than 64 MiB") }
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw bad("\(error)") }
        guard json["format"]?.string == format else {
            throw bad(
                json["format"]?.string == "indexer-manifest/1"
                    ? "an index of the first format, before segments: rebuild it with this version" : "not an \(format) file")
        }
        guard let rootText = json["root"]?.string, let root = try? CID(rootText) else { throw bad("missing or malformed root CID") }
        guard let created = json["created"]?.string,
            let signer = json["signer"]?["publicKey"]?.string.flatMap(Hex.decode), signer.count == 32,
            let signature = json["signature"]?.string.flatMap(Hex.decode), let summary = json["index"]
        else { throw bad("missing created, signer, index or signature") }
        let layoutField = json["blockLayout"]
        guard layoutField == nil || layoutField?.string != nil, let layout = BlockLayout(manifestField: layoutField?.string) else {
            throw bad("unknown block layout \(layoutField.map { "\($0)" } ?? ""): made by a newer version")
        }
        guard case .object(var unsigned) = json else { throw bad("not an object") }
        unsigned["signature"] = nil
        guard Ed25519.verify(signature, message: JSON.object(unsigned).canonical, publicKey: signer) else {
            throw IndexError.badSignature(path: path)
        }
        var m = Manifest(root: root, created: created, signer: signer, signature: signature, summary: summary, blockLayout: layout)
        if let b = json["bootstrap"] {
            guard let text = b.string, let raw = Base64.decode(text) else { throw bad("malformed bootstrap") }
            m.bootstrap = raw
        }
        if let h = json["bootstrapCAR"] {
            guard let hash = h.string.flatMap(Hex.decode), hash.count == 32 else { throw bad("malformed bootstrapCAR") }
            m.bootstrapHash = hash
        }
        guard json["signer"]?["group"]?.string == m.group.description else { throw bad("signer group does not match its public key") }
        return m
    }

    /// Every block CID the summary names (versions, segment roots, tree headers, compaction
    /// inputs), for fetching them with the root block in one batch. Only hints: what is used is
    /// what the root block links, and the summary is compared with it.
    public var namedBlocks: [CID] {
        var out: [CID] = []
        // Segments a compaction replaces are read only by readers who do not trust the
        // compactor; their tree headers are left to them (one more round trip then) rather than
        // fetched by everyone.
        var replaced = Set<String>()
        for c in summary["compacted"]?.array ?? [] {
            for i in c["inputs"]?.array ?? [] { if let t = i.string { replaced.insert(t) } }
        }
        func segment(_ s: JSON?) {
            guard let r = s?["root"]?.string, let c = try? CID(r) else { return }
            out.append(c)
            guard !replaced.contains(r), let trees = s?["trees"]?.object else { return }
            for k in trees.keys.sorted() { if let t = trees[k]?.string, let c = try? CID(t) { out.append(c) } }
        }
        for v in summary["versions"]?.array ?? [] {
            if let r = v["version"]?.string, let c = try? CID(r) { out.append(c) }
            for s in v["segments"]?.array ?? [] { segment(s) }
        }
        for c in summary["compacted"]?.array ?? [] { segment(c["segment"]) }
        return Array(out.prefix(1 << 16))
    }

    /// The segments a reader trusting the signer searches, as the summary lists them: every
    /// version's, less those a compaction replaced, then the compacted ones (the bootstrap's).
    public var searchedSegments: [CID] {
        var replaced = Set<String>()
        for c in summary["compacted"]?.array ?? [] {
            for i in c["inputs"]?.array ?? [] { if let t = i.string { replaced.insert(t) } }
        }
        var out: [CID] = []
        for v in summary["versions"]?.array ?? [] {
            for s in v["segments"]?.array ?? [] {
                if let r = s["root"]?.string, !replaced.contains(r), let c = try? CID(r) { out.append(c) }
            }
        }
        for c in summary["compacted"]?.array ?? [] {
            if let r = c["segment"]?["root"]?.string, let c = try? CID(r) { out.append(c) }
        }
        return out
    }
}
