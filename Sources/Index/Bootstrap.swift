import Blocks
import ProllyTree
import Sodium
import Support

/// The blocks every query reads first, carried inside `manifest.json` so that a remote reader
/// gets them with the manifest instead of one round trip per tree level: the blocks opening
/// needs (index root, versions, segment roots, tree headers), then the upper levels of the
/// trees a query descends (postings, docs, text), whole levels at a time, within
/// `nodeBudget` bytes. A reader verifies each block against its CID before using it, as any
/// other block, so the manifest's signature adds nothing to their trust and a wrong one is
/// never used; an index without them reads as before (one more batch per level).
///
/// Since the manifest carries them as base64 (a third larger than the blocks), a writer puts
/// them in `bootstrap.car` beside `manifest.json` instead: a CAR v1 file (its root the index
/// root) that a reader fetches in parallel with the manifest, so it costs no round trip, and
/// uses only when its BLAKE2b-256 is the one the signed manifest names (`bootstrapCAR`).
///
/// Encoding: the sections of a CAR v1 file — per block, a varint of the CID's and block's
/// length together, the binary CID, the block — after the file's header; inside manifests
/// written before the file, the sections alone as one base64 string (`bootstrap`), still read.
public enum Bootstrap {
    /// The file beside `manifest.json`.
    public static let fileName = "bootstrap.car"

    /// `bootstrap.car`'s bytes: a CAR v1 header naming `root`, then the sections of `blocks`.
    public static func file(root: CID, _ blocks: [(cid: CID, bytes: [UInt8])]) -> [UInt8] {
        let header = DagCBOR.map(sorting: [("roots", .array([.link(root)])), ("version", .unsigned(1))]).encode()
        var out: [UInt8] = []
        Varint.append(UInt64(header.count), to: &out)
        out += header
        out += encode(blocks)
        return out
    }

    /// What a manifest signs of its `bootstrap.car` (`bootstrapCAR`): the file's BLAKE2b-256.
    public static func hash(_ file: [UInt8]) -> [UInt8] { Sodium.blake2b256(file) }

    /// The blocks of a `bootstrap.car` whose BLAKE2b-256 is `hash` (each checked against its
    /// CID too); nil for another file (one older or newer than the manifest, or damaged): the
    /// reader then fetches those blocks as any other.
    public static func decode(file: [UInt8], hash: [UInt8]) -> [CID: [UInt8]]? {
        guard !hash.isEmpty, Bootstrap.hash(file) == hash else { return nil }
        var offset = 0
        guard let n = Varint.read(file, &offset), n <= UInt64(file.count - offset) else { return nil }
        return decode(Array(file[(offset + Int(n))...]))
    }

    /// Bytes of tree nodes a manifest carries beyond the blocks opening needs. The roots always
    /// go (a query reads them first); then each further level of one tree kind across every
    /// segment goes whole or not at all.
    public static let nodeBudget = 48 << 10

    /// The sections of `blocks`, in order.
    public static func encode(_ blocks: [(cid: CID, bytes: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (cid, bytes) in blocks {
            Varint.append(UInt64(cid.bytes.count + bytes.count), to: &out)
            out += cid.bytes
            out += bytes
        }
        return out
    }

    /// The blocks of `encoded` that hash to their CID; nil when the framing is malformed.
    public static func decode(_ encoded: [UInt8]) -> [CID: [UInt8]]? {
        var out: [CID: [UInt8]] = [:]
        var offset = 0
        while offset < encoded.count {
            guard let length = Varint.read(encoded, &offset), length <= UInt64(encoded.count - offset) else { return nil }
            let end = offset + Int(length)
            var at = offset
            guard let cid = CID.parse(encoded, &at), at <= end else { return nil }
            let block = Array(encoded[at..<end])
            // A block that does not hash to its CID is dropped, never used: the reader then
            // fetches the real one.
            if cid.matches(block) { out[cid] = block }
            offset = end
        }
        return out
    }

    #if !hasFeature(Embedded)  // the browser reads bootstraps, writers make them
        /// `bootstrap.car` for the index `manifest` names, its blocks read from `store`: a
        /// function of the manifest's root and summary and of the blocks, so a host that holds
        /// the blocks (a hub, a publish destination) writes the file the signer hashed.
        public static func file(for manifest: Manifest, store: BlockStore) throws(ReadFailure) -> [UInt8] {
            var segments: [SegmentInfo] = []
            for c in manifest.searchedSegments { segments.append(try SegmentInfo(cbor: try DagCBOR.decode(try store.get(c)))) }
            let blocks = try collect(named: [manifest.root] + manifest.namedBlocks, segments: segments, store: store)
            return file(root: manifest.root, blocks)
        }

        /// Writes `bootstrap.car` into `folder` beside the manifest `bytes` (its blocks in
        /// `store`) when that manifest signs one and the file rebuilt here hashes to it; a
        /// publish destination or a hub holds the blocks, not the file. Returns whether it did.
        @discardableResult
        public static func writeFile(forManifest bytes: [UInt8], store: BlockStore, folder: String) throws -> Bool {
            let manifest = try Manifest.parse(bytes, path: folder + "/" + Manifest.fileName)
            guard !manifest.bootstrapHash.isEmpty else { return false }
            let data = try file(for: manifest, store: store)
            guard hash(data) == manifest.bootstrapHash else { return false }
            try FileSystem.writeAtomically(folder + "/" + fileName, data, sync: true)
            return true
        }

        /// The bootstrap of an index: `named` (the blocks opening reads, in order) and the upper
        /// levels of every listed segment's postings, docs and (before format 3) text trees,
        /// read from `store`.
        public static func collect(
            named: [CID], segments: [SegmentInfo], store: BlockStore, budget nodeBudget: Int = nodeBudget
        ) throws(ReadFailure) -> [(cid: CID, bytes: [UInt8])] {
            var out: [(cid: CID, bytes: [UInt8])] = []
            var seen = Set<CID>()
            for (c, b) in zip(named, try store.getMany(named)) where seen.insert(c).inserted { out.append((c, b)) }
            // Frontiers: per tree kind, the nodes of the next level to add (roots first).
            let reader = NodeReader(store: store, cacheBytes: 4 << 20)
            let kinds: [ShardTree] = [.postings, .docs, .text]
            var frontier: [[ChildRef]] = kinds.map { _ in [] }
            for s in segments {
                for (k, kind) in kinds.enumerated() {
                    // A format 3 segment's records link their text chunks: queries never read its text tree.
                    if kind == .text && s.formatVersion >= 3 { continue }
                    guard let header = s.trees[kind.name] else { continue }
                    if let root = try Tree.open(header, reader: reader).root { frontier[k].append(root) }
                }
            }
            var budget = nodeBudget
            var first = true
            while frontier.contains(where: { !$0.isEmpty }) {
                // The roots, then the docs and text trees' next levels (a result page reads
                // them), then postings' (the term lookups).
                for k in (first ? [0, 1, 2] : [1, 2, 0]) where !frontier[k].isEmpty {
                    // The highest level first: trees of one kind differ in height across
                    // segments, and a query reads one level of all of them per round trip, so
                    // a tall tree's upper levels go before any tree's lowest internal level (16
                    // linux-doc segments: a frontier mixing level 2 and level 1 did not fit, and
                    // the tall trees' level 2 cost a round trip of its own).
                    let top = first ? nil : frontier[k].map(\.level).max()
                    let refs = frontier[k].filter { (top == nil || $0.level == top) && !seen.contains($0.cid) }
                    let blocks = try store.getMany(refs.map(\.cid))
                    let size = blocks.reduce(0) { $0 + $1.count }
                    if !first && size > budget {
                        frontier[k] = []
                        continue
                    }
                    budget -= size
                    var next = top.map { t in frontier[k].filter { $0.level != t } } ?? []
                    for (ref, b) in zip(refs, blocks) where seen.insert(ref.cid).inserted {
                        out.append((ref.cid, b))
                        // Internal nodes only: leaves are what a query picks, not what every query reads.
                        if ref.level > 1 { next += try reader.node(ref).children }
                    }
                    frontier[k] = next
                }
                first = false
            }
            return out
        }
    #endif
}

/// A store answering a manifest's bootstrap blocks from memory and everything else from the
/// index's own store, so a reader fetches only what the bootstrap lacks.
final class BootstrapStore: BlockStore {
    let upstream: BlockStore
    let blocks: [CID: [UInt8]]
    var name: String { upstream.name }

    init(_ upstream: BlockStore, blocks: [CID: [UInt8]]) {
        self.upstream = upstream
        self.blocks = blocks
    }

    func get(_ cid: CID) throws(ReadFailure) -> [UInt8] { try getMany([cid])[0] }

    /// The held blocks, and the others from upstream in one batch (none when all are held).
    /// Upstream's `getMany`, not `getPresent`: the page's store notes what a batch lacks there.
    func getMany(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]] {
        var out = cids.map { blocks[$0] }
        let missing = cids.indices.filter { out[$0] == nil }
        if !missing.isEmpty {
            for (i, b) in zip(missing, try upstream.getMany(missing.map { cids[$0] })) { out[i] = b }
        }
        return out.map { $0! }
    }

    func getPresent(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]?] {
        var out = cids.map { blocks[$0] }
        let missing = cids.indices.filter { out[$0] == nil }
        if !missing.isEmpty {
            for (i, b) in zip(missing, try upstream.getPresent(missing.map { cids[$0] })) { out[i] = b }
        }
        return out
    }

    func has(_ cid: CID) throws(ReadFailure) -> Bool {
        if blocks[cid] != nil { return true }
        return try upstream.has(cid)
    }
    func holdsLocally(_ cid: CID) -> Bool { blocks[cid] != nil || upstream.holdsLocally(cid) }
    var fetchesRemotely: Bool { upstream.fetchesRemotely }
    func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure) { try upstream.put(bytes, cid: cid) }
}
