import Index

/// What to evaluate, after parsing: the query language's constructs in a form the engine
/// compiles to iterators. Words are raw text; the engine analyzes them with the index's analyzer.
public indirect enum QueryPlan: Sendable, Equatable {
    /// A word: its terms in body or title, scored.
    case word(String)
    /// Consecutive words, in body or in title.
    case phrase(String)
    /// Terms starting with the (folded) prefix, in body or title.
    case prefix(String)
    /// A word in one field: `title:` and `url:` match analyzed words (a `url:` value of several
    /// words matches URLs holding them in that order, `url:docs/saving`); `site:` a host and
    /// the hosts under it; `tag:`, `mention:`, `lang:` exact keywords. Only `title:` is scored.
    case field(Field, String)
    /// Capture dates in [from, to) (seconds since 1970; either may be open).
    case dateRange(from: Int64?, to: Int64?)
    /// Documents of one group (hex group ID).
    case group(String)
    /// The conversation around the post at a URL: its root, and every reply (any group).
    case thread(String)
    case and([QueryPlan])
    case or([QueryPlan])
    case not(QueryPlan)
}

extension QueryPlan {
    /// Whether a `thread:` clause selects documents here (a thread reads best by date).
    public var hasThread: Bool {
        switch self {
        case .thread: true
        case .and(let items), .or(let items): items.contains { $0.hasThread }
        default: false
        }
    }
}
