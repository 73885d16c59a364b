/// Finds the best passage of a document for a query and marks the matching words (a phrase's
/// words only where the phrase occurs; see `HighlightTerms`).
///
/// The passage is the window of at most `maxColumns` terminal columns that covers the most
/// distinct query items (terms and prefixes), then holds the most matches, then comes first.
/// It is then widened to show context: it starts at the start of the sentence when that is
/// close enough (else a few words before the first match, after `…`), and ends at a sentence
/// end when that leaves a reasonably full passage (else at a word boundary, before `…`). CJK
/// text without spaces is cut between characters.
///
/// Work is bounded. The first `maxScanBytes` of the text are analyzed. When no query term
/// occurs there, the rest (up to `maxProbeBytes`) is searched for the raw bytes of the terms
/// and prefixes (ASCII case-insensitively; stems and bigrams are usually substrings of the
/// words they come from), and a window of `probeWindowBytes` around each of the first
/// `maxProbes` hits is analyzed like the opening. A document with no match gets its opening,
/// with `matched == false`.
public struct SnippetBuilder: Sendable {
    /// Passage width in terminal columns (CJK characters count two).
    public var maxColumns: Int
    /// How much of the text's start is analyzed looking for matches, in UTF-8 bytes.
    public var maxScanBytes: Int
    /// How far into the text raw occurrences are looked for, in UTF-8 bytes.
    public var maxProbeBytes: Int
    /// How many raw occurrences past the opening are analyzed before giving up.
    public var maxProbes: Int
    /// The size of the window analyzed around a raw occurrence, in UTF-8 bytes.
    public var probeWindowBytes: Int

    public init(
        maxColumns: Int = 200, maxScanBytes: Int = 64 * 1024, maxProbeBytes: Int = 8 << 20,
        maxProbes: Int = 4, probeWindowBytes: Int = 4096
    ) {
        self.maxColumns = max(maxColumns, 10)
        self.maxScanBytes = max(maxScanBytes, 1)
        self.maxProbeBytes = maxProbeBytes
        self.maxProbes = maxProbes
        self.probeWindowBytes = max(probeWindowBytes, 256)
    }

    /// The best passage of `text` (a document's extracted text in `language`) for `terms`,
    /// matched with `analyzer`, which must be the index's analyzer. Never fails; an empty or
    /// all-whitespace text gives an empty snippet.
    public func snippet<A: SnippetAnalyzer>(
        for text: String, language: String? = nil, terms: HighlightTerms,
        analyzer: A
    ) -> Snippet {
        var scratch = analyzer.makeScratch()
        return snippet(for: text, language: language, terms: terms, analyzer: analyzer, scratch: &scratch)
    }

    /// The same, reusing `scratch` (from `analyzer.makeScratch()`) across documents: for the
    /// real analyzer that saves allocating and clearing its stem cache per snippet.
    public func snippet<A: SnippetAnalyzer>(
        for text: String, language: String? = nil, terms: HighlightTerms,
        analyzer: A, scratch: inout A.Scratch
    ) -> Snippet {
        var text = text
        text.makeContiguousUTF8()
        var finder = MatchFinder(analyzer: analyzer, language: language, terms: terms, scratch: scratch)
        scratch = analyzer.makeScratch()  // `finder` holds the only reference while it works
        defer { scratch = finder.scratch }
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            build(bytes, terms, &finder)
        } ?? Snippet(text: "", highlights: [], matched: false)
    }

    private func build<A>(_ b: UnsafeBufferPointer<UInt8>, _ terms: HighlightTerms, _ finder: inout MatchFinder<A>) -> Snippet {
        var matches: [TermMatch] = []
        if !terms.isEmpty {
            let opening = wordCut(b, maxScanBytes)
            matches = terms.keepingPhrases(finder.matches(in: b, 0..<opening), in: b)
            if matches.isEmpty, opening < b.count { matches = probe(b, after: opening, terms, &finder) }
        }
        let scan = PassageScan(b: b)
        let start: Int, end: Int
        if let best = bestWindow(matches, terms.itemCount, scan) {
            let coreStart = matches[best.lowerBound].start
            let coreEnd = matches[best].map { $0.end }.max()!
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

    /// `limit` moved back to a scalar boundary and then to whitespace (when there is some in
    /// the second half), so the last word is not analyzed as a fragment; `b.count` if smaller.
    private func wordCut(_ b: UnsafeBufferPointer<UInt8>, _ limit: Int) -> Int {
        guard limit < b.count else { return b.count }
        let cut = TextScan.boundary(atOrBefore: limit, in: b)
        var j = cut
        while j > cut / 2, !TextScan.isSpace(UInt32(b[j])) { j -= 1 }
        return j > cut / 2 ? j : cut
    }

    /// Matches in a window around the first raw occurrence of a query item past `start` that
    /// the analyzer confirms; empty when none of `maxProbes` occurrences is confirmed.
    private func probe<A>(
        _ b: UnsafeBufferPointer<UInt8>, after start: Int, _ terms: HighlightTerms,
        _ finder: inout MatchFinder<A>
    ) -> [TermMatch] {
        let needles = terms.probeNeedles
        let end = min(b.count, maxProbeBytes)
        var from = start
        for _ in 0..<maxProbes {
            guard let hit = TextScan.firstOccurrence(of: needles, in: b, from: from, to: end) else { break }
            let lower = TextScan.boundary(atOrBefore: max(start, hit - probeWindowBytes / 2), in: b)
            var windowStart = lower
            while windowStart < hit, !TextScan.isSpace(UInt32(b[windowStart])) { windowStart += 1 }
            if windowStart == hit { windowStart = lower }
            let windowEnd = max(wordCut(b, hit + probeWindowBytes / 2), hit + 1)
            let found = terms.keepingPhrases(finder.matches(in: b, windowStart..<TextScan.boundary(atOrBefore: windowEnd, in: b)), in: b)
            if !found.isEmpty { return found }
            from = hit + 1
        }
        return []
    }

    /// The run of matches that fits `maxColumns` with the most distinct items, then the most
    /// matches, earliest first. Two pointers over the matches: O(matches + scanned bytes).
    private func bestWindow(_ matches: [TermMatch], _ items: Int, _ scan: PassageScan) -> ClosedRange<Int>? {
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
