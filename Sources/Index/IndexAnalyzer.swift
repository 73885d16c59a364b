import Analysis
import Synchronization

/// Term buffers (each with its stem cache) lent to analysis threads, so analyzing a document
/// allocates little and stems each word once per thread.
private let termBuffers = Mutex<[TermBuffer]>([])

/// The tool's one analyzer (`Analysis.Analyzer`) in the shapes the index and the search ask
/// for. Concrete, not a protocol: an index analyzed any other way could not be searched or
/// merged by this tool, and the identifier in every manifest names this one.
public struct IndexAnalyzer: Sendable {
    /// The analyzer itself, for snippets (`Snippets.SnippetAnalyzer`).
    public let analyzer = Analyzer()

    public init() {}

    /// Name and version, recorded in every manifest: indexes analyzed differently never merge.
    public var identifier: String { Analyzer.identifier }

    /// Index terms of `text` in flat arrays, stemmed per `language`, with the field's length
    /// (positions used) for BM25.
    public func termList(_ text: String, language: String?) -> TermList {
        var buffer = termBuffers.withLock { $0.popLast() } ?? TermBuffer()
        buffer.removeAll()
        analyzer.analyze(text, stemming: Analyzer.Stemming(language: language), into: &buffer)
        let list = TermList(bytes: buffer.bytes, ends: buffer.ends, positions: buffer.positions, length: buffer.length)
        termBuffers.withLock { if $0.count < 64 { $0.append(buffer) } }
        return list
    }

    /// A query text's terms: per position, the forms a document may hold (stemmed for English
    /// or unknown-language documents, unstemmed for others).
    public func queryTerms(_ text: String) -> [(alternatives: [String], position: UInt32)] {
        analyzer.analyzeQuery(text).map { q in
            (q.stemmed == q.unstemmed ? [q.stemmed] : [q.stemmed, q.unstemmed], UInt32(clamping: q.position))
        }
    }

    /// A `prefix*` folded like indexed text, without stemming.
    public func prefixTerm(_ text: String) -> String { Analyzer.foldForPrefix(text) }
    /// Words of a URL's host and path (the url field).
    public func urlTerms(_ url: String) -> [String] { Analyzer.urlTerms(url).map { $0.term } }
    /// The host and its parent domains (the site field); a `site:` query looks up the first.
    public func siteTerms(_ url: String) -> [String] { Analyzer.siteTerms(url) }
    /// Whether a `url:` value's words must also be checked in order against each URL.
    public func urlValueIsSequence(_ value: String) -> Bool { Analyzer.urlValueIsSequence(value) }
    /// Whether `url` holds the words of the `url:` value `value` in order (see `Analyzer`).
    public func url(_ url: String, containsSequence value: String) -> Bool { Analyzer.urlContainsSequence(url, value) }
    /// The language field's term for a language tag (`en` for `en-GB`).
    public func languageTerm(_ tag: String?) -> String? { Analyzer.languageTerm(tag) }
    /// A tag or mention folded for exact matching.
    public func keyword(_ text: String) -> String { Analyzer.fieldValueTerm(text) }
}
