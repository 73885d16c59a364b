import Analysis
import Index
import Query
import Synchronization

/// Term buffers (each with its stem cache) lent to analysis threads, so analyzing a document
/// allocates little and stems each word once per thread.
private let termBuffers = Mutex<[TermBuffer]>([])

/// The tool's one analyzer (`Analysis.Analyzer`) in the shapes the index and the search ask
/// for (snippets take `Analyzer` itself, which conforms to `Query.SnippetAnalyzer`).
public struct IndexAnalyzer: TermAnalyzer {
    public let analyzer = Analyzer()

    public init() {}

    public var identifier: String { Analyzer.identifier }

    public func terms(_ text: String, language: String?) -> (terms: [(term: String, position: UInt32)], length: Int) {
        let tokens = analyzer.analyze(text, language: language)
        let length = (tokens.map(\.position).max() ?? -1) + 1
        return (tokens.map { ($0.term, UInt32(clamping: $0.position)) }, length)
    }

    public func termList(_ text: String, language: String?) -> TermList {
        var buffer = termBuffers.withLock { $0.popLast() } ?? TermBuffer()
        buffer.removeAll()
        analyzer.analyze(text, stemming: Analyzer.Stemming(language: language), into: &buffer)
        let list = TermList(bytes: buffer.bytes, ends: buffer.ends, positions: buffer.positions, length: buffer.length)
        termBuffers.withLock { if $0.count < 64 { $0.append(buffer) } }
        return list
    }

    public func queryTerms(_ text: String) -> [(alternatives: [String], position: UInt32)] {
        analyzer.analyzeQuery(text).map { q in
            (q.stemmed == q.unstemmed ? [q.stemmed] : [q.stemmed, q.unstemmed], UInt32(clamping: q.position))
        }
    }

    public func prefixTerm(_ text: String) -> String { Analyzer.foldForPrefix(text) }
    public func urlTerms(_ url: String) -> [String] { Analyzer.urlTerms(url).map(\.term) }
    public func siteTerms(_ url: String) -> [String] { Analyzer.siteTerms(url) }
    public func languageTerm(_ tag: String?) -> String? { Analyzer.languageTerm(tag) }
    public func keyword(_ text: String) -> String { Analyzer.fieldValueTerm(text) }
}
