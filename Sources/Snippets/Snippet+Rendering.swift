/// How highlighted text is marked up for an output.
public enum HighlightStyle: Sendable, Hashable {
    /// ANSI bold on a terminal (`ESC[1m … ESC[22m`).
    case terminal
    /// `**term**`, for piped output (readable, and Markdown).
    case plain
    /// HTML-escaped text with `<mark>term</mark>`.
    case html
    /// No marks at all.
    case none
}

extension Snippet {
    /// `text` with its highlights marked in `style`.
    public func rendered(_ style: HighlightStyle) -> String {
        Snippet.mark(text, highlights, style)
    }

    /// Marks `highlights` (UTF-8 byte ranges, sorted, non-overlapping) in `text`. Ranges that
    /// are out of bounds or not on scalar boundaries are ignored rather than trusted.
    static func mark(_ text: String, _ highlights: [Range<Int>], _ style: HighlightStyle) -> String {
        let (open, close): (String, String)
        switch style {
        case .terminal: (open, close) = ("\u{1B}[1m", "\u{1B}[22m")
        case .plain: (open, close) = ("**", "**")
        case .html: (open, close) = ("<mark>", "</mark>")
        case .none: (open, close) = ("", "")
        }
        let bytes = Array(text.utf8)
        func piece(_ r: Range<Int>) -> String {
            let s = String(decoding: bytes[r], as: UTF8.self)
            return style == .html ? escapeHTML(s) : s
        }
        var out = ""
        out.reserveCapacity(bytes.count + highlights.count * 12)
        var at = 0
        for r in highlights {
            guard r.lowerBound >= at, r.upperBound <= bytes.count, r.lowerBound < r.upperBound,
                r.lowerBound == bytes.count || !TextScan.isContinuation(bytes[r.lowerBound]),
                r.upperBound == bytes.count || !TextScan.isContinuation(bytes[r.upperBound])
            else { continue }
            out += piece(at..<r.lowerBound) + open + piece(r) + close
            at = r.upperBound
        }
        return out + piece(at..<bytes.count)
    }

    /// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
    public static func escapeHTML(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return s }
        // By UTF-8 bytes: the five are ASCII, and never part of another scalar's bytes.
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            switch b {
            case 0x26: out += [0x26, 0x61, 0x6D, 0x70, 0x3B]  // &amp;
            case 0x3C: out += [0x26, 0x6C, 0x74, 0x3B]  // &lt;
            case 0x3E: out += [0x26, 0x67, 0x74, 0x3B]  // &gt;
            case 0x22: out += [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B]  // &quot;
            case 0x27: out += [0x26, 0x23, 0x33, 0x39, 0x3B]  // &#39;
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
