import Support
import Testing

@Suite struct HexTests {
    static let all: [UInt8] = Array(0...255)

    @Test(
        arguments: [
            ([], ""),
            ([0x00], "00"),
            ([0x0f, 0xf0, 0xab], "0ff0ab"),
            (all, all.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()),
        ] as [([UInt8], String)])
    func encodes(bytes: [UInt8], text: String) {
        #expect(Hex.encode(bytes) == text)
        #expect(Hex.decode(text) == bytes)
        #expect(Hex.decode(text.uppercased()) == bytes)
    }

    @Test(arguments: ["0", "abc", "0g", "zz", " 00", "00 ", "+1", "é0"])
    func refuses(text: String) {
        #expect(Hex.decode(text) == nil)
    }
}
