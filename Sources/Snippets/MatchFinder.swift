/// A query item found in a document: its UTF-8 byte range and which item it matched.
struct TermMatch {
    var start: Int
    var end: Int
    var item: Int
}

/// Locates query terms in text with the analyzer.
///
/// No token spans whitespace (words, identifiers and CJK runs all end there), so the text can
/// be analyzed piece by piece, cut at whitespace, with the same result as in one go. Pieces of
/// about `groupBytes` are first only checked for a matching term (the analyzer's allocation-
/// free path); the few that hold one are analyzed again with source spans, and each span whose
/// term matches is a mark. So a mark is exactly the text of a token whose term is a query
/// item: `running` for `run`, `UTF-8` for `utf8`, `vec` in `std::vec`, `東京` and `京都` in
/// `東京都`.
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

    /// Pieces are checked in groups of whitespace-separated chunks of about this many bytes.
    /// Measured with `query-bench` on linux-doc: analyzing chunk by chunk cost a mean 220 µs
    /// per snippet, groups of 256 B 135 µs, 512 B 130 µs, 2048 B 152 µs, against 82 µs for
    /// one whole-text analysis of the same bytes.
    static var groupBytes: Int { 512 }

    /// Every match in `region` of `b`, in text order.
    mutating func matches(in b: UnsafeBufferPointer<UInt8>, _ region: Range<Int>) -> [TermMatch] {
        var out: [TermMatch] = []
        var groupStart = -1
        var i = region.lowerBound
        var inChunk = false
        while i < region.upperBound {
            let (s, n) = TextScan.decode(b, i)
            if TextScan.isSpace(s) {
                if inChunk, i - groupStart >= MatchFinder.groupBytes {
                    group(b, groupStart..<i, into: &out)
                    groupStart = -1
                }
                inChunk = false
            } else {
                if groupStart < 0 { groupStart = i }
                inChunk = true
            }
            i += n
        }
        if groupStart >= 0 { group(b, groupStart..<region.upperBound, into: &out) }
        return out
    }

    /// The matches of one group, if its terms include a query item.
    mutating func group(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, into out: inout [TermMatch]) {
        let text = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: b[range]))
        var any = false
        let terms = self.terms
        analyzer.forEachTerm(of: text, scratch: &scratch) { term in
            if !any { any = terms.item(forUTF8: term) != nil }
        }
        guard any else { return }
        let before = out.count
        analyzer.forEachSpan(of: text, scratch: &scratch) { span, term in
            guard let item = terms.item(forUTF8: term), span.lowerBound >= 0, span.upperBound <= range.count,
                span.lowerBound < span.upperBound
            else { return }
            out.append(TermMatch(start: range.lowerBound + span.lowerBound, end: range.lowerBound + span.upperBound, item: item))
        }
        // Compounds come before their parts at the same place; keep text order by start.
        if out[before...].indices.dropFirst().contains(where: { out[$0 - 1].start > out[$0].start }) {
            out[before...].sort { $0.start < $1.start }
        }
    }
}

extension HighlightTerms {
    /// `matches` (in text order) without those of phrase-only items that are not part of an
    /// occurrence of their phrase. An occurrence is a run of matches, one per phrase position
    /// and in order, each starting after the previous one and separated from it by no letter
    /// or digit (the words are neighbours, as the phrase's positions are in the index; CJK
    /// bigrams overlap).
    func keepingPhrases(_ matches: [TermMatch], in b: UnsafeBufferPointer<UInt8>) -> [TermMatch] {
        guard phraseOnly.contains(true), !matches.isEmpty else { return matches }
        var keep = matches.map { !phraseOnly[$0.item] }
        for phrase in phrases {
            for first in matches.indices where phrase[0].contains(matches[first].item) {
                var chain = [first]
                for position in phrase.dropFirst() {
                    let previous = matches[chain[chain.count - 1]]
                    // The next start after the previous match; a compound and its first part share one.
                    guard let next = matches.indices.first(where: { $0 > chain[chain.count - 1] && matches[$0].start > previous.start }),
                        HighlightTerms.neighbours(previous, matches[next], b),
                        let hit = matches[next...].prefix(while: { $0.start == matches[next].start }).firstIndex(where: { position.contains($0.item) }
                        )
                    else {
                        chain = []
                        break
                    }
                    chain.append(hit)
                }
                for k in chain { keep[k] = true }
            }
        }
        return matches.indices.filter { keep[$0] }.map { matches[$0] }
    }

    /// True when nothing but spaces and punctuation lies between `a` and `b` (or they overlap).
    static func neighbours(_ a: TermMatch, _ b: TermMatch, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = a.end
        while i < b.start {
            let (s, n) = TextScan.decode(text, i)
            if TextScan.isSpacedWordScalar(s) || TextScan.columns(s) == 2 { return false }
            i += n
        }
        return true
    }
}
