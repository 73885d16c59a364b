/// RFC 4648 base32 without padding: lower case as IPFS prints CIDv1 (multibase `b`), upper
/// case as WARC writers print digests (`sha1:3I42H3S6…`).
public enum Base32 {
    static let lower = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    static let upper = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8], uppercase: Bool = false) -> String {
        let alphabet = uppercase ? upper : lower
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for b in bytes {
            buffer = (buffer << 8) | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes lower- or upper-case base32; nil on any other character or on non-zero trailing
    /// bits. `padded`: trailing `=` are accepted (and ignored), as some WARC writers add them.
    public static func decode(_ text: Substring, padded: Bool = false) -> [UInt8]? {
        var utf8 = text.utf8[...]
        if padded { while utf8.last == UInt8(ascii: "=") { utf8 = utf8.dropLast() } }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for c in utf8 {
            let v: UInt32
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): v = UInt32(c - UInt8(ascii: "2")) + 26
            default: return nil
            }
            buffer = (buffer << 5) | v
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        if bits >= 5 || (buffer & ((1 << UInt32(bits)) - 1)) != 0 { return nil }
        return out
    }
}
