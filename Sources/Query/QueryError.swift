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

    /// Terminal columns a character occupies (its scalars' widths; see `TextScan.columns`).
    static func columns(_ ch: Character) -> Int {
        ch.unicodeScalars.reduce(0) { $0 + TextScan.columns($1.value) }
    }
}
