#if canImport(Glibc)
    import Glibc
#endif

/// Small byte helpers shared by the parsers; all work on raw buffers, never `Character`s.
enum Bytes {
    static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, space: UInt8 = 0x20, tab: UInt8 = 0x09, colon: UInt8 = 0x3A

    /// Index of the first `byte` in `b[from..<to]` (memchr), or nil.
    @inline(__always)
    static func find(_ byte: UInt8, in b: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard from < to, let base = b.baseAddress else { return nil }
        guard let p = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(p) - base
    }

    /// Index of the first occurrence of `needle` in `b[from..<to]`, or nil (memchr for its first
    /// byte, then a compare: needles here are short and their first byte is rare).
    static func find(_ needle: [UInt8], in b: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        guard !needle.isEmpty, to - from >= needle.count, let base = b.baseAddress else { return nil }
        let last = to - needle.count
        var k = from
        return needle.withUnsafeBytes { n -> Int? in
            while k <= last {
                guard let hit = find(needle[0], in: b, from: k, to: last + 1) else { return nil }
                if memcmp(base + hit, n.baseAddress!, needle.count) == 0 { return hit }
                k = hit + 1
            }
            return nil
        }
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// ASCII case-insensitive equality of `b[from..<to]` with lowercase `name`.
    @inline(__always)
    static func equalsLower(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ name: [UInt8]) -> Bool {
        guard to - from == name.count else { return false }
        for k in 0..<name.count where lower(b[from + k]) != name[k] { return false }
        return true
    }

    /// ASCII case-insensitive prefix test of `b[from...]` with lowercase `prefix`.
    @inline(__always)
    static func hasPrefixLower(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ prefix: [UInt8]) -> Bool {
        guard to - from >= prefix.count else { return false }
        for k in 0..<prefix.count where lower(b[from + k]) != prefix[k] { return false }
        return true
    }

    /// `b[from..<to]` without leading and trailing spaces, tabs, CR and LF.
    @inline(__always)
    static func trim(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> (Int, Int) {
        var s = from, e = to
        while s < e, b[s] == space || b[s] == tab || b[s] == cr || b[s] == lf { s += 1 }
        while e > s, b[e - 1] == space || b[e - 1] == tab || b[e - 1] == cr || b[e - 1] == lf { e -= 1 }
        return (s, e)
    }

    /// A String from `b[from..<to]`, invalid UTF-8 replaced.
    @inline(__always)
    static func string(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[from..<to]), as: UTF8.self)
    }

    /// A non-negative decimal integer filling `b[from..<to]`, or nil (also on overflow).
    static func decimal(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Int? {
        guard from < to, to - from <= 18 else { return nil }
        var v = 0
        for k in from..<to {
            let d = Int(b[k]) &- 48
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }
}
