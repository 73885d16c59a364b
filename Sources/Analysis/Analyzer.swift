/// One analyzed term.
public struct Token: Hashable, Sendable, CustomStringConvertible {
    public var term: String
    public var position: Int
    public var kind: TokenKind

    public init(term: String, position: Int, kind: TokenKind) {
        self.term = term
        self.position = position
        self.kind = kind
    }

    public var description: String { "\(term)@\(position)" + (kind == .word ? "" : kind == .compound ? "+" : "²") }
}

/// A term and the bytes of the text it came from, for highlighting snippets.
public struct TokenSpan: Hashable, Sendable {
    public var term: String
    public var position: Int
    public var kind: TokenKind
    /// UTF-8 offsets in the analyzed text: the word (with any `'` or joiner inside it), the whole
    /// identifier for a compound (`c++` includes the `++`), the two scalars of a bigram.
    public var utf8Range: Range<Int>
}

/// A query word in both forms a document may have indexed it under: `stemmed` for documents in
/// English or of unknown language, `unstemmed` for the others. A query matches a word if either
/// form is in the document; they are equal for most words.
public struct QueryTerm: Hashable, Sendable {
    public var stemmed: String
    public var unstemmed: String
    public var position: Int
    public var kind: TokenKind
}

/// The analyzer: text → terms, for documents and queries alike.
///
/// - **Words**: runs of letters, digits and combining marks (Unicode 14 classes from generated
///   tables; ASCII classified inline). `'`/`’` between letters vanish (`don't` → `dont`).
/// - **Folding**: Unicode case folding, compatibility decomposition (ﬁ → fi, fullwidth → ASCII,
///   𝐀 → a, ² is not a word), diacritics removed in Latin, Greek and Cyrillic (é → e, ß → ss,
///   ø → o, æ → ae; й is kept) and Hebrew/Arabic points; decimal digits of any script → ASCII.
/// - **Stemming**: Snowball English (Porter2, Snowball 3.1.1) for words of ASCII letters when
///   the language is English or unknown (`Stemming(language:)`); no stemming otherwise.
///   Stop words are kept (BM25 weighs them down; phrases need them).
/// - **Identifiers**: words joined by `-` `_` `.` `::` (and `,` between digits) with no spaces
///   give each part as a word *and* the catenation as a `.compound` at the first part's
///   position: `std::vec` → `stdvec`, `std`, `vec`; `UTF-8` → `utf8`, `utf`, `8`; `x86_64` →
///   `x8664`, `x86`, `64`. So `utf8` finds `UTF-8`, and `std vec` as a phrase finds
///   `std::vec`. `c++`, `c#` keep their suffix as a compound too.
/// - **CJK and other unspaced scripts** (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer,
///   Myanmar): overlapping bigrams (東京都 → 東京, 京都); a one-scalar run is a unigram.
/// - Terms are at most 64 bytes; longer words are dropped but keep their position.
///
/// The same rules run on queries: `analyzeQuery` gives both stemmed and unstemmed forms;
/// `foldForPrefix` folds a `prefix*` without stemming. Hashtags, mentions, URLs, sites and
/// languages have their own functions for their own fields.
///
/// Stateless and `Sendable`: scratch space lives on the stack of each call.
public struct Analyzer: Sendable {
    /// Goes into every manifest; indexes with different identifiers are never merged silently.
    /// Changes to tokenization, folding, stemming or the Unicode tables need a new version.
    /// `/2`: site terms keep `www.` (`site:www.x.org` is that host, not every host of x.org).
    public static let identifier = "indexer-std/2"

    /// Whether words are stemmed.
    public enum Stemming: Sendable {
        case english, none

        /// English stemming for `en`, `en-*`, and unknown language (nil, empty, `und`); none
        /// for every other language tag.
        public init(language: String?) {
            guard let tag = language.flatMap(Analyzer.languageTerm), tag != "und" else {
                self = .english
                return
            }
            self = tag == "en" ? .english : .none
        }
    }

    public init() {}

    /// Analyzes UTF-8 bytes into `buffer`, appending; positions continue from `buffer.length`.
    /// Malformed UTF-8 is read as separators. Allocation-free once `buffer` has grown.
    public func analyze(_ utf8: UnsafeRawBufferPointer, stemming: Stemming, into buffer: inout TermBuffer) {
        var cache = StemCache()
        swap(&cache, &buffer.stemCache)
        if cache.entries.isEmpty { cache.entries = Array(repeating: StemCache.Entry(), count: StemCache.slots) }
        var sink = TermBufferSink(buffer: TermBuffer(), base: buffer.length)
        swap(&sink.buffer, &buffer)  // the sink owns the arrays uniquely: appends do not copy
        let used = cache.entries.withUnsafeMutableBufferPointer { entries in
            run(utf8, stemming: stemming, cache: entries.baseAddress, into: &sink)
        }
        swap(&sink.buffer, &buffer)
        swap(&cache, &buffer.stemCache)
        buffer.length = sink.base + used
    }

    /// Analyzes a string into `buffer` (see the byte form).
    public func analyze(_ text: String, stemming: Stemming, into buffer: inout TermBuffer) {
        var text = text
        text.withUTF8 { analyze(UnsafeRawBufferPointer($0), stemming: stemming, into: &buffer) }
    }

    /// The terms of `text` with positions (allocating; for queries, tests and tools).
    public func analyze(_ text: String, language: String?) -> [Token] {
        tokens(text, stemming: Stemming(language: language))
    }

    public func tokens(_ text: String, stemming: Stemming) -> [Token] {
        var sink = TokenArraySink()
        var text = text
        text.withUTF8 { _ = run(UnsafeRawBufferPointer($0), stemming: stemming, cache: nil, into: &sink) }
        return sink.tokens
    }

    /// The terms of `text` with the UTF-8 byte range each came from: what a snippet highlights
    /// when one of its terms matches the query.
    public func spans(_ text: String, stemming: Stemming) -> [TokenSpan] {
        var sink = SpanSink()
        var text = text
        text.withUTF8 { _ = run(UnsafeRawBufferPointer($0), stemming: stemming, cache: nil, into: &sink) }
        return sink.spans
    }

    /// A query's terms, each in the stemmed and the unstemmed form (see `QueryTerm`).
    public func analyzeQuery(_ text: String) -> [QueryTerm] {
        let stemmed = tokens(text, stemming: .english)
        let plain = tokens(text, stemming: .none)
        // Stemming never changes how text splits into tokens, so the two lists align.
        return zip(stemmed, plain).map { QueryTerm(stemmed: $0.term, unstemmed: $1.term, position: $0.position, kind: $0.kind) }
    }

    /// `prefix*` folded like indexed text but not stemmed: `Über` → `uber`, `std::ve` →
    /// `stdve` (identifier parts catenated, as compounds are indexed), `東京都` → `東京都` (the
    /// query layer turns longer CJK prefixes into bigram phrases). Empty if nothing is a word.
    public static func foldForPrefix(_ text: String) -> String {
        let tokens = Analyzer().tokens(text, stemming: .none)
        guard let first = tokens.first else { return "" }
        if first.kind == .bigram {
            var scalars = Array(first.term.unicodeScalars)
            for t in tokens.dropFirst() where t.kind == .bigram { scalars += t.term.unicodeScalars.dropFirst() }
            return String(String.UnicodeScalarView(scalars))
        }
        return first.term  // a compound comes first when there is one
    }

    /// Stems one lowercase ASCII word with Snowball English (for tests and tools).
    public static func stem(_ word: String) -> String {
        var bytes = Array(word.utf8)
        guard bytes.count <= 256 else { return word }
        bytes += [UInt8](repeating: 0, count: 16)
        let n = bytes.withUnsafeMutableBufferPointer { b -> Int in
            var s = EnglishStemmer(buffer: b.baseAddress!, capacity: b.count)
            return s.stem(length: word.utf8.count)
        }
        return String(decoding: bytes[0..<n], as: UTF8.self)
    }

    /// Runs the tokenizer with stack scratch; returns the number of positions used.
    private func run<S: TokenSink>(
        _ utf8: UnsafeRawBufferPointer, stemming: Stemming,
        cache: UnsafeMutablePointer<StemCache.Entry>?, into sink: inout S
    ) -> Int {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Tokenizer.scratchBytes) { scratch in
            var tokenizer = Tokenizer(scratch: scratch.baseAddress!, stem: stemming == .english)
            tokenizer.stemCache = cache
            tokenizer.tokenize(utf8, into: &sink)
            return tokenizer.position
        }
    }
}
