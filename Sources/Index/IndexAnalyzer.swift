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

    /// `termList` of `utf8` analyzed a piece at a time (`pieces` cover it in order, each cut
    /// at whitespace, as `TextChunks.cut` does): positions continue across pieces, so the list
    /// is the whole text's. `ends[i]` is the number of terms up to the end of piece i.
    public func termList(_ utf8: [UInt8], pieces: [Range<Int>], language: String?) -> (list: TermList, ends: [Int]) {
        var buffer = termBuffers.withLock { $0.popLast() } ?? TermBuffer()
        buffer.removeAll()
        let stemming = Analyzer.Stemming(language: language)
        var ends: [Int] = []
        ends.reserveCapacity(pieces.count)
        utf8.withUnsafeBytes { all in
            for p in pieces {
                analyzer.analyze(UnsafeRawBufferPointer(rebasing: all[p]), stemming: stemming, into: &buffer)
                ends.append(buffer.count)
            }
        }
        let list = TermList(bytes: buffer.bytes, ends: buffer.ends, positions: buffer.positions, length: buffer.length)
        termBuffers.withLock { if $0.count < 64 { $0.append(buffer) } }
        return (list, ends)
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

    /// The author field's terms for an author id `handle@host`: the id and the bare handle, so
    /// `from:alice` finds every site's alice and `from:alice@alice.example` one of them.
    public func authorTerms(_ author: String?) -> [String] {
        guard let author, !author.isEmpty else { return [] }
        let id = keyword(author)
        let handle = id.split(separator: "@", maxSplits: 1).first.map(String.init) ?? id
        return handle == id || handle.isEmpty ? [id] : [id, handle]
    }

    /// The parent field's term for a post's URL: the URL without scheme or fragment, its host
    /// lowercased, as CDX keys compare captures (`http://` and `https://` name one page), cut
    /// to 512 bytes at a character boundary.
    public func threadTerm(_ url: String) -> String {
        var s = Substring(url).drop { $0 == " " }
        while s.last == " " { s = s.dropLast() }
        // The scheme: letters (and + - .) before `://`, ASCII by value (Character.isLetter would
        // link the stdlib's Unicode property tables into the wasm module).
        let isSchemeCharacter = { (c: Character) -> Bool in
            guard let b = c.asciiValue else { return false }
            return (0x30...0x39).contains(b) || (0x61...0x7A).contains(b | 0x20) || b == 0x2B || b == 0x2D || b == 0x2E
        }
        if let colon = s.firstIndex(of: ":"), s[colon...].hasPrefix("://"), s[..<colon].allSatisfy(isSchemeCharacter) {
            s = s[s.index(colon, offsetBy: 3)...]
        }
        if let hash = s.firstIndex(of: "#") { s = s[..<hash] }
        let hostEnd = s.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? s.endIndex
        var out = s[..<hostEnd].lowercased() + s[hostEnd...]
        while out.hasSuffix("/") && out.count > 1 { out.removeLast() }
        while out.utf8.count > 512 { out.removeLast() }
        return out
    }
}
