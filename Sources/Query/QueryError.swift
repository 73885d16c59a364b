/// A query the parser could not repair: a one-line message and where in the query it went wrong.
///
/// `offset` counts `Character`s (grapheme clusters) from the start of the query, 0-based; it
/// may equal the query's length ("at the end"). `pointer()` renders the query with a caret
/// under that spot, measured in terminal columns (East Asian wide characters take two).
public struct QueryError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public let query: String

    public init(_ message: String, at offset: Int, in query: String) {
        self.message = message
        self.offset = offset
        self.query = query
    }

    /// `message (column N)` with a 1-based column, for logs and `--json`.
    public var description: String { "\(message) (column \(offset + 1))" }

    /// Two lines: the query (control characters shown as spaces so columns line up) and a caret
    /// under the character at `offset`, both prefixed by `indent`. No trailing newline.
    public func pointer(indent: String = "  ") -> String {
        var line = ""
        var column = 0
        var caretColumn = 0
        for (i, ch) in query.enumerated() {
            if i == offset { caretColumn = column }
            let shown: Character = ch.unicodeScalars.first.map { $0.value < 0x20 || $0.value == 0x7F } == true ? " " : ch
            line.append(shown)
            column += QueryError.columns(shown)
        }
        if offset >= query.count { caretColumn = column }
        return indent + line + "\n" + indent + String(repeating: " ", count: caretColumn) + "^"
    }

    /// Terminal columns a character occupies: 2 for East Asian wide and fullwidth characters
    /// and emoji, 0 for a lone combining mark or zero-width character, else 1. An
    /// approximation of `wcwidth` good enough to place a caret.
    static func columns(_ ch: Character) -> Int {
        guard let v = ch.unicodeScalars.first?.value else { return 0 }
        switch v {
        case 0x200B...0x200F, 0x0300...0x036F, 0xFE00...0xFE0F: return 0
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }
}
