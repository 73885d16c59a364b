#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text decoded to UTF-8 for libxml2: either the caller's bytes unchanged (valid UTF-8, the
/// common case, no copy) or a converted copy.
enum DecodedText {
    case borrowed(UnsafeRawBufferPointer)
    case owned([UInt8])
}

/// Decodes `bytes` (BOM already removed) from `charset` to valid UTF-8, replacing every
/// malformed sequence with U+FFFD (one per maximal subpart, as the Encoding Standard does).
/// With `charset == nil` the bytes are read as UTF-8 unless they look like a legacy 8-bit
/// encoding (more malformed sequences than well-formed multi-byte ones), in which case they are
/// read as windows-1252: the browsers' locale default for Western pages.
/// Returns the charset actually used. Encodings iconv cannot open fall back to UTF-8.
func decodeToUTF8(_ bytes: UnsafeRawBufferPointer, charset: Charset?) -> (DecodedText, Charset) {
    switch charset {
    case .utf8?:
        return (repairedUTF8(bytes), .utf8)
    case nil:
        guard let firstError = firstInvalidUTF8(bytes) else { return (.borrowed(bytes), .utf8) }
        let (valid, invalid) = countUTF8Sequences(bytes, from: 0)
        if invalid > valid { return (.owned(decodeWindows1252(bytes)), .windows1252) }
        return (.owned(repairUTF8(bytes, from: firstError)), .utf8)
    case .windows1252?:
        return (.owned(decodeWindows1252(bytes)), .windows1252)
    case .utf16LE?, .utf16BE?:
        return (.owned(decodeUTF16(bytes, bigEndian: charset == .utf16BE)), charset!)
    case let other?:
        if let name = other.iconvName, let out = decodeWithIconv(bytes, from: name) {
            return (.owned(out), other)
        }
        return (repairedUTF8(bytes), .utf8)
    }
}

private func repairedUTF8(_ bytes: UnsafeRawBufferPointer) -> DecodedText {
    guard let firstError = firstInvalidUTF8(bytes) else { return .borrowed(bytes) }
    return .owned(repairUTF8(bytes, from: firstError))
}

// MARK: - UTF-8

/// Length of the well-formed UTF-8 sequence at `i` (1...4), or minus the length of its maximal
/// malformed subpart (-1...-3) when it is not well formed.
@inline(__always)
func utf8SequenceLength(_ b: UnsafeRawBufferPointer, _ i: Int) -> Int {
    let n = b.count
    let c0 = b[i]
    if c0 < 0x80 { return 1 }
    var need: Int, lo: UInt8 = 0x80, hi: UInt8 = 0xBF
    switch c0 {
    case 0xC2...0xDF: need = 1
    case 0xE0: need = 2; lo = 0xA0
    case 0xE1...0xEC, 0xEE, 0xEF: need = 2
    case 0xED: need = 2; hi = 0x9F
    case 0xF0: need = 3; lo = 0x90
    case 0xF1...0xF3: need = 3
    case 0xF4: need = 3; hi = 0x8F
    default: return -1
    }
    var k = 1
    while k <= need {
        guard i + k < n else { return -k }
        let c = b[i + k]
        if k == 1 { guard c >= lo && c <= hi else { return -1 } } else { guard c & 0xC0 == 0x80 else { return -k } }
        k += 1
    }
    return need + 1
}

/// Offset of the first malformed UTF-8 sequence, or `nil`. ASCII is skipped eight bytes at a time.
func firstInvalidUTF8(_ b: UnsafeRawBufferPointer) -> Int? {
    let n = b.count
    guard let base = b.baseAddress else { return nil }
    var i = 0
    while i < n {
        if i + 8 <= n, base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
            continue
        }
        let len = utf8SequenceLength(b, i)
        if len < 0 { return i }
        i += len
    }
    return nil
}

/// Counts well-formed multi-byte sequences and malformed subparts from `start`; a sequence cut
/// off by the end of the buffer (a truncated record) is not counted as malformed.
func countUTF8Sequences(_ b: UnsafeRawBufferPointer, from start: Int) -> (valid: Int, invalid: Int) {
    var valid = 0, invalid = 0, i = start
    while i < b.count {
        if b[i] < 0x80 { i += 1; continue }
        let len = utf8SequenceLength(b, i)
        if len > 0 {
            valid += 1; i += len
        } else {
            if i - len < b.count { invalid += 1 }
            i -= len
        }
    }
    return (valid, invalid)
}

/// A copy of `b` with every malformed subpart from `start` on replaced by U+FFFD.
func repairUTF8(_ b: UnsafeRawBufferPointer, from start: Int) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(b.count + b.count / 8 + 16)
    out.append(contentsOf: b[0..<start])
    var i = start
    while i < b.count {
        let len = utf8SequenceLength(b, i)
        if len > 0 {
            out.append(contentsOf: b[i..<(i + len)])
            i += len
        } else {
            out.append(contentsOf: replacementCharacter)
            i -= len
        }
    }
    return out
}

private let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]

@inline(__always)
func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
    switch v {
    case 0..<0x80: out.append(UInt8(v))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (v >> 6))); out.append(UInt8(0x80 | (v & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (v >> 12))); out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (v & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (v >> 18))); out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((v >> 6) & 0x3F))); out.append(UInt8(0x80 | (v & 0x3F)))
    }
}

// MARK: - windows-1252 and UTF-16 (decoded here: common, and simple enough to need no iconv)

/// windows-1252 bytes 0x80...0x9F; the rest of the encoding is ISO-8859-1.
private let windows1252High: [UInt16] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
]

func decodeWindows1252(_ b: UnsafeRawBufferPointer) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(b.count + b.count / 4 + 16)
    for c in b {
        if c < 0x80 {
            out.append(c)
        } else if c < 0xA0 {
            appendUTF8(UInt32(windows1252High[Int(c) - 0x80]), to: &out)
        } else {
            appendUTF8(UInt32(c), to: &out)
        }
    }
    return out
}

func decodeUTF16(_ b: UnsafeRawBufferPointer, bigEndian: Bool) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(b.count * 3 / 2 + 16)
    let units = b.count / 2
    func unit(_ k: Int) -> UInt32 {
        bigEndian ? UInt32(b[2 * k]) << 8 | UInt32(b[2 * k + 1]) : UInt32(b[2 * k + 1]) << 8 | UInt32(b[2 * k])
    }
    var k = 0
    while k < units {
        let u = unit(k)
        k += 1
        if u & 0xFC00 == 0xD800, k < units, unit(k) & 0xFC00 == 0xDC00 {
            appendUTF8(0x10000 + ((u - 0xD800) << 10) + (unit(k) - 0xDC00), to: &out)
            k += 1
        } else if u & 0xF800 == 0xD800 {
            out.append(contentsOf: replacementCharacter)
        } else {
            appendUTF8(u, to: &out)
        }
    }
    if b.count % 2 == 1 { out.append(contentsOf: replacementCharacter) }
    return out
}

// MARK: - Everything else through iconv

/// Converts with glibc iconv, U+FFFD for each byte iconv rejects; `nil` if iconv lacks `name`.
/// Output is bounded: at most 4 bytes of UTF-8 per input byte plus the replacements.
func decodeWithIconv(_ b: UnsafeRawBufferPointer, from name: String) -> [UInt8]? {
    let cd = iconv_open("UTF-8", name)
    guard let cd, Int(bitPattern: cd) != -1 else { return nil }
    defer { iconv_close(cd) }
    var out = [UInt8]()
    out.reserveCapacity(b.count * 2 + 16)
    let chunk = 64 * 1024
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: chunk) { scratch -> [UInt8] in
        guard let base = b.baseAddress else { return out }
        var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: CChar.self))
        var inLeft = b.count
        func drain(_ outLeft: Int) {
            scratch.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: chunk) {
                out.append(contentsOf: UnsafeBufferPointer(start: $0, count: chunk - outLeft))
            }
        }
        while inLeft > 0 {
            var outPtr: UnsafeMutablePointer<CChar>? = scratch.baseAddress
            var outLeft = chunk
            let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
            drain(outLeft)
            guard r == -1 else { continue }
            let e = errno
            if e == E2BIG { continue }
            out.append(contentsOf: replacementCharacter)
            if e == EILSEQ, inLeft > 0 {
                inPtr = inPtr! + 1
                inLeft -= 1
            } else {
                break  // EINVAL: an incomplete sequence at the end
            }
        }
        var outPtr: UnsafeMutablePointer<CChar>? = scratch.baseAddress
        var outLeft = chunk
        _ = iconv(cd, nil, nil, &outPtr, &outLeft)  // flush the shift state (ISO-2022-JP)
        drain(outLeft)
        return out
    }
}
