extension Snippet {
    /// The snippet split into lines of at most `columns` terminal columns, each with its share
    /// of the highlights (a highlight crossing a break is split). Breaks at spaces (the space is
    /// dropped); a run with no space that is too long (CJK, long URLs) breaks between scalars.
    public func wrapped(columns: Int) -> [Snippet] {
        let width = max(columns, 1)
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return [self] }
        var lines: [Range<Int>] = []
        bytes.withUnsafeBufferPointer { b in
            var lineStart = 0
            var cols = 0
            var lastSpace = -1
            var i = 0
            while i < b.count {
                let (s, n) = TextScan.decode(b, i)
                let w = TextScan.columns(s)
                if s == 0x20 { lastSpace = i }
                if cols + w > width, i > lineStart, s != 0x20 {
                    if lastSpace > lineStart {
                        lines.append(lineStart..<lastSpace)
                        lineStart = lastSpace + 1
                    } else {
                        lines.append(lineStart..<i)
                        lineStart = i
                    }
                    lastSpace = -1
                    cols = TextScan.columns(b, lineStart, i)
                }
                cols += w
                i += n
            }
            lines.append(lineStart..<b.count)
        }
        return lines.map { line in
            let hs = highlights.compactMap { h -> Range<Int>? in
                let lo = max(h.lowerBound, line.lowerBound), hi = min(h.upperBound, line.upperBound)
                return lo < hi ? (lo - line.lowerBound)..<(hi - line.lowerBound) : nil
            }
            return Snippet(text: String(decoding: bytes[line], as: UTF8.self), highlights: hs, matched: matched)
        }
    }
}

extension TextScan {
    /// Terminal columns of bytes `from..<to` of `b`.
    static func columns(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var c = 0, i = from
        while i < to {
            let (s, n) = decode(b, i)
            c += columns(s)
            i += n
        }
        return c
    }

    /// Terminal columns of a string.
    public static func columns(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { $0 + columns($1.value) }
    }
}
