/// The field names a query may use before a colon (case-insensitive), with their aliases.
enum FieldName: Equatable {
    case text(TextField)
    case filter(FilterKind)
    case after, before, date

    /// Every name and alias (lower case) with its field: looked up in a list rather than by a
    /// `switch` on the string, whose comparisons Embedded Swift writes out one by one (4.6 KB
    /// of the wasm module).
    private static let aliases: [(name: String, field: FieldName)] = [
        ("body", .text(.body)), ("title", .text(.title)), ("intitle", .text(.title)), ("url", .text(.url)), ("inurl", .text(.url)),
        ("site", .filter(.site)), ("host", .filter(.site)), ("tag", .filter(.tag)), ("mention", .filter(.mention)),
        ("group", .filter(.group)), ("lang", .filter(.lang)), ("language", .filter(.lang)), ("from", .filter(.from)),
        ("author", .filter(.from)), ("thread", .filter(.thread)), ("after", .after), ("since", .after), ("before", .before),
        ("until", .before), ("date", .date),
    ]

    static func named(_ name: String) -> FieldName? {
        let lower = name.lowercased()
        for alias in aliases where alias.name == lower { return alias.field }
        return nil
    }

    /// The canonical names, in the order an error message lists them.
    static let canonicalNames = ["title", "body", "url", "site", "tag", "mention", "group", "lang", "from", "thread", "after", "before", "date"]

    /// The canonical spelling, as `description` prints it.
    var name: String {
        switch self {
        case .text(let f): return f.rawValue
        case .filter(let k): return k.rawValue
        case .after: return "after"
        case .before: return "before"
        case .date: return "date"
        }
    }
}

/// One lexical unit of a query, with the offset (in Unicode scalars) where it starts.
struct QueryToken: Equatable {
    enum Kind: Equatable {
        case open, close, or, and, not
        case word(String)
        case phrase(String)
        /// A known field and its value; for `.group` the value is the parenthesized group that
        /// follows (the next token is `.open`).
        case field(FieldName, FieldValue)
        /// `name:value` shaped like a field whose name is not one (`foo:bar`); the parser refuses it.
        case unknownField(String)
    }

    enum FieldValue: Equatable {
        case word(String, at: Int)
        case phrase(String, at: Int)
        case group
        case missing(at: Int)
    }

    var kind: Kind
    var offset: Int
}

/// Splits a query into tokens. Never fails: characters with no meaning where they stand
/// (a lone `-`, `+`, `#`, `@` or `*`) are dropped; an unclosed quote runs to the end.
///
/// It reads Unicode scalars, not `Character`s: grapheme clustering depends on context (a space
/// followed by a combining mark is one `Character`, and a whitespace one), so a lexer over
/// `Character`s would read a word differently once it is printed in another context. Control
/// characters count as whitespace.
///
/// Rules, at the start of a token (after whitespace, `(` or `)`):
/// - `(` and `)`; `"…"` (also `“…”`, `„…“`, fullwidth `＂`) is a phrase.
/// - `OR`, `|`, `||` and `AND`, `&&`, `&`, `NOT` (upper case only) are operators when followed by
///   whitespace, a parenthesis, a quote or the end; lower-case `or` is an ordinary word.
/// - `-x` negates what follows; `+x` is the same as `x`.
/// - `#x` is `tag:x`, `@x` is `mention:x`.
/// - `name:value` where `name` is a known field (`FieldName`) is a field. The value is a quoted
///   phrase, a parenthesized group, or a raw word in which `-`, `#`, keywords and colons mean
///   nothing. Any other `name:value` with a field's shape (`foo:bar`, see `unknownFieldName`)
///   is an `.unknownField`; colons that are not a field's (`https://…`, `std::vec`,
///   `localhost:8080`, `mailto:a@b`) leave an ordinary word.
/// - Anything else is a word: it runs to whitespace or to a `)` that closes nothing inside the
///   word, so `f(x)` and `Foo_(bar)` stay one word.
struct QueryLexer {
    /// Unicode's White_Space scalars (`properties.isWhitespace`, spelled out so the wasm module
    /// needs no property tables) and the C0 and C1 controls.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0...0x20, 0x7F...0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// An ASCII letter or digit (`isASCII` and `properties.isAlphabetic` or `.numericType`).
    static func isASCIILetter(_ c: Unicode.Scalar) -> Bool { (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }
    static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    /// `"`, `“`, `”`, `„` and `＂` (a switch, not a Set: hashing scalars cost the wasm page 1 KB).
    static func isQuote(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x22, 0x201C, 0x201D, 0x201E, 0xFF02: true
        default: false
        }
    }

    let chars: [Unicode.Scalar]
    var i = 0

    init(_ chars: [Unicode.Scalar]) { self.chars = chars }

    static func tokenize(_ chars: [Unicode.Scalar]) -> [QueryToken] {
        var lexer = QueryLexer(chars)
        var out: [QueryToken] = []
        while let t = lexer.next() { out.append(t) }
        return out
    }

    static func tokenize(_ text: String) -> [QueryToken] { tokenize(Array(text.unicodeScalars)) }

    mutating func next() -> QueryToken? {
        while i < chars.count {
            let c = chars[i]
            let start = i
            if QueryLexer.isSpace(c) { i += 1; continue }
            switch c {
            case "(": i += 1; return QueryToken(kind: .open, offset: start)
            case ")": i += 1; return QueryToken(kind: .close, offset: start)
            case _ where QueryLexer.isQuote(c):
                return QueryToken(kind: .phrase(lexPhrase()), offset: start)
            case "-":
                i += 1
                if startsValue(at: i) { return QueryToken(kind: .not, offset: start) }
                continue
            case "+", "*":
                i += 1
                continue
            case "#", "@":
                i += 1
                guard startsValue(at: i), !"#@()-+".unicodeScalars.contains(chars[i]), !QueryLexer.isQuote(chars[i]) else { continue }
                let value = lexWord()
                return QueryToken(kind: .field(.filter(c == "#" ? .tag : .mention), .word(value, at: start + 1)), offset: start)
            default:
                break
            }
            if let op = keyword(at: i) {
                return QueryToken(kind: op, offset: start)
            }
            if let field = fieldName(at: i) {
                return QueryToken(kind: .field(field, lexValue()), offset: start)
            }
            if let name = unknownFieldName(at: i) {
                _ = lexWord()
                return QueryToken(kind: .unknownField(name), offset: start)
            }
            return QueryToken(kind: .word(lexWord()), offset: start)
        }
        return nil
    }

    private func startsValue(at j: Int) -> Bool {
        j < chars.count && !QueryLexer.isSpace(chars[j]) && chars[j] != ")"
    }

    private static let keywords: [([Unicode.Scalar], QueryToken.Kind)] = {
        let table: [(String, QueryToken.Kind)] = [
            ("OR", .or), ("||", .or), ("|", .or), ("AND", .and), ("&&", .and), ("&", .and), ("NOT", .not),
        ]
        return table.map { (Array($0.0.unicodeScalars), $0.1) }
    }()

    /// An operator keyword at `j` followed by a token boundary; consumes it.
    private mutating func keyword(at j: Int) -> QueryToken.Kind? {
        for (word, kind) in QueryLexer.keywords {
            let after = j + word.count
            guard after <= chars.count, chars[j..<after].elementsEqual(word) else { continue }
            if after == chars.count || QueryLexer.isSpace(chars[after]) || chars[after] == "(" || chars[after] == ")"
                || QueryLexer.isQuote(chars[after])
            {
                i = after
                return kind
            }
        }
        return nil
    }

    /// A known field name at `j` followed by `:`; consumes both.
    private mutating func fieldName(at j: Int) -> FieldName? {
        var k = j
        while k < chars.count, k - j <= 9, QueryLexer.isASCIILetter(chars[k]) { k += 1 }
        guard k > j, k < chars.count, chars[k] == ":",
            let field = FieldName.named(QueryLexer.string(chars[j..<k]))
        else { return nil }
        i = k + 1
        return field
    }

    /// URI schemes written without `//` whose URLs people paste as search words.
    private static let wordSchemes: Set<String> = [
        "about", "data", "doi", "geo", "javascript", "magnet", "mailto", "news", "sms", "tel", "urn", "xmpp",
    ]

    /// The name of `name:value` at `j` when it has a field's shape but no field's name: 2–16
    /// ASCII letters, a colon, then a value that is neither empty nor starts with `/`, `:` or
    /// a backslash (URLs, `std::vec`, Windows paths) nor is a port (`localhost:8080/x`), and the
    /// name is neither all capitals nor a scheme of slash-less URLs (`mailto:`, `urn:`). Such a typo would otherwise
    /// be searched as words and match nothing useful. Consumes nothing.
    private func unknownFieldName(at j: Int) -> String? {
        var k = j
        while k < chars.count, k - j <= 16, QueryLexer.isASCIILetter(chars[k]) { k += 1 }
        guard (2...16).contains(k - j), k + 1 < chars.count, chars[k] == ":" else { return nil }
        let first = chars[k + 1]
        guard !QueryLexer.isSpace(first), first != "/", first != ":", first != "\\", first != ")" else { return nil }
        // A port: digits, then the end or the rest of a URL (`localhost:8080/x`).
        var d = k + 1
        while d < chars.count, QueryLexer.isASCIIDigit(chars[d]) { d += 1 }
        if d > k + 1, d == chars.count || QueryLexer.isSpace(chars[d]) || "/?#".unicodeScalars.contains(chars[d]) { return nil }
        // All capitals is an acronym or a label in pasted text (`DAMON:数据…`, `TODO:x`), not a field.
        if chars[j..<k].allSatisfy({ $0.value < 0x61 }) { return nil }  // ASCII letters: capitals
        let name = QueryLexer.string(chars[j..<k]).lowercased()
        return QueryLexer.wordSchemes.contains(name) ? nil : name
    }

    /// The value right after `name:`.
    /// Leading stars are dropped (`title:*"x"` is `title:"x"`): a value never starts with one.
    private mutating func lexValue() -> QueryToken.FieldValue {
        while i < chars.count, chars[i] == "*" { i += 1 }
        let start = i
        guard i < chars.count, !QueryLexer.isSpace(chars[i]) else { return .missing(at: start) }
        if chars[i] == "(" { return .group }
        if QueryLexer.isQuote(chars[i]) { return .phrase(lexPhrase(), at: start) }
        let word = lexWord()
        return word.isEmpty ? .missing(at: start) : .word(word, at: start)
    }

    /// From an opening quote to the next quote or the end; trimmed.
    private mutating func lexPhrase() -> String {
        i += 1
        var start = i
        while i < chars.count, !QueryLexer.isQuote(chars[i]) { i += 1 }
        var end = i
        if i < chars.count { i += 1 }
        while start < end, QueryLexer.isSpace(chars[start]) { start += 1 }
        while end > start, QueryLexer.isSpace(chars[end - 1]) { end -= 1 }
        return QueryLexer.string(chars[start..<end])
    }

    /// To whitespace, or to a `)` that closes no `(` opened inside the word.
    private mutating func lexWord() -> String {
        let start = i
        var depth = 0
        while i < chars.count {
            let c = chars[i]
            if QueryLexer.isSpace(c) { break }
            if c == "(" { depth += 1 }
            if c == ")" {
                if depth == 0 { break }
                depth -= 1
            }
            i += 1
        }
        return QueryLexer.string(chars[start..<i])
    }

    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }
}
