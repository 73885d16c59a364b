/// A query the parser could not repair: a one-line message and where in the query it went wrong.
///
/// `offset` counts `Character`s (grapheme clusters) from the start of the query, 0-based; it
/// may equal the query's length ("at the end"); `pointer()` (with the outputs) draws a caret
/// under that spot.
public struct QueryError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public let query: String

    public init(_ message: String, at offset: Int, in query: String) {
        self.message = message
        self.offset = offset
        self.query = query
    }

    /// `message (column N)` with a 1-based column, for logs and `--json`.
    public var description: String { "\(message) (column \(offset + 1))" }
}
