import Blocks
import Foundation
import Index
import IndexTestSupport
import ProllyTree
import Testing
import TextTestSupport

/// Tree reads in the wasm module (the same Blocks and ProllyTree sources as the CLI) over
/// blocks fed to it as the page feeds them: the same values as the native `Tree.getMany`, one
/// round trip per tree level, and tampered blocks refused.
@Suite(.serialized) struct TreeParityTests {
    /// An index with short records and some texts long enough to be stored out of line.
    static func index() throws -> IndexView {
        var docs = corpus(300, seed: 14)
        for i in stride(from: 0, to: docs.count, by: 25) {
            docs[i].text += String(repeating: " long text \(i) for an out of line value", count: 60)
        }
        return try buildIndex(docs).0
    }

    /// Runs `request` until it stops asking for blocks, feeding it each round's blocks from
    /// `store`. Returns the final reply and the number of rounds that asked for blocks.
    static func fetching(_ session: WasmModule.Session, _ store: BlockStore, _ request: WasmModule.Request) throws -> (WasmModule.Reply, Int) {
        var rounds = 0
        while true {
            let reply = try session.call(request)
            guard reply.result == 2 else { return (reply, rounds) }
            rounds += 1
            let missing = WasmModule.unframed(reply.output)
            #expect(!missing.isEmpty)
            for cid in missing {
                let added = try session.call(.addBlock(cid: cid, try store.get(try CID(bytes: cid))))
                #expect(added.result == 0, "\(added.text)")
            }
            if rounds > 20 { Issue.record("no end to the rounds"); return (reply, rounds) }
        }
    }

    /// The reply's values: per key, nil or the bytes (a reply that does not parse ends the list
    /// early, and the caller's comparison fails).
    static func values(_ reply: WasmModule.Reply) -> [[UInt8]?] {
        var out: [[UInt8]?] = []
        var i = 0
        let b = reply.output
        while i < b.count {
            let present = b[i]
            i += 1
            if present == 0 { out.append(nil); continue }
            guard let n = Varint.read(b, &i), n <= UInt64(b.count - i) else { break }
            out.append(Array(b[i..<i + Int(n)]))
            i += Int(n)
        }
        return out
    }

    @Test func lookupsMatchNativeReadsLevelByLevel() throws {
        let view = try Self.index()
        let segment = view.segments[0]
        let session = try WasmModule.Session()
        defer { session.close() }
        for tree in [segment.docs, segment.text] {
            let all = Array(tree.scan()).map(\.key)
            // Format 3: a text tree entry per chunk, at least one per document.
            #expect(tree.headerCID == segment.text.headerCID ? all.count >= 300 : all.count == 300)
            var keys = stride(from: 0, to: all.count, by: 7).map { all[$0] }
            keys += [[], [0xff, 0xff], all[0] + [0], Array(all[5].dropLast())]  // absent ones
            let expected = try tree.getMany(keys)
            let (reply, rounds) = try Self.fetching(session, view.store, .treeGet(header: tree.headerCID.bytes, keys: keys))
            #expect(reply.result == 0, "\(reply.text)")
            #expect(Self.values(reply) == expected)
            // The header, then one round per level; out-of-line values (the long texts) in one more.
            let blobs = keys.contains { k in expected[keys.firstIndex(of: k)!].map { $0.count > tree.params.inlineLimit } ?? false }
            #expect(rounds == 1 + tree.height + (blobs ? 1 : 0), "\(tree.height) levels, blobs: \(blobs)")
            // Everything is held now: the same lookups need no round trip.
            let (again, more) = try Self.fetching(session, view.store, .treeGet(header: tree.headerCID.bytes, keys: keys))
            #expect(more == 0 && Self.values(again) == expected)
        }
    }

    @Test func tamperedBlocksAreRefusedAndStillMissing() throws {
        let view = try Self.index()
        let tree = view.segments[0].docs
        let session = try WasmModule.Session()
        defer { session.close() }
        let header = tree.headerCID.bytes
        let first = try session.call(.treeGet(header: header, keys: [[1]]))
        #expect(first.result == 2 && WasmModule.unframed(first.output) == [header])
        var bytes = try view.store.get(tree.headerCID)
        bytes[bytes.count / 2] ^= 0x01
        let refused = try session.call(.addBlock(cid: header, bytes))
        #expect(refused.result == 1 && refused.text.contains("does not match its CID"), "\(refused.text)")
        // A block from elsewhere under this CID is refused the same way.
        let other = try view.store.get(view.segments[0].text.headerCID)
        #expect(try session.call(.addBlock(cid: header, other)).result == 1)
        let again = try session.call(.treeGet(header: header, keys: [[1]]))
        #expect(again.result == 2 && WasmModule.unframed(again.output) == [header])
        #expect(try session.call(.addBlock(cid: [1, 2, 3], bytes)).result == 2)
    }
}
