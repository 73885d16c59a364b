/// A query the parser could not repair: what is wrong (`reason`, a case a caller can match)
/// and where in the query it went wrong.
///
/// `offset` counts `Character`s (grapheme clusters) from the start of the query, 0-based; it
/// may equal the query's length ("at the end"); `pointer()` (with the outputs) draws a caret
/// under that spot.
public struct QueryError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Longer than the parser's limit (characters).
        case tooLong(limit: Int)
        /// No words at all.
        case empty
        /// Only exclusions, nothing that selects documents.
        case onlyRestrictions
        /// `name:value` where `name` (lowercased, without the colon) is not a field; `known`
        /// lists the fields.
        case unknownField(name: String, known: [String])
        /// One side of an `OR` selects nothing.
        case emptyOrSide
        /// `field:` with nothing after it (`field` as typed, without the colon).
        case missingValue(field: String)
        /// A date field (`after:`, `before:`, `date:`) whose value is not a date.
        case notADate(field: String)
        /// A well-formed date that does not exist (`2024-02-30`).
        case noSuchDate(String)
        /// Date ranges whose intersection is empty (both dates as written in the query language).
        case emptyDateRange(after: String, before: String)
        /// An exact-value filter (`site:`, `tag:`, ...) given a `prefix*`.
        case prefixInFilter(field: String)
        /// A filter whose value normalizes to nothing (for `site:`, not a host name).
        case notAHost(field: String)
        /// Parentheses nested deeper than the limit.
        case tooDeep(limit: Int)
        /// More clauses than the limit.
        case tooManyClauses(limit: Int)
    }

    public let reason: Reason
    public let offset: Int
    public let query: String

    public init(_ reason: Reason, at offset: Int, in query: String) {
        self.reason = reason
        self.offset = offset
        self.query = query
    }

    /// One line for a person, without the position.
    public var message: String {
        switch reason {
        case .tooLong(let n): "the query is too long (at most \(n) characters)"
        case .empty: "the query is empty: type some words to search for"
        case .onlyRestrictions: "nothing to search for: the query only excludes; add a word or a filter"
        case .unknownField(let name, let known):
            "unknown field \(name): (fields: \(known.map { $0 + ":" }.joined(separator: " "))); quote it to search for the words"
        case .emptyOrSide: "nothing to search for on this side of OR"
        case .missingValue(let f): "expected a value after \(f):"
        case .notADate(let f):
            "\(f): takes a date like 2024, 2024-05 or 2024-05-17" + (f == "date" ? ", or a range like 2024-01..2024-03" : "")
        case .noSuchDate(let text): "no such date: \(text)"
        case .emptyDateRange(let a, let b): "no date is both after \(a) and before \(b)"
        case .prefixInFilter(let f): "\(f): takes an exact value, not a prefix*"
        case .notAHost(let f): "\(f): needs a host name like example.com"
        case .tooDeep(let n): "parentheses nested too deeply (at most \(n))"
        case .tooManyClauses(let n): "too many clauses (at most \(n))"
        }
    }

    /// `message (column N)` with a 1-based column, for logs and `--json`.
    public var description: String { "\(message) (column \(offset + 1))" }
}
