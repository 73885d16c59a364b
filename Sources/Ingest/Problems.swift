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

/// A record kept as a document although it was damaged or incomplete: a wrong or missing
/// Content-Length found and corrected, a declared truncation (`WARC-Truncated`), an HTTP body
/// whose chunked framing or Content-Encoding could not be undone (the raw body is used). Listed
/// with its file and offset like a skip, but it sets exit status 2 (everything kept, some of it
/// repaired), not 3 (something lost).
public struct Repair: Sendable, Hashable, CustomStringConvertible {
    public var source: SourceRef
    /// The repairs made, in the order they were made (`Content-Length too long`, …).
    public var reasons: [String]

    public init(_ source: SourceRef, _ reasons: [String]) {
        self.source = source
        self.reasons = reasons
    }

    public var description: String { "\(source): \(reasons.joined(separator: "; "))" }
}

/// What became of one record. `ignored` records are left out by policy (request and metadata
/// records, images and scripts, error pages); they are counted by reason, not listed, and do not
/// change the exit status. `recovered` lists the repairs that kept the document (see `Repair`).
public enum Outcome: Sendable {
    case document(Document, recovered: [String])
    case ignored(reason: String)
    case skipped(Skip)
}
