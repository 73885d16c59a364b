import Blocks
import ProllyTree

/// The blocks every query reads first, carried inside `manifest.json` so that a remote reader
/// gets them with the manifest instead of one round trip per tree level: the blocks opening
/// needs (index root, versions, segment roots, tree headers), then the upper levels of the
/// trees a query descends (postings, docs, text), whole levels at a time, within
/// `nodeBudget` bytes. A reader verifies each block against its CID before using it, as any
/// other block, so the manifest's signature adds nothing to their trust and a wrong one is
/// never used; an index without them reads as before (one more batch per level).
///
/// Encoding: the sections of a CAR v1 file without its header — per block, a varint of the
/// CID's and block's length together, the binary CID, the block — as one base64 string.
public enum Bootstrap {
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
        /// The bootstrap of an index: `named` (the blocks opening reads, in order) and the upper
        /// levels of every listed segment's postings, docs and text trees, read from `store`.
        public static func collect(named: [CID], segments: [SegmentInfo], store: BlockStore) throws(ReadFailure) -> [(cid: CID, bytes: [UInt8])] {
            var out: [(cid: CID, bytes: [UInt8])] = []
            var seen = Set<CID>()
            for (c, b) in zip(named, try store.getMany(named)) where seen.insert(c).inserted { out.append((c, b)) }
            // Frontiers: per tree kind, the nodes of the next level to add (roots first).
            let reader = NodeReader(store: store, cacheNodes: 64)
            let kinds: [ShardTree] = [.postings, .docs, .text]
            var frontier: [[ChildRef]] = kinds.map { _ in [] }
            for s in segments {
                for (k, kind) in kinds.enumerated() {
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
                    let refs = frontier[k].filter { !seen.contains($0.cid) }
                    let blocks = try store.getMany(refs.map(\.cid))
                    let size = blocks.reduce(0) { $0 + $1.count }
                    if !first && size > budget {
                        frontier[k] = []
                        continue
                    }
                    budget -= size
                    var next: [ChildRef] = []
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
    func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure) { try upstream.put(bytes, cid: cid) }
}
