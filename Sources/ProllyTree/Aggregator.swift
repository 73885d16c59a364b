/// Summaries kept per child inside internal nodes, in the hashed bytes: entry and block counts
/// always, plus whatever a tree's aggregator adds (document-length sums, BM25 impact bounds…).
///
/// `combine` must be associative and must not depend on how children are grouped, because the
/// same summary is computed over different node boundaries in different trees.
public protocol TreeAggregator: Sendable {
    /// Recorded in the tree parameters; a tree can only be merged with the same aggregator.
    var name: String { get }
    /// The summary of one leaf's entries (values are the full values, also out-of-line ones).
    func summarize(keys: [[UInt8]], values: [[UInt8]]) -> [UInt8]
    /// The summary of several children's summaries, in key order.
    func combine(_ parts: [[UInt8]]) -> [UInt8]
}

/// The default: no summary beyond the built-in entry and block counts.
public struct CountOnly: TreeAggregator {
    public static let name = "count"
    public var name: String { Self.name }
    public init() {}
    public func summarize(keys: [[UInt8]], values: [[UInt8]]) -> [UInt8] { [] }
    public func combine(_ parts: [[UInt8]]) -> [UInt8] { [] }
}
