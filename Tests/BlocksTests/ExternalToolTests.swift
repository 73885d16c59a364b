import Blocks
import Foundation
import ProllyTree
import Testing
import TextTestSupport

/// Checks our blocks and CAR files with independent IPLD implementations from PyPI:
/// `libipld` (Rust) decodes the CAR and re-encodes every block, `multiformats` recomputes CIDs.
@Suite(.tags(.python), .needsExternalTools) struct ExternalToolTests {
    static let script = #"""
        import json, sys, libipld
        from multiformats import CID, multihash
        data = open(sys.argv[1], "rb").read()
        header, blocks = libipld.decode_car(data)
        out = {"roots": [CID.decode(bytes(r)).encode("base32") for r in header["roots"]], "version": header["version"], "blocks": {}}
        # decode_car drops the raw bytes, so walk the sections again to get them.
        def varint(b, i):
            v = s = 0
            while True:
                c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
                if c < 0x80: return v, i
        n, i = varint(data, 0); i += n
        while i < len(data):
            n, i = varint(data, i); section = data[i:i + n]; i += n
            cid = CID.decode(section[:38]); raw = section[38:]
            value = blocks[bytes(cid)]
            mine = CID("base32", 1, "dag-cbor", multihash.digest(raw, "blake2b-256"))
            out["blocks"][cid.encode("base32")] = {"canonical": libipld.encode_dag_cbor(value) == raw, "cid": mine.encode("base32")}
        print(json.dumps(out))
        """#

    @Test func carIsReadByLibipldAndCIDsMatchMultiformats() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("car-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try DirectoryStore(root: dir)
        // Enough keys for three levels, and values long enough to be stored out of line.
        let entries = (0..<20000).map { i -> ([UInt8], [UInt8]) in
            (Array("k\(100000 + i)".utf8), Array(repeating: UInt8(i % 251), count: i % 97 == 0 ? 3000 : 5))
        }
        let tree = try TreeBuilder.build(entries, store: store, params: TreeParameters(targetSize: 2048))
        #expect(tree.height >= 3)
        let carPath = dir + "/tree.car"
        let written = try CAR.export(root: tree.headerCID, from: store, to: carPath)

        var reachable: [String] = []
        try CAR.reachable(from: tree.headerCID, in: store) { cid, _ in reachable.append(cid.description) }
        #expect(written == reachable.count)

        let output = try PythonChecker.output(Self.script, arguments: [carPath])
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(json["roots"] as? [String] == [tree.headerCID.description])
        #expect(json["version"] as? Int == 1)
        let blocks = try #require(json["blocks"] as? [String: [String: Any]])
        #expect(Set(blocks.keys) == Set(reachable), "CAR blocks differ from the reachable set")
        for (cid, check) in blocks {
            #expect(check["canonical"] as? Bool == true, "block \(cid) is not canonical DAG-CBOR")
            #expect(check["cid"] as? String == cid)
        }

        // And the CAR comes back into a fresh store intact.
        let copy = MemoryStore()
        let (roots, count) = try CAR.importFile(carPath, into: copy)
        #expect(roots == [tree.headerCID])
        #expect(count == reachable.count)
        let reopened = try Tree.open(tree.headerCID, store: copy)
        #expect(try reopened.get(Array("k100097".utf8)) == Array(repeating: UInt8(97 % 251), count: 3000))
    }
}
