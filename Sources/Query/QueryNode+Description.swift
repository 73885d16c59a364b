extension QueryNode: CustomStringConvertible {
    /// The query in canonical syntax: `QueryParser.parse(node.description) == node` for every
    /// node the parser produces (tested by the fuzz loop). Fields print under their canonical
    /// names, dates at the coarsest exact precision (`date:2024` for a whole year), `OR` in
    /// capitals, negation as `-`, and parentheses only where precedence needs them.
    ///
    /// For hand-built nodes that break the parser's shape guarantees (a term with a space, an
    /// `and` nested in an `and`), the text is a best effort: equivalent, not identical.
    public var description: String { render(parent: .top) }

    private enum Precedence: Int, Comparable {
        case top = 0, or, and, unary
        static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
    }

    private var precedence: Precedence {
        switch self {
        case .or: return .or
        case .and: return .and
        case .dateRange(let from?, let to?) where QueryPeriod.periodText(from: from, to: to) == nil: return .and
        default: return .unary
        }
    }

    private func render(parent: Precedence) -> String {
        let text: String
        switch self {
        case .term(let field, let t):
            text = QueryNode.fieldPrefix(field) + QueryNode.word(t, prefix: false, fielded: field != nil)
        case .prefix(let field, let t):
            text = QueryNode.fieldPrefix(field) + QueryNode.word(t, prefix: true, fielded: field != nil)
        case .phrase(let field, let t):
            text = QueryNode.fieldPrefix(field) + QueryNode.quoted(t)
        case .filter(let kind, let value):
            // A star at either end of a bare value would read as prefix syntax.
            let bare = QueryNode.isBareValue(value) && value.unicodeScalars.first != "*" && value.unicodeScalars.last != "*"
            text = kind.rawValue + ":" + (bare ? value : QueryNode.quoted(value))
        case .dateRange(let from, let to):
            switch (from, to) {
            case (let f?, let t?):
                if let p = QueryPeriod.periodText(from: f, to: t) {
                    text = "date:" + p
                } else {
                    text = "after:" + QueryPeriod.text(for: f) + " before:" + QueryPeriod.text(for: t)
                }
            case (let f?, nil): text = "after:" + QueryPeriod.text(for: f)
            case (nil, let t?): text = "before:" + QueryPeriod.text(for: t)
            case (nil, nil): text = "()"
            }
        case .and(let children):
            text = children.map { $0.render(parent: .and) }.joined(separator: " ")
        case .or(let children):
            text = children.map { $0.render(parent: .or) }.joined(separator: " OR ")
        case .not(let child):
            text = "-" + child.render(parent: .unary)
        }
        // Only a child binding looser than its context needs parentheses (`a b OR c` already
        // reads as `(a b) OR c`).
        guard precedence < parent else { return text }
        // A last word holding an unclosed `(` would swallow our `)` (words keep `f(x)` whole).
        let lastWord = text.unicodeScalars.reversed().prefix { !QueryLexer.isSpace($0) }
        let open = lastWord.reduce(0) { $0 + ($1 == "(" ? 1 : $1 == ")" ? -1 : 0) }
        return "(" + text + (open > 0 ? " )" : ")")
    }

    private static func fieldPrefix(_ field: TextField?) -> String {
        field.map { $0.rawValue + ":" } ?? ""
    }

    /// A term or prefix text as typed: bare when the lexer reads it back as the same word,
    /// otherwise quoted (a phrase: equivalent for the evaluator, not the same node).
    private static func word(_ t: String, prefix: Bool, fielded: Bool) -> String {
        let typed = prefix ? t + "*" : t
        let bare = fielded ? isBareValue(typed) : isBareWord(typed)
        if bare && t.unicodeScalars.last != "*" && t.unicodeScalars.first != "*" { return typed }
        return quoted(t)
    }

    private static func quoted(_ t: String) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: t.unicodeScalars.filter { !QueryLexer.isQuote($0) })
        return "\"" + String(s) + "\""
    }

    /// True when `t`, standing alone, lexes as exactly one plain word `t`.
    static func isBareWord(_ t: String) -> Bool {
        QueryLexer.tokenize(t) == [QueryToken(kind: .word(t), offset: 0)]
    }

    /// True when `t` after `field:` lexes back as the word value `t`.
    static func isBareValue(_ t: String) -> Bool {
        guard let first = t.unicodeScalars.first, first != "(", !QueryLexer.isQuote(first) else { return false }
        guard case .field(_, .word(let w, _))? = QueryLexer.tokenize("tag:" + t).first?.kind else { return false }
        return w == t
    }
}
