import Blocks
import Foundation
import Support
import Testing

@testable import ProllyTree

/// Nodes come from untrusted stores: every malformed input must throw, never trap.
@Suite struct UntrustedNodeTests {
    func sampleBlocks() throws -> [(CID, [UInt8])] {
        let store = MemoryStore()
        var rng = SplitMix(seed: 77)
        let keys = randomKeys(800, &rng)
        _ = try build(keys.map { ($0, value(for: $0)) }, store: store)
        return try store.allCIDs.sorted().map { ($0, try store.get($0)) }.filter { tryDecode($0.1, $0.0) }
    }

    /// Decodes a node's block and, separately, its raw payload, as a reader would.
    func tryDecode(_ bytes: [UInt8], _ cid: CID) -> Bool {
        (try? NodeCodec.decode(bytes, cid: cid)) != nil
    }

    @Test func mutatedTruncatedAndRandomBlocksThrow() throws {
        let blocks = try sampleBlocks()
        var rng = SplitMix(seed: 1234)
        var decoded = 0
        // Mutations of real blocks: the envelope, the zstd frame or, after re-compression, the payload.
        for i in 0..<60_000 {
            let (cid, original) = blocks[i % blocks.count]
            var bytes = original
            switch i % 4 {
            case 0: bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            case 1: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 2: bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
                }
            }
            if tryDecode(bytes, cid) { decoded += 1 }
        }
        // Payload-level mutations: decompress, mutate, feed the payload decoder directly.
        var payloads: [([CID], [UInt8])] = []
        for (cid, bytes) in blocks { payloads.append(try NodeCodec.open(bytes, cid: cid)) }
        for i in 0..<240_000 {
            let (links, original) = payloads[i % payloads.count]
            var p = original
            let edits = Int.random(in: 1...3, using: &rng)
            for _ in 0..<edits {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: if !p.isEmpty { p[Int.random(in: 0..<p.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                case 1: p = Array(p.prefix(Int.random(in: 0...p.count, using: &rng)))
                default: p.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...p.count, using: &rng))
                }
            }
            var l = links
            if Int.random(in: 0..<8, using: &rng) == 0, !l.isEmpty { l.removeLast() }
            let cid = blocks[0].0
            if let node = try? p.withUnsafeBytes({ try NodeCodec.decodePayload($0, links: l, cid: cid) }) {
                decoded += 1
                // What the decoder accepts is canonical: it encodes back to the same bytes.
                #expect(NodeCodec.payload(node) == p)
                #expect(NodeCodec.links(node) == l)
            }
        }
        // Some mutations land in values and stay valid; the point is that nothing trapped.
        #expect(decoded < 300_000)
    }

    @Test func aNodeThatContradictsItsParentIsRejected() throws {
        let store = MemoryStore()
        let a = try build((0..<3000).map { (key($0), [1]) }, store: store)
        let b = try build((0..<3000).map { (key($0 * 2), [1]) }, store: store)
        // Graft b's first child under a's record of its first child: CIDs verify, ranges do not.
        let aRoot = try a.reader.node(a.root!)
        let bRoot = try b.reader.node(b.root!)
        var forged = aRoot.children[0]
        forged.cid = bRoot.children[0].cid
        let reader = NodeReader(store: store)
        #expect { try reader.node(forged) } throws: { error in
            guard case TreeError.corruptNode(let cid, _) = error else { return false }
            return cid == forged.cid
        }
    }

    @Test func corruptBlocksInTheStoreAreNamed() throws {
        // Whatever byte is flipped, reading the tree fails, and over a verifying folder store
        // the error names the damaged block.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try DirectoryStore(root: dir)
        let tree = try build((0..<3000).map { (key($0), [1]) }, store: store)
        let victim = try tree.reader.node(tree.root!).children[1].cid
        var rng = SplitMix(seed: 41)
        let original = try store.get(victim)
        for _ in 0..<20 {
            var bytes = original
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            try FileSystem.writeAtomically(store.path(of: victim), bytes)
            let reopened = try Tree.open(tree.headerCID, store: store)
            #expect { _ = try allEntries(reopened) } throws: { "\($0)".contains(victim.description) }
        }
    }
}
