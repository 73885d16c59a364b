/// A parsed query: what `QueryParser.parse` returns and what the evaluator walks.
///
/// Text is kept raw (as the user typed it, minus the query syntax): the evaluator runs the
/// index's analyzer over `term`, `phrase` and `prefix` texts, so a query and the documents are
/// always analyzed by the same code. A `term` whose text analyzes to several tokens (`foo-bar`,
/// `東京都`, `x86_64`'s pieces) is best evaluated as a phrase of those tokens.
///
/// Shapes the parser guarantees (the evaluator may rely on them):
/// - `and` and `or` have at least two children, none of them of the same kind (nested groups
///   are flattened) and no two equal; `not` never wraps a `not`.
/// - Texts and filter values are never empty. A `term` or `prefix` text without a field never
///   starts with `-`, `+`, `#`, `@`, `(` or a quote, and never ends with `*`; a `phrase` text
///   holds no quote characters and no leading or trailing whitespace.
/// - Within one `and`, the positive date restrictions are merged into one `dateRange`.
/// - The root, and every branch of an `or`, selects something by itself: it contains a positive
///   term, phrase, prefix, filter or date range (see `isSelective`). A query made only of
///   negations is rejected as "nothing to search for". A `group:` filter alone selects every
///   document of the group (the evaluator walks them); a date range, the days' postings.
public indirect enum QueryNode: Hashable, Sendable {
    /// A word. `field == nil` means the default fields (body and title).
    case term(field: TextField?, text: String)
    /// Words that must be adjacent and in order, as typed between quotes.
    case phrase(field: TextField?, text: String)
    /// Every term starting with the analyzed `text` (typed as `text*`).
    case prefix(field: TextField?, text: String)
    /// An exact-value restriction on a keyword field (`site:`, `#tag`, `@name`, `group:`,
    /// `lang:`). Values are normalized as `FilterKind` documents; not analyzed.
    case filter(FilterKind, String)
    /// Capture dates `from ≤ date < to`, in seconds since 1970-01-01 UTC (as `Document.date`);
    /// a nil bound is open. See `QueryParser` for how `after:`, `before:` and `date:` map to
    /// bounds.
    case dateRange(from: Int64?, to: Int64?)
    /// Every child must match.
    case and([QueryNode])
    /// At least one child must match.
    case or([QueryNode])
    /// The child must not match. Only meaningful next to something selective (an `and`).
    case not(QueryNode)
}

/// The analyzed text fields a word can be restricted to.
public enum TextField: String, Hashable, Sendable, CaseIterable {
    /// The extracted text of the document only (not the title).
    case body
    case title
    /// The words of the URL (host and path).
    case url
}

/// Keyword fields matched by exact (normalized) value.
public enum FilterKind: String, Hashable, Sendable, CaseIterable {
    /// A host name, lower-cased, without scheme, port, path or trailing dot
    /// (`site:https://Example.com/x` → `example.com`). Whether subdomains match is the
    /// evaluator's decision.
    case site
    /// A hashtag without its `#`, as typed (case folding is the index's normalization).
    case tag
    /// A mention without its `@`, as typed.
    case mention
    /// A group ID, as typed.
    case group
    /// A language code, lower-cased (`lang:EN-us` → `en-us`).
    case lang
    /// An author (`from:alice`, `from:alice@alice.example`), without a leading `@`.
    case from
    /// A conversation: the post at a URL, what it replies to, and every reply to it (`thread:URL`).
    case thread
}

extension QueryNode {
    /// True when this node selects documents by itself, so it can drive an evaluation (see the
    /// type's documentation). A negation only removes from what something else selects.
    public var isSelective: Bool {
        switch self {
        case .term, .phrase, .prefix, .filter, .dateRange: return true
        case .not: return false
        case .and(let children): return children.contains { $0.isSelective }
        case .or(let children): return children.allSatisfy { $0.isSelective }
        }
    }

    /// Every positive term, phrase and prefix (with its field), in query order: what snippets
    /// highlight. Texts are raw; analyze them before matching.
    public var positiveTexts: [(kind: PositiveKind, field: TextField?, text: String)] {
        // Labeled like the result: converting an array of unlabeled tuples is a dynamic cast,
        // which Embedded Swift (the wasm build) cannot do.
        var out: [(kind: PositiveKind, field: TextField?, text: String)] = []
        collectPositive(into: &out)
        return out
    }

    /// Which kind of positive clause a `positiveTexts` entry came from.
    public enum PositiveKind: Sendable { case term, phrase, prefix }

    private func collectPositive(into out: inout [(kind: PositiveKind, field: TextField?, text: String)]) {
        switch self {
        case .term(let f, let t): out.append((.term, f, t))
        case .phrase(let f, let t): out.append((.phrase, f, t))
        case .prefix(let f, let t): out.append((.prefix, f, t))
        case .filter, .dateRange, .not: break
        case .and(let c), .or(let c): for n in c { n.collectPositive(into: &out) }
        }
    }
}
