/// Finds the best passage of a document for a query and marks the matching words.
///
/// The passage is the window of at most `maxColumns` terminal columns that covers the most
/// distinct query items (terms and prefixes), then holds the most matches, then comes first.
/// It is then widened to show context: it starts at the start of the sentence when that is
/// close enough (else a few words before the first match, after `…`), and ends at a sentence
/// end when that leaves a reasonably full passage (else at a word boundary, before `…`). CJK
/// text without spaces is cut between characters.
///
/// Work is bounded: only the first `maxScanBytes` of the text are analyzed (a document whose
/// terms first occur later gets its opening, `matched == false`, as does one with no match).
public struct SnippetBuilder: Sendable {
    /// Passage width in terminal columns (CJK characters count two).
    public var maxColumns: Int
    /// How much of the text is analyzed looking for matches, in UTF-8 bytes.
    public var maxScanBytes: Int

    public init(maxColumns: Int = 200, maxScanBytes: Int = 64 * 1024) {
        self.maxColumns = max(maxColumns, 10)
        self.maxScanBytes = max(maxScanBytes, 1)
    }

    /// The best passage of `text` for `terms`, tokenized by `tokenizer` (which must be the
    /// index's analyzer). Never fails; an empty or all-whitespace text gives an empty snippet.
    public func snippet(for text: String, terms: HighlightTerms, tokenizer: some SnippetTokenizer) -> Snippet {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            build(text, bytes, terms, tokenizer)
        } ?? Snippet(text: "", highlights: [], matched: false)
    }

    private struct Match {
        var start: Int
        var end: Int
        var item: Int
    }

    private func build(_ text: String, _ b: UnsafeBufferPointer<UInt8>, _ terms: HighlightTerms,
                       _ tokenizer: some SnippetTokenizer) -> Snippet {
        let matches = terms.isEmpty ? [] : findMatches(text, b, terms, tokenizer)
        let scan = PassageScan(b: b)
        let start: Int, end: Int
        if let best = bestWindow(matches, terms.itemCount, scan) {
            let coreStart = matches[best.lowerBound].start
            let coreEnd = matches[best].map(\.end).max()!
            let remaining = max(0, maxColumns - scan.columns(coreStart, coreEnd))
            start = scan.passageStart(before: coreStart, sentenceReach: remaining * 2 / 3, lead: min(remaining / 3, 60))
            end = scan.passageEnd(from: start, after: coreEnd, maxColumns: maxColumns, preferredMinimum: maxColumns / 2)
            let shown = matches[best].filter { $0.start >= start && $0.end <= end }.map { $0.start..<$0.end }
            return scan.render(start, end, highlights: shown, matched: true)
        } else {
            start = scan.skipSpace(from: 0)
            end = scan.passageEnd(from: start, after: start, maxColumns: maxColumns, preferredMinimum: min(40, maxColumns / 4))
            return scan.render(start, end, highlights: [], matched: false)
        }
    }

    /// Every token in the scanned prefix whose term is a query item, in text order.
    private func findMatches(_ text: String, _ b: UnsafeBufferPointer<UInt8>, _ terms: HighlightTerms,
                             _ tokenizer: some SnippetTokenizer) -> [Match] {
        var limit = b.count
        if limit > maxScanBytes {
            // Cut at whitespace so the last word is not analyzed as a fragment.
            limit = TextScan.boundary(atOrBefore: maxScanBytes, in: b)
            var j = limit
            while j > limit / 2, !TextScan.isSpace(UInt32(b[j])) { j -= 1 }
            if j > limit / 2 { limit = j }
        }
        let region = text[..<text.utf8.index(text.utf8.startIndex, offsetBy: limit)]
        var matches: [Match] = []
        tokenizer.forEachToken(in: region) { range, term in
            guard let item = terms.item(for: term), range.lowerBound >= 0, range.upperBound <= limit,
                  range.lowerBound < range.upperBound else { return }
            matches.append(Match(start: range.lowerBound, end: range.upperBound, item: item))
        }
        if !matches.isEmpty, zip(matches, matches.dropFirst()).contains(where: { $0.start > $1.start }) {
            matches.sort { $0.start < $1.start }
        }
        return matches
    }

    /// The run of matches that fits `maxColumns` with the most distinct items, then the most
    /// matches, earliest first. Two pointers over the matches: O(matches + scanned bytes).
    private func bestWindow(_ matches: [Match], _ items: Int, _ scan: PassageScan) -> ClosedRange<Int>? {
        guard !matches.isEmpty else { return nil }
        // Columns at each match start, walking forward once; ends add the token's own width.
        var startCol = [Int](repeating: 0, count: matches.count)
        var endCol = startCol
        var col = 0, pos = 0
        for (k, m) in matches.enumerated() {
            col += scan.columns(pos, max(pos, m.start))
            pos = max(pos, m.start)
            startCol[k] = col
            endCol[k] = col + scan.columns(m.start, m.end)
        }
        var counts = [Int](repeating: 0, count: items)
        var distinct = 0
        var i = 0
        var best: (distinct: Int, count: Int, range: ClosedRange<Int>)?
        var windowEnd = 0
        for j in matches.indices {
            counts[matches[j].item] += 1
            if counts[matches[j].item] == 1 { distinct += 1 }
            windowEnd = max(windowEnd, endCol[j])
            while i < j, windowEnd - startCol[i] > maxColumns {
                counts[matches[i].item] -= 1
                if counts[matches[i].item] == 0 { distinct -= 1 }
                i += 1
            }
            let count = j - i + 1
            if best == nil || distinct > best!.distinct || (distinct == best!.distinct && count > best!.count) {
                best = (distinct, count, i...j)
            }
        }
        return best?.range
    }
}
