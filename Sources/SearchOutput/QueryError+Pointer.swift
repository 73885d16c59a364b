import Query
import Snippets

extension QueryError {
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
