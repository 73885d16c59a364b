/// Parses the query language of `indexer search` into a `QueryNode`.
///
/// Syntax (lexical details in `QueryLexer`):
///
///     query  := or
///     or     := and ( ("OR" | "|") and )*
///     and    := unary ( "AND"? unary )*           words side by side must all match
///     unary  := ("-" | "NOT") unary | primary
///     primary:= "(" or ")" | "\"phrase\"" | word | word* | field:value | field:(or)
///
/// so NOT binds tighter than AND, and AND tighter than OR: `a b OR c -d` is `(a b) OR (c -d)`.
///
/// Fields: `title:`, `body:`, `url:` restrict words, phrases and prefixes (also a whole group:
/// `title:(rust OR go)`); `site:`, `tag:`/`#x`, `mention:`/`@x`, `group:`, `lang:`, `from:`
/// (an author) and `thread:URL` (a conversation) are exact filters. Dates (UTC; `2024`, `2024-05` or `2024-05-17`) follow Gmail: `after:D` keeps
/// captures from the start of D on (inclusive), `before:D` keeps captures before the start of D
/// (exclusive), `date:D` keeps captures within D, `date:D1..D2` those from the start of D1 to
/// the end of D2 (either may be left out). So `after:2024 before:2025` ≡ `date:2024` ≡
/// `date:2024-01..2024-12`.
///
/// Messy input is repaired rather than rejected: an unclosed quote or parenthesis closes at the
/// end, an unmatched `)` is dropped, a stray operator (`OR` at either end, `a AND`, a lone `-`)
/// is ignored. What cannot be repaired throws a `QueryError` (empty query, only exclusions, a
/// field without a value, an unknown field (`foo:bar`: a typo searched as words would quietly
/// find the wrong things), a bad date, an empty date range, a prefix on an exact filter,
/// over-long or over-nested input). A query of filters alone (`date:2024-05`, `group:ID`) is
/// accepted: it lists what the filters select.
public struct QueryParser: Sendable {
    /// Longest query accepted, in Unicode scalars.
    public var maxLength = 2048
    /// Deepest nesting of parentheses accepted.
    public var maxDepth = 32
    /// Most term, phrase, prefix, filter and date clauses accepted.
    public var maxClauses = 256

    public init() {}

    /// Parses `query`; throws `QueryError` with the offset of the problem.
    public func parse(_ query: String) throws(QueryError) -> QueryNode {
        var state = ParseState(query: query, limits: self)
        return try state.parseQuery()
    }

    /// `QueryParser().parse(query)`.
    public static func parse(_ query: String) throws(QueryError) -> QueryNode {
        try QueryParser().parse(query)
    }
}

/// One parse: tokens, a cursor, and the error context.
private struct ParseState {
    let query: String
    let limits: QueryParser
    var tokens: [QueryToken] = []
    var pos = 0
    var clauses = 0

    init(query: String, limits: QueryParser) {
        self.query = query
        self.limits = limits
    }

    /// An error at scalar offset `offset`, reported as a `Character` offset.
    func error(_ reason: QueryError.Reason, at offset: Int) -> QueryError {
        var characters = 0
        var scalars = 0
        for ch in query {
            let n = ch.unicodeScalars.count
            if scalars + n > offset { break }
            scalars += n
            characters += 1
        }
        return QueryError(reason, at: characters, in: query)
    }

    var peek: QueryToken? { pos < tokens.count ? tokens[pos] : nil }

    mutating func parseQuery() throws(QueryError) -> QueryNode {
        // Counted in scalars, which bound the work (one Character can hold any number of them).
        if query.unicodeScalars.count > limits.maxLength {
            throw error(.tooLong(limit: limits.maxLength), at: limits.maxLength)
        }
        tokens = QueryLexer.tokenize(query)

        // Top level: an unmatched `)` is dropped and parsing goes on; the parts are ANDed.
        var parts: [Located] = []
        while let t = peek {
            if t.kind == .close { pos += 1; continue }
            if let node = try parseOr(depth: 0, context: nil) { parts.append(node) }
        }
        guard let root = try combineAnd(parts) else {
            throw error(.empty, at: 0)
        }
        guard root.node.isSelective else {
            throw error(.onlyRestrictions, at: root.offset)
        }
        return root.node
    }

    /// A node with the offset of its first token, for error messages about it.
    struct Located {
        var node: QueryNode
        var offset: Int
    }

    mutating func parseOr(depth: Int, context: FieldName?) throws(QueryError) -> Located? {
        var branches: [Located] = []
        loop: while let t = peek {
            switch t.kind {
            case .close: break loop
            case .or, .and: pos += 1  // a stray or doubled operator
            default:
                // Stops at the end, a `)` or an OR (consumed on the next turn).
                if let branch = try parseAnd(depth: depth, context: context) { branches.append(branch) }
            }
        }
        if branches.count > 1 {
            for b in branches where !b.node.isSelective {
                throw error(.emptyOrSide, at: b.offset)
            }
        }
        return flatten(branches, or: true)
    }

    mutating func parseAnd(depth: Int, context: FieldName?) throws(QueryError) -> Located? {
        var items: [Located] = []
        while let t = peek, t.kind != .close, t.kind != .or {
            if t.kind == .and { pos += 1; continue }
            if let item = try parseUnary(depth: depth, context: context) { items.append(item) }
        }
        return try combineAnd(items)
    }

    mutating func parseUnary(depth: Int, context: FieldName?) throws(QueryError) -> Located? {
        // A run of negations, counted rather than recursed into so `- - - … x` cannot overflow.
        var negations = 0
        var start: Int?
        while let t = peek, t.kind == .not {
            if start == nil { start = t.offset }
            negations += 1
            pos += 1
        }
        guard let t = peek, t.kind != .close, t.kind != .or, t.kind != .and else { return nil }  // stray NOT
        guard let primary = try parsePrimary(depth: depth, context: context) else { return nil }
        if negations % 2 == 0 { return Located(node: primary.node, offset: start ?? primary.offset) }
        if case .not(let inner) = primary.node { return Located(node: inner, offset: start ?? primary.offset) }
        return Located(node: .not(primary.node), offset: start ?? primary.offset)
    }

    mutating func parsePrimary(depth: Int, context: FieldName?) throws(QueryError) -> Located? {
        guard let t = peek else { return nil }
        pos += 1
        switch t.kind {
        case .open:
            return try parseGroup(openedAt: t.offset, depth: depth, context: context)
        case .word(let text):
            return try leaf(text, isPhrase: false, field: context, explicit: false, at: t.offset, valueAt: t.offset)
        case .phrase(let text):
            return try leaf(text, isPhrase: true, field: context, explicit: false, at: t.offset, valueAt: t.offset)
        case .field(let name, let value):
            switch value {
            case .missing(let at):
                throw error(.missingValue(field: name.name), at: at)
            case .word(let text, let at):
                return try leaf(text, isPhrase: false, field: name, explicit: true, at: t.offset, valueAt: at)
            case .phrase(let text, let at):
                return try leaf(text, isPhrase: true, field: name, explicit: true, at: t.offset, valueAt: at)
            case .group:
                switch name {
                case .after, .before, .date:
                    throw error(.notADate(field: name.name), at: peek?.offset ?? t.offset)
                default:
                    guard let open = peek, open.kind == .open else { return nil }
                    pos += 1
                    return try parseGroup(openedAt: t.offset, depth: depth, context: name)
                }
            }
        case .unknownField(let name):
            throw error(.unknownField(name: name, known: FieldName.canonicalNames), at: t.offset)
        case .close, .or, .and, .not:
            return nil  // callers stop before these; kept total for safety
        }
    }

    mutating func parseGroup(openedAt offset: Int, depth: Int, context: FieldName?) throws(QueryError) -> Located? {
        guard depth < limits.maxDepth else {
            throw error(.tooDeep(limit: limits.maxDepth), at: offset)
        }
        let inner = try parseOr(depth: depth + 1, context: context)
        if peek?.kind == .close { pos += 1 }  // else unclosed: the group ends with the query
        return inner.map { Located(node: $0.node, offset: offset) }
    }

    /// A word or phrase under a field (or none): a term, prefix, phrase, filter or date range.
    /// `explicit` is true for `field:value` (an empty value is an error there) and false for a
    /// word inside `field:( … )` or with no field (an empty word is just dropped).
    mutating func leaf(
        _ raw: String, isPhrase: Bool, field: FieldName?, explicit: Bool,
        at offset: Int, valueAt: Int
    ) throws(QueryError) -> Located? {
        var text = raw
        var isPrefix = false
        if !isPhrase {
            var scalars = Substring(raw).unicodeScalars
            while scalars.last == "*" { scalars.removeLast(); isPrefix = true }
            while scalars.first == "*" { scalars.removeFirst() }
            text = String(scalars)
        }
        guard !text.isEmpty else {
            if explicit, let field { throw error(.missingValue(field: field.name), at: valueAt) }
            return nil
        }
        clauses += 1
        guard clauses <= limits.maxClauses else {
            throw error(.tooManyClauses(limit: limits.maxClauses), at: offset)
        }
        let node: QueryNode
        switch field {
        case nil, .text:
            let f: TextField? = if case .text(let tf) = field { tf } else { nil }
            node = isPhrase ? .phrase(field: f, text: text) : isPrefix ? .prefix(field: f, text: text) : .term(field: f, text: text)
        case .filter(let kind):
            if isPrefix {
                throw error(.prefixInFilter(field: kind.rawValue), at: valueAt + raw.unicodeScalars.count - 1)
            }
            guard let value = FilterValue.normalize(text, kind: kind) else {
                throw error(.notAHost(field: kind.rawValue), at: valueAt)
            }
            node = .filter(kind, value)
        case .after, .before, .date:
            guard let name = field else { return nil }
            // `date:A..B` is A through B, both whole (`date:2024-01..2024-03`: a quarter);
            // either end may be left open (`date:2024-05..`).
            let range = name == .date && !isPrefix ? Substring(text).firstMatch(of: "..") : nil
            let parts = range.map { [String(text[..<$0.lowerBound]), String(text[$0.upperBound...])] } ?? [text]
            var periods: [QueryPeriod?] = []
            for (k, part) in parts.enumerated() {
                if range != nil && part.isEmpty && parts.count == 2 {
                    periods.append(nil)
                    continue
                }
                let at = valueAt + (k == 0 ? 0 : parts[0].unicodeScalars.count + 2)
                let period: QueryPeriod?
                do {
                    period = isPrefix ? nil : try QueryPeriod.parse(Substring(part))
                } catch {
                    throw self.error(.noSuchDate(part), at: at)
                }
                guard let period else { throw error(.notADate(field: name.name), at: at) }
                periods.append(period)
            }
            guard periods.contains(where: { $0 != nil }) else { throw error(.notADate(field: name.name), at: valueAt) }
            // The end of year 9999 is not a date anyone can type; no capture lies past it.
            let endOfTime = QueryPeriod.epoch(year: 10_000, month: 1, day: 1)
            let first = periods[0], last = periods[periods.count - 1]
            switch name {
            case .after: node = .dateRange(from: first?.start, to: nil)
            case .before: node = .dateRange(from: nil, to: first?.start)
            default:
                let end = last.map { $0.end }.flatMap { $0 >= endOfTime ? nil : $0 }
                if let from = first?.start, let end, from >= end {
                    throw error(.emptyDateRange(after: QueryPeriod.text(for: from), before: QueryPeriod.text(for: end)), at: offset)
                }
                node = .dateRange(from: first?.start, to: end)
            }
        }
        return Located(node: node, offset: offset)
    }

    /// ANDs `items`: flattens nested ANDs, merges positive date ranges (throwing if they leave
    /// no date), removes duplicates, unwraps a single item.
    func combineAnd(_ items: [Located]) throws(QueryError) -> Located? {
        var from: Int64?
        var to: Int64?
        var dateAt: Int?
        var dateIndex = 0
        var rest: [Located] = []
        for item in items {
            let parts: [QueryNode]
            if case .and(let children) = item.node { parts = children } else { parts = [item.node] }
            for part in parts {
                guard case .dateRange(let f, let t) = part else {
                    rest.append(Located(node: part, offset: item.offset))
                    continue
                }
                if let f { from = max(from ?? f, f) }
                if let t { to = min(to ?? t, t) }
                if dateAt == nil { dateAt = item.offset; dateIndex = rest.count }
                if let a = from, let b = to, a >= b {
                    throw error(.emptyDateRange(after: QueryPeriod.text(for: a), before: QueryPeriod.text(for: b)), at: item.offset)
                }
            }
        }
        if let dateAt {
            rest.insert(Located(node: .dateRange(from: from, to: to), offset: dateAt), at: dateIndex)
        }
        return flatten(rest, or: false)
    }

    /// Flattens same-kind children, drops duplicates, unwraps one child; nil for none.
    func flatten(_ items: [Located], or isOr: Bool) -> Located? {
        var children: [QueryNode] = []
        for item in items {
            let parts: [QueryNode]
            switch (item.node, isOr) {
            case (.or(let c), true), (.and(let c), false): parts = c
            default: parts = [item.node]
            }
            // A linear search, not a Set: a query has few children, and hashing query nodes
            // costs the wasm page 5 KB.
            for p in parts where !children.contains(p) { children.append(p) }
        }
        guard let first = items.first else { return nil }
        if children.count == 1 { return Located(node: children[0], offset: first.offset) }
        return Located(node: isOr ? .or(children) : .and(children), offset: first.offset)
    }
}

/// Normalization of filter values, shared with `description` so printing and re-parsing agree.
enum FilterValue {
    /// The normalized value, or nil when nothing is left (e.g. `site:https://`). Quote
    /// characters are dropped from every kind (no host, tag, mention, group ID or language code
    /// holds one, and without them any value can be printed quoted), and so is surrounding
    /// whitespace. Idempotent: the steps repeat to a fixed point, since peeling one layer can
    /// expose another (`site:a://b://c:1`, `tag:"# #x"`).
    static func normalize(_ text: String, kind: FilterKind) -> String? {
        var value = text
        for _ in 0..<64 {
            let next = step(value, kind: kind)
            if next == value { break }
            value = next
        }
        return value.isEmpty ? nil : value
    }

    private static func step(_ text: String, kind: FilterKind) -> String {
        var scalars = String.UnicodeScalarView()
        for c in text.unicodeScalars where !QueryLexer.isQuote(c) {
            // A host has no spaces at all; other values only lose the surrounding ones.
            if kind == .site && QueryLexer.isSpace(c) { continue }
            scalars.append(c)
        }
        var value = Substring(String(scalars))
        switch kind {
        case .site: value = Substring(host(of: String(value)))
        case .tag: value = value.drop { $0 == "#" }
        case .mention, .from: value = value.drop { $0 == "@" }
        case .lang: value = Substring(value.lowercased())
        case .group, .thread: break
        }
        var v = value.unicodeScalars
        while let f = v.first, QueryLexer.isSpace(f) { v.removeFirst() }
        while let l = v.last, QueryLexer.isSpace(l) { v.removeLast() }
        return String(v)
    }

    /// `HTTPS://Example.COM:8080/path?q` → `example.com`; an IPv6 literal keeps its brackets.
    static func host(of text: String) -> String {
        var s = Substring(text)
        if let r = s.firstMatch(of: "://") { s = s[r.upperBound...] }
        if let slash = s.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { s = s[..<slash] }
        if let at = s.lastIndex(of: "@") { s = s[s.index(after: at)...] }
        if s.hasPrefix("[") {
            if let close = s.firstIndex(of: "]") { s = s[...close] }
        } else if let colon = s.lastIndex(of: ":"), s[s.index(after: colon)...].allSatisfy({ "0123456789".contains($0) }) {
            s = s[..<colon]
        }
        while s.hasSuffix(".") { s = s.dropLast() }
        return s.lowercased()
    }
}

extension Substring {
    /// The first occurrence of `needle`, compared `Character` by `Character` (as Foundation's
    /// `range(of:)`, which the query core cannot use: it also builds for Embedded Swift).
    func firstMatch(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start != endIndex {
            var i = start
            var j = needle.startIndex
            while j != needle.endIndex, i != endIndex, self[i] == needle[j] {
                formIndex(after: &i)
                needle.formIndex(after: &j)
            }
            if j == needle.endIndex { return start..<i }
            formIndex(after: &start)
        }
        return nil
    }
}
