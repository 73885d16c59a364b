/// Byte-level helpers over valid UTF-8 (text that came from a `String`): scalar decoding,
/// whitespace, terminal width and sentence boundaries. Snippets scan documents with these
/// rather than iterating `Character`s.
public enum TextScan {
    /// The scalar starting at `i` and its length in bytes. `i` must be a scalar boundary.
    @inline(__always)
    static func decode(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> (scalar: UInt32, length: Int) {
        let b0 = UInt32(b[i])
        if b0 < 0x80 { return (b0, 1) }
        if b0 < 0xE0, i + 1 < b.count { return ((b0 & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), 2) }
        if b0 < 0xF0, i + 2 < b.count {
            return ((b0 & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), 3)
        }
        if i + 3 < b.count {
            return ((b0 & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F), 4)
        }
        return (0xFFFD, 1)
    }

    /// True for a UTF-8 continuation byte (not the start of a scalar).
    @inline(__always)
    static func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

    /// The scalar boundary at or before `i`.
    static func boundary(atOrBefore i: Int, in b: UnsafeBufferPointer<UInt8>) -> Int {
        var j = min(i, b.count)
        while j > 0, j < b.count, isContinuation(b[j]) { j -= 1 }
        return j
    }

    public static func isSpace(_ s: UInt32) -> Bool {
        switch s {
        case 0x20, 0x09...0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// C0 and C1 controls (including ESC) and other invisible format characters that must
    /// never reach a terminal from document text.
    public static func isControl(_ s: UInt32) -> Bool {
        s < 0x20 || (0x7F...0x9F).contains(s) || s == 0x200B || s == 0xFEFF || (0x202A...0x202E).contains(s)
            || (0x2066...0x2069).contains(s)
    }

    /// Ends a sentence: `.` `!` `?` need whitespace after them to count (so `3.14` and `e.g`
    /// mid-word do not); the CJK full stops do not.
    static func isTerminator(_ s: UInt32) -> Bool {
        s == 0x2E || s == 0x21 || s == 0x3F || s == 0x2026 || s == 0x203C || isCJKTerminator(s)
    }

    static func isCJKTerminator(_ s: UInt32) -> Bool {
        s == 0x3002 || s == 0xFF01 || s == 0xFF1F || s == 0xFF0E
    }

    static func isLineBreak(_ s: UInt32) -> Bool {
        s == 0x0A || s == 0x0D || s == 0x2028 || s == 0x2029 || s == 0x85
    }

    /// A letter, digit or mark of a script that separates words with spaces: a cut between
    /// two of these cuts a word. Unspaced scripts (Han, kana, Thai, Lao, Khmer, Myanmar) may be
    /// cut between any two characters.
    static func isSpacedWordScalar(_ v: UInt32) -> Bool {
        if v < 0x80 { return (v >= 0x30 && v <= 0x39) || ((v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A) }
        switch v {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1780...0x17FF, 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xF900...0xFAFF, 0xFF66...0xFF9F, 0x20000...0x3FFFD:
            return false
        default:
            return isWordScalar(v)
        }
    }

    /// Whether the stdlib calls a scalar from U+0080 alphabetic, numeric or a nonspacing mark,
    /// from a table of its answers (WordScalars.swift): asking `Unicode.Scalar.Properties`
    /// would link the stdlib's property tables into the wasm module (54 KB).
    static func isWordScalar(_ v: UInt32) -> Bool {
        // The last run that starts at or before `v`.
        var low = 0, high = wordScalarRanges.count / 2
        while low < high {
            let mid = (low + high) / 2
            if wordScalarRanges[2 * mid] <= v { low = mid + 1 } else { high = mid }
        }
        return low > 0 && v <= wordScalarRanges[2 * low - 1]
    }

    /// Terminal columns of a scalar: 2 for East Asian wide and fullwidth characters and emoji,
    /// 0 for combining marks, joiners and variation selectors, else 1. An approximation of
    /// `wcwidth`, good enough to size snippets and place carets.
    public static func columns(_ v: UInt32) -> Int {
        if v < 0x300 { return 1 }
        switch v {
        case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
            0x0E31, 0x0E34...0x0E3A, 0x0E47...0x0E4E, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF,
            0x200B...0x200F, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F, 0xE0100...0xE01EF:
            return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
            0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// The first position in `from..<to` where one of `needles` starts, comparing ASCII letters
    /// case-insensitively (needles are lower-case analyzed terms) and other bytes exactly.
    static func firstOccurrence(of needles: [[UInt8]], in b: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard !needles.isEmpty, from < to else { return nil }
        var firsts = [Bool](repeating: false, count: 256)
        for n in needles {
            firsts[Int(n[0])] = true
            if n[0] >= 0x61 && n[0] <= 0x7A { firsts[Int(n[0] - 0x20)] = true }
        }
        var i = from
        while i < to {
            if firsts[Int(b[i])] {
                for n in needles where i + n.count <= b.count {
                    var k = 0
                    while k < n.count {
                        var c = b[i + k]
                        if c >= 0x41 && c <= 0x5A { c += 0x20 }
                        if c != n[k] { break }
                        k += 1
                    }
                    if k == n.count { return i }
                }
            }
            i += 1
        }
        return nil
    }
}

/// First and last scalar of each run from U+0080 that is alphabetic, numeric or a nonspacing
/// mark, ascending: `wordScalarDistances` (WordScalars.swift, generated) decoded once.
let wordScalarRanges: [UInt32] = {
    var ranges: [UInt32] = []
    var scalar: UInt32 = 0, distance: UInt32 = 0, shift: UInt32 = 0
    for byte in wordScalarDistances {
        distance |= UInt32(byte & 0x7F) << shift
        shift += 7
        if byte < 0x80 {
            scalar += distance
            ranges.append(scalar)
            distance = 0
            shift = 0
        }
    }
    return ranges
}()
