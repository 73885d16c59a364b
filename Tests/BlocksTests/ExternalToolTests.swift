import Blocks
import Foundation
import ProllyTree
import Testing
import TextTestSupport

/// Checks our blocks and CAR files with independent IPLD implementations from PyPI:
/// `libipld` (Rust) decodes the CAR and re-encodes every block, `multiformats` recomputes CIDs.
@Suite(.tags(.python), .needsExternalTools) struct ExternalToolTests {
    static let script = PythonChecker.carScript

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
