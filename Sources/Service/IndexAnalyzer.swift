import Analysis
import Index
import Query

/// The tool's one analyzer (`Analysis.Analyzer`) in the shapes the index, the search and the
/// snippets ask for.
public struct IndexAnalyzer: TermAnalyzer, SnippetTokenizer {
    let analyzer = Analyzer()

    public init() {}

    public var identifier: String { Analyzer.identifier }

    public func terms(_ text: String, language: String?) -> (terms: [(term: String, position: UInt32)], length: Int) {
        let tokens = analyzer.analyze(text, language: language)
        let length = (tokens.map(\.position).max() ?? -1) + 1
        return (tokens.map { ($0.term, UInt32(clamping: $0.position)) }, length)
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

    /// Words of the text (runs of non-space, non-punctuation scalars), each analyzed stemmed and
    /// unstemmed; every term a run yields is reported over the run's whole byte range.
    public func forEachToken(in text: Substring, _ body: (Range<Int>, String) -> Void) {
        let utf8 = text.utf8
        var offset = 0
        var runStart: Int? = nil
        var runStartIndex = utf8.startIndex
        func flush(_ end: Int, _ endIndex: Substring.UTF8View.Index) {
            guard let start = runStart else { return }
            let word = String(Substring(utf8[runStartIndex..<endIndex]))
            var seen = Set<String>()
            for stemming in [Analyzer.Stemming.english, .none] {
                for t in analyzer.tokens(word, stemming: stemming) where seen.insert(t.term).inserted { body(start..<end, t.term) }
            }
            runStart = nil
        }
        var i = utf8.startIndex
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            let isWord = scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
                || (runStart != nil && (scalar == "'" || scalar == "’"))
            if isWord {
                if runStart == nil { runStart = offset; runStartIndex = i }
            } else {
                flush(offset, i)
            }
            offset += width
            i = utf8.index(i, offsetBy: width)
        }
        flush(offset, i)
    }
}
