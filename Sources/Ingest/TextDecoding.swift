/// Turns plain-text payloads into Strings: BOM first, then the declared charset (UTF-8, UTF-16,
/// ISO-8859-1 / windows-1252 / ASCII), else UTF-8 with U+FFFD for invalid bytes. HTML has its own
/// charset rules in HTMLText; this covers text/plain and Markdown.
enum TextDecoding {
    static func decode(_ b: UnsafeRawBufferPointer, charset: String?) -> String {
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[3...]), as: UTF8.self)
        }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE { return utf16(UnsafeRawBufferPointer(rebasing: b[2...]), bigEndian: false) }
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF { return utf16(UnsafeRawBufferPointer(rebasing: b[2...]), bigEndian: true) }
        switch charset?.lowercased() {
        case "utf-16le", "utf-16": return utf16(b, bigEndian: false)
        case "utf-16be": return utf16(b, bigEndian: true)
        case "iso-8859-1", "latin1", "latin-1", "l1", "iso8859-1", "windows-1252", "cp1252", "x-cp1252":
            // A declared Latin-1 that is valid UTF-8 is almost always mislabelled UTF-8.
            if isValidUTF8(b) { return String(decoding: b, as: UTF8.self) }
            return windows1252(b)
        default:
            return String(decoding: b, as: UTF8.self)
        }
    }

    static func isValidUTF8(_ b: UnsafeRawBufferPointer) -> Bool {
        var k = 0
        let n = b.count
        while k < n {
            let c = b[k]
            if c < 0x80 { k += 1; continue }
            let len: Int
            if c & 0xE0 == 0xC0 && c >= 0xC2 {
                len = 2
            } else if c & 0xF0 == 0xE0 {
                len = 3
            } else if c & 0xF8 == 0xF0 && c <= 0xF4 {
                len = 4
            } else {
                return false
            }
            guard k + len <= n else { return false }
            for j in 1..<len where b[k + j] & 0xC0 != 0x80 { return false }
            k += len
        }
        return true
    }

    private static func utf16(_ b: UnsafeRawBufferPointer, bigEndian: Bool) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(b.count / 2)
        var k = 0
        while k + 1 < b.count {
            units.append(bigEndian ? UInt16(b[k]) << 8 | UInt16(b[k + 1]) : UInt16(b[k + 1]) << 8 | UInt16(b[k]))
            k += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// windows-1252's 0x80–0x9F block; everything else maps to the same code point (Latin-1).
    private static let cp1252High: [UInt16] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    private static func windows1252(_ b: UnsafeRawBufferPointer) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(b.count)
        for c in b {
            units.append(c >= 0x80 && c < 0xA0 ? cp1252High[Int(c) - 0x80] : UInt16(c))
        }
        return String(decoding: units, as: UTF16.self)
    }
}
