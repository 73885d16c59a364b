import Testing

@testable import Blocks

@Suite struct CIDTests {
    @Test func roundTripsThroughBase32() throws {
        let cid = CID(of: DagCBOR.map(sorting: [("a", .unsigned(1))]).encode())
        #expect(cid.description.hasPrefix("bafy"))
        #expect(try CID(cid.description) == cid)
        #expect(cid.bytes.prefix(6) == [0x01, 0x71, 0xa0, 0xe4, 0x02, 0x20])
    }

    @Test(arguments: ["", "b", "zQm", "bafy!", "b" + String(repeating: "a", count: 300)])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: BlockError.badCID(text)) { try CID(text) }
    }

    @Test func verifiesBlocks() throws {
        let block: [UInt8] = DagCBOR.bytes([1, 2, 3]).encode()
        let cid = CID(of: block)
        try cid.verify(block, source: "test")
        var bad = block
        bad[1] ^= 1
        #expect(throws: BlockError.mismatch(cid: cid, source: "test")) { try cid.verify(bad, source: "test") }
    }
}
