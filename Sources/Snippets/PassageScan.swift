/// Passage boundaries and display text over a document's UTF-8 bytes (see `SnippetBuilder`).
struct PassageScan {
    let b: UnsafeBufferPointer<UInt8>

    /// Terminal columns of the bytes `from..<to` (scalar boundaries).
    func columns(_ from: Int, _ to: Int) -> Int { TextScan.columns(b, from, to) }

    func skipSpace(from p: Int) -> Int {
        var i = p
        while i < b.count {
            let (s, n) = TextScan.decode(b, i)
            if !TextScan.isSpace(s) && !TextScan.isControl(s) { break }
            i += n
        }
        return i
    }

    /// The scalar before `p` and where it starts; nil at the start.
    func previous(_ p: Int) -> (start: Int, scalar: UInt32)? {
        guard p > 0 else { return nil }
        var j = p - 1
        while j > 0, TextScan.isContinuation(b[j]) { j -= 1 }
        return (j, TextScan.decode(b, j).scalar)
    }

    /// True when a sentence starts at `p`: the text's start, after a line break, after `.`,
    /// `!`, `?` or `…` and whitespace, or right after a CJK full stop.
    func isSentenceStart(_ p: Int) -> Bool {
        var q = p
        var sawSpace = false
        while let (start, s) = previous(q) {
            if TextScan.isLineBreak(s) { return true }
            if TextScan.isSpace(s) || TextScan.isControl(s) {
                sawSpace = true
                q = start
                continue
            }
            if TextScan.isCJKTerminator(s) { return true }
            return sawSpace && TextScan.isTerminator(s)
        }
        return true
    }

    /// True when a passage may begin or end at `p` without cutting a word: not between two
    /// letters or digits of a spaced script.
    func isWordBoundary(_ p: Int) -> Bool {
        guard p > 0, p < b.count, let before = previous(p) else { return true }
        return !(TextScan.isSpacedWordScalar(before.scalar) && TextScan.isSpacedWordScalar(TextScan.decode(b, p).scalar))
    }

    /// Where a passage whose first match starts at `core` should begin: the sentence start if
    /// one lies within `sentenceReach` columns before it, else the start of a word at most
    /// `lead` columns before it; without a space there (CJK, a long identifier), the first
    /// place at most `lead` columns before it that starts a word or an unspaced character,
    /// which `core` itself (a match starts a term) always is.
    func passageStart(before core: Int, sentenceReach: Int, lead: Int) -> Int {
        if isSentenceStart(core) { return core }
        var q = core
        var cols = 0
        var wordStart = core
        var charStart = core
        while let (start, s) = previous(q) {
            cols += TextScan.columns(s)
            if cols > max(sentenceReach, lead) { break }
            let isSpace = TextScan.isSpace(s) || TextScan.isControl(s)
            if !isSpace {
                if cols <= lead { charStart = start }
                if isSentenceStart(start) { return start }
                if cols <= lead, let (_, before) = previous(start), TextScan.isSpace(before) || TextScan.isControl(before) {
                    wordStart = start
                }
            }
            q = start
        }
        // A word start is the better cut; without one (CJK), cut between characters, but never
        // inside a word, nor just before punctuation.
        if wordStart != core { return wordStart }
        var p = charStart
        while p < core {
            let s = TextScan.decode(b, p)
            if isWordBoundary(p), !TextScan.isSpace(s.scalar), TextScan.isSpacedWordScalar(s.scalar) || TextScan.columns(s.scalar) == 2 {
                return p
            }
            p += s.length
        }
        return core
    }

    /// Where a passage starting at `start` ends: the text's end if it fits in `maxColumns`;
    /// else the first sentence end after `core` that leaves at least `preferredMinimum`
    /// columns; else the last word end that fits (or a character boundary, for text without
    /// spaces). Never before `core` unless the core alone is too wide.
    func passageEnd(from start: Int, after core: Int, maxColumns: Int, preferredMinimum: Int) -> Int {
        var cols = columns(start, core)
        var i = core
        var lastWordEnd = -1
        var lastCharEnd = core
        var previousScalar: UInt32 = core > start ? previous(core)!.scalar : 0
        while i < b.count {
            let (s, n) = TextScan.decode(b, i)
            let space = TextScan.isSpace(s) || TextScan.isControl(s)
            if space {
                if !TextScan.isSpace(previousScalar) && !TextScan.isControl(previousScalar) && i > start {
                    lastWordEnd = i
                    if TextScan.isTerminator(previousScalar) && cols >= preferredMinimum { return i }
                }
            } else {
                if cols + TextScan.columns(s) > maxColumns { break }
                cols += TextScan.columns(s)
                lastCharEnd = i + n
                if TextScan.isCJKTerminator(s) && cols >= preferredMinimum { return i + n }
            }
            previousScalar = s
            i += n
        }
        if i >= b.count { return b.count }
        if lastWordEnd > core { return lastWordEnd }
        // No space to end at (CJK, a long identifier): the last place that cuts no word.
        var p = lastCharEnd
        while p > core, !isWordBoundary(p) { p = previous(p)!.start }
        if p > core || (core > start && isWordBoundary(core)) { return p }
        return max(lastCharEnd, core)  // one word wider than the passage: cut it
    }

    /// The display text of `start..<end` with `highlights` (source byte ranges) mapped into it.
    func render(_ start: Int, _ end: Int, highlights: [Range<Int>], matched: Bool) -> Snippet {
        let merged = joinNeighbours(PassageScan.merge(highlights))
        // Boundaries to translate, in source order: each range's start then end.
        let events = merged.flatMap { [$0.lowerBound, $0.upperBound] }
        var mapped: [Int] = []
        mapped.reserveCapacity(events.count)
        var out: [UInt8] = []
        out.reserveCapacity(min(end - start, 4096) + 8)
        let ellipsis = Array("…".utf8)
        let leading = start > 0 && !isSentenceStart(start)
        if leading { out += ellipsis }
        var pendingSpace = false
        var i = start
        var k = 0
        while i < end {
            let (s, n) = TextScan.decode(b, i)
            if TextScan.isSpace(s) {
                pendingSpace = !out.isEmpty && out != ellipsis
            } else if !TextScan.isControl(s) && !isPermalinkGlyph(s, at: i, length: n) {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                while k < events.count, events[k] <= i { mapped.append(out.count); k += 1 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<i + n]))
            }
            i += n
            // Ends land right after the last byte copied, before any collapsed space.
            while k < events.count, k % 2 == 1, events[k] <= i { mapped.append(out.count); k += 1 }
        }
        while k < events.count { mapped.append(out.count); k += 1 }
        let rest = skipSpace(from: end)
        let lastScalar = previous(end).map { $0.scalar } ?? 0
        if rest < b.count && !TextScan.isTerminator(lastScalar) { out += ellipsis }
        var ranges: [Range<Int>] = []
        for r in stride(from: 0, to: mapped.count - 1, by: 2) where mapped[r] < mapped[r + 1] {
            ranges.append(mapped[r]..<mapped[r + 1])
        }
        return Snippet(text: String(decoding: out, as: UTF8.self), highlights: ranges, matched: matched)
    }

    /// A `¶` stuck to the end of a word (`Building Blocks¶ The…`): a heading's permalink that an
    /// index built before HTMLText dropped them still holds in its text.
    func isPermalinkGlyph(_ s: UInt32, at i: Int, length n: Int) -> Bool {
        guard s == 0xB6, let before = previous(i), !TextScan.isSpace(before.scalar) else { return false }
        return i + n == b.count || TextScan.isSpace(TextScan.decode(b, i + n).scalar)
    }

    /// Marks separated only by spaces (`**brown fox**` for a phrase) or by an identifier
    /// joiner (`**x86_64**`) read better as one.
    func joinNeighbours(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges {
            if let last = out.last, r.lowerBound - last.upperBound <= 3 {
                let gap = b[last.upperBound..<r.lowerBound]
                let spaces = gap.allSatisfy { $0 == 0x20 }
                let joiner = gap.count <= 2 && gap.allSatisfy { $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A }
                if spaces || joiner {
                    out[out.count - 1] = last.lowerBound..<r.upperBound
                    continue
                }
            }
            out.append(r)
        }
        return out
    }

    /// Sorted ranges with overlapping or touching ones joined.
    static func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }
}
