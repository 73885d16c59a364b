/// A record or byte range that could not be turned into a document although it should have been:
/// damaged compression, a truncated record, an unreadable file. These set exit status 3.
public struct Skip: Sendable, Hashable, CustomStringConvertible {
    public var source: SourceRef
    /// A short, stable reason used to group skips in summaries (e.g. `truncated record`).
    public var reason: String
    /// Specifics for a person: the library's message, the URL, what was expected.
    public var detail: String

    public init(_ source: SourceRef, _ reason: String, _ detail: String = "") {
        self.source = source
        self.reason = reason
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "\(source): \(reason)" : "\(source): \(reason): \(detail)"
    }
}

/// What became of one record. `ignored` records are left out by policy (request and metadata
/// records, images and scripts, error pages); they are counted by reason, not listed, and do not
/// change the exit status. `recovered` notes a repair that kept the document (a wrong
/// Content-Length resynchronised, an undecodable Content-Encoding replaced by the raw body).
public enum Outcome: Sendable {
    case document(Document, recovered: [String])
    case ignored(reason: String)
    case skipped(Skip)
}
