/// A bounded UTF-8 buffer that collapses whitespace as a browser renders it: runs of spaces,
/// tabs and line breaks become one space, block boundaries become `\n` or `\n\n`, and nothing
/// leads or trails. Appends copy whole runs of non-space bytes at once; no `String` is made
/// until `string`.
struct TextSink {
    enum Separator: UInt8, Comparable {
        case none = 0, space, line, paragraph
        static func < (a: Separator, b: Separator) -> Bool { a.rawValue < b.rawValue }
    }

    private(set) var bytes: [UInt8] = []
    let limit: Int
    /// The separator owed before the next visible byte.
    var pending: Separator = .none
    /// Set once an append did not fit; later appends are dropped.
    private(set) var isFull = false

    init(limit: Int, reserve: Int = 0) {
        self.limit = limit
        bytes.reserveCapacity(min(limit, reserve))
    }

    var isEmpty: Bool { bytes.isEmpty }

    @inline(__always) mutating func separate(_ s: Separator) { if s > pending { pending = s } }

    /// Appends UTF-8 text from libxml2 (whole characters), collapsing whitespace. With
    /// `preformatted`, line feeds become line breaks instead of spaces. C0 controls count as
    /// space; U+00A0 (no-break space) does too, so words around `&nbsp;` stay apart.
    mutating func append(_ p: UnsafePointer<UInt8>, count n: Int, preformatted: Bool = false) {
        var i = 0
        while i < n {
            let c = p[i]
            if c <= 0x20 {
                separate(preformatted && c == 0x0A ? .line : .space)
                i += 1
                continue
            }
            if c == 0xC2, i + 1 < n, p[i + 1] == 0xA0 {
                separate(.space)
                i += 2
                continue
            }
            var j = i + 1
            while j < n {
                let d = p[j]
                if d <= 0x20 || (d == 0xC2 && j + 1 < n && p[j + 1] == 0xA0) { break }
                j += 1
            }
            write(p + i, count: j - i)
            if isFull { return }
            i = j
        }
    }

    /// Appends bytes that contain no whitespace to collapse, after the pending separator.
    private mutating func write(_ p: UnsafePointer<UInt8>, count n: Int) {
        guard !isFull else { return }
        if !bytes.isEmpty, pending != .none {
            let separator: (UInt8, Int) = pending == .space ? (0x20, 1) : pending == .line ? (0x0A, 1) : (0x0A, 2)
            guard bytes.count + separator.1 < limit else { isFull = true; return }
            for _ in 0..<separator.1 { bytes.append(separator.0) }
        }
        pending = .none
        var take = n
        if bytes.count + n > limit {
            take = max(0, limit - bytes.count)
            // Cut before a continuation byte so the text stays valid UTF-8.
            while take > 0, take < n, p[take] & 0xC0 == 0x80 { take -= 1 }
            isFull = true
        }
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: take))
    }

    mutating func append(cString p: UnsafePointer<UInt8>) {
        var n = 0
        while p[n] != 0 { n += 1 }
        append(p, count: n)
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// The text, or `nil` when nothing visible was appended.
    var nonEmptyString: String? { bytes.isEmpty ? nil : string }
}
