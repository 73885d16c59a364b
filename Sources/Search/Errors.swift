/// Why a query that parsed cannot be evaluated (the query's own mistakes are `QueryError`s).
public enum SearchError: Error, Equatable, CustomStringConvertible {
    /// Only exclusions or filters, nothing that selects documents.
    case nothingToSearch
    /// A `group:` value that is not a hex group ID.
    case badGroup(String)
    /// A query or facet needing the peer-to-peer fields over segments written before them.
    case needsFormat2(what: String, segments: [String])

    public var description: String {
        switch self {
        case .nothingToSearch: "the query has nothing to search for (only exclusions or filters with no words)"
        case .badGroup(let g): "group: wants a 16-digit hex group ID, not \(g)"
        case .needsFormat2(let what, let segments):
            "\(what) needs segments of format indexer-segment/2; \(segments.count) segment(s) of this index are older "
                + "(\(segments.prefix(3).joined(separator: ", "))\(segments.count > 3 ? ", …" : "")): rebuild them with this version"
        }
    }
}
