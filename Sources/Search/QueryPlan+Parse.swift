import Index
import Query

extension QueryPlan {
    /// The plan for a parsed query (see `QueryNode` for the shapes the parser guarantees).
    public init(_ node: QueryNode) {
        switch node {
        case .term(let field, let text):
            switch field {
            case nil: self = .word(text)
            case .body?: self = .field(.body, text)
            case .title?: self = .field(.title, text)
            case .url?: self = .field(.url, text)
            }
        // The url field keeps no positions: a url phrase is a url value, whose words the
        // engine checks in order against the URL (`url:"docs/saving"`).
        case .phrase(.url?, let text): self = .field(.url, text)
        case .phrase(_, let text): self = .phrase(text)
        case .prefix(_, let text): self = .prefix(text)
        case .filter(let kind, let value):
            switch kind {
            case .site: self = .field(.site, value)
            case .tag: self = .field(.tag, value)
            case .mention: self = .field(.mention, value)
            case .lang: self = .field(.lang, value)
            case .group: self = .group(value)
            case .from: self = .field(.author, value)
            case .thread: self = .thread(value)
            }
        case .dateRange(let from, let to):
            self = .dateRange(from: from, to: to)
        case .and(let items): self = .and(items.map(QueryPlan.init))
        case .or(let items): self = .or(items.map(QueryPlan.init))
        case .not(let inner): self = .not(QueryPlan(inner))
        }
    }
}
