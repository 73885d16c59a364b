/// A query item found in a document: its UTF-8 byte range and which item it matched.
struct TermMatch {
    var start: Int
    var end: Int
    var item: Int
}

/// Locates query terms in text using only "analyze this small text" from the analyzer.
///
/// No token spans whitespace (words, identifiers and CJK runs all end there), so analyzing each
/// whitespace-separated chunk alone gives exactly the terms it has in context. Most chunks do
/// not match and cost one analyzer call. A chunk that matches is narrowed down: each run of
/// letters and digits in it is analyzed alone (so `vec` in `std::vec` or `run` in
/// `running,` is marked, not the whole chunk), and each pair of adjacent characters in a run of
/// a script written without spaces (CJK bigrams). When no narrower piece matches (a compound
/// like `utf8` for `UTF-8`, or `dont` for `don't`) the chunk is marked, minus punctuation
/// around it. A mark is thus only ever placed on text the analyzer maps to a query item.
struct MatchFinder<A: SnippetAnalyzer> {
    let analyzer: A
    let terms: HighlightTerms
    var scratch: A.Scratch

    init(analyzer: A, language: String?, terms: HighlightTerms, scratch: A.Scratch) {
        self.analyzer = analyzer
        self.terms = terms
        self.scratch = scratch
        analyzer.prepare(&self.scratch, language: language)
    }

    /// Chunks are first analyzed in groups of about this many bytes: a group without a match
    /// (most of them) costs one analyzer call instead of one per chunk. Measured with
    /// `query-bench` on linux-doc: 512 B cuts the mean snippet from 220 to 130 µs (256 B: 135,
    /// 2048 B: 152), against 82 µs for one whole-text analysis of the same bytes.
    static var groupBytes: Int { 512 }

    /// Every match in `region` of `b`, in text order.
    mutating func matches(in b: UnsafeBufferPointer<UInt8>, _ region: Range<Int>) -> [TermMatch] {
        var out: [TermMatch] = []
        var group: [Range<Int>] = []
        func flush(_ finder: inout MatchFinder) {
            guard let first = group.first, let last = group.last else { return }
            // Whitespace separates the chunks, so the group's terms are exactly theirs.
            if group.count == 1 || finder.item(b, first.lowerBound..<last.upperBound) != nil {
                for c in group { finder.chunk(b, c, into: &out) }
            }
            group.removeAll(keepingCapacity: true)
        }
        var i = region.lowerBound
        var chunkStart = -1
        while i < region.upperBound {
            let (s, n) = TextScan.decode(b, i)
            if TextScan.isSpace(s) {
                if chunkStart >= 0 {
                    group.append(chunkStart..<i)
                    if i - group[0].lowerBound >= MatchFinder.groupBytes { flush(&self) }
                }
                chunkStart = -1
            } else if chunkStart < 0 {
                chunkStart = i
            }
            i += n
        }
        if chunkStart >= 0 { group.append(chunkStart..<region.upperBound) }
        flush(&self)
        return out
    }

    /// The first item any term of `range` matches.
    private mutating func item(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var found: Int?
        let terms = self.terms
        analyzer.forEachTerm(of: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[range])), scratch: &scratch) { term in
            if found == nil { found = terms.item(forUTF8: term) }
        }
        return found
    }

    mutating func chunk(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [TermMatch]) {
        guard let chunkItem = item(b, range) else { return }
        let before = out.count
        var wordStart = -1
        var gramStarts: [Int] = []
        func flushWord(_ end: Int, _ finder: inout MatchFinder) {
            if wordStart >= 0, let it = finder.item(b, wordStart..<end) { out.append(TermMatch(start: wordStart, end: end, item: it)) }
            wordStart = -1
        }
        func flushGrams(_ end: Int, _ finder: inout MatchFinder) {
            if gramStarts.count == 1, let it = finder.item(b, gramStarts[0]..<end) {
                out.append(TermMatch(start: gramStarts[0], end: end, item: it))
            }
            if gramStarts.count > 1 {
                for k in 0..<gramStarts.count - 1 {
                    let pairEnd = k + 2 < gramStarts.count ? gramStarts[k + 2] : end
                    if let it = finder.item(b, gramStarts[k]..<pairEnd) { out.append(TermMatch(start: gramStarts[k], end: pairEnd, item: it)) }
                }
            }
            gramStarts.removeAll(keepingCapacity: true)
        }
        var i = range.lowerBound
        while i < range.upperBound {
            let (s, n) = TextScan.decode(b, i)
            switch MatchFinder.kind(s) {
            case .gram:
                flushWord(i, &self)
                gramStarts.append(i)
            case .word:
                flushGrams(i, &self)
                if wordStart < 0 { wordStart = i }
            case .other:
                flushWord(i, &self)
                flushGrams(i, &self)
            }
            i += n
        }
        flushWord(range.upperBound, &self)
        flushGrams(range.upperBound, &self)
        if out.count == before, let trimmed = MatchFinder.trim(b, range) {
            out.append(TermMatch(start: trimmed.lowerBound, end: trimmed.upperBound, item: chunkItem))
        }
    }

    enum Kind { case word, gram, other }

    /// Letters, digits and marks make words; scripts written without spaces make grams.
    static func kind(_ s: UInt32) -> Kind {
        if s < 0x80 {
            return (s >= 0x30 && s <= 0x39) || (s >= 0x41 && s <= 0x5A) || (s >= 0x61 && s <= 0x7A) ? .word : .other
        }
        switch s {
        case 0x0E00...0x0EFF, 0x1000...0x109F, 0x1100...0x11FF, 0x1780...0x17FF, 0x3040...0x30FF,
             0x3130...0x318F, 0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7AF,
             0xF900...0xFAFF, 0xFF66...0xFF9F, 0x20000...0x3FFFF:
            return .gram
        default:
            guard let u = Unicode.Scalar(s) else { return .other }
            let p = u.properties
            if p.isAlphabetic || p.numericType != nil { return .word }
            switch p.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return .word
            default: return .other
            }
        }
    }

    /// `range` without leading punctuation and without trailing punctuation other than `+`
    /// and `#` (`c++`, `c#`); nil if nothing is left.
    static func trim(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        var lo = range.lowerBound
        while lo < range.upperBound {
            let (s, n) = TextScan.decode(b, lo)
            if kind(s) != .other { break }
            lo += n
        }
        var hi = range.upperBound
        while hi > lo {
            var j = hi - 1
            while j > lo, TextScan.isContinuation(b[j]) { j -= 1 }
            let s = TextScan.decode(b, j).scalar
            if kind(s) != .other || s == 0x2B || s == 0x23 { break }
            hi = j
        }
        return lo < hi ? lo..<hi : nil
    }
}
