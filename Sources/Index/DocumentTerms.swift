import Support

#if canImport(Glibc)
    import Glibc
#endif

/// One document turned into what a segment's trees store: per field and term the frequency
/// and positions, the field lengths, and the record for the docs tree.
///
/// Flat: every entry's term is a range of `termBytes` and its positions a range of
/// `positions`, so a document costs a few arrays, not two per distinct term (those arrays,
/// their retains and releases were most of this step's time).
struct DocumentTerms {
    struct Entry {
        var field: Field
        /// The term's bytes in `termBytes`.
        var term: Range<Int>
        var tf: UInt32
        /// The term's positions in `positions` (empty for unscored fields).
        var positions: Range<Int>
        var lengthCode: UInt8
    }

    var entries: [Entry] = []
    var termBytes: [UInt8] = []
    var positions: [UInt32] = []
    var bodyLength: UInt32 = 0
    var titleLength: UInt32 = 0

    /// Per text chunk (`TextChunks.cut`), the hashes of its distinct body terms.
    var chunkTerms: [TextChunks.TermHashes] = []

    /// `chunks`: the body's chunks (byte ranges of `doc.text`'s UTF-8), analyzed one after
    /// another, which gives the same terms as the whole text and each chunk's term set.
    init(_ doc: IndexDocument, analyzer: IndexAnalyzer, utf8: [UInt8], chunks: [Range<Int>]) {
        let (body, ends) = analyzer.termList(utf8, pieces: chunks, language: doc.lang)
        let title = analyzer.termList(doc.title, language: doc.lang)
        bodyLength = UInt32(clamping: body.length)
        titleLength = UInt32(clamping: title.length)
        let groups = add(.body, body)
        chunkTerms = DocumentTerms.chunkTerms(body, groups: groups, ends: ends)
        add(.title, title)
        var url = TermList()
        for (i, t) in analyzer.urlTerms(doc.url).enumerated() {
            url.bytes.append(contentsOf: t.utf8)
            url.ends.append(Int32(url.bytes.count))
            url.positions.append(Int32(i))
        }
        add(.url, url)
        var keywords: [(Field, String)] = []
        for site in analyzer.siteTerms(doc.url) { keywords.append((.site, site)) }
        for t in doc.tags { keywords.append((.tag, analyzer.keyword(t))) }
        for m in doc.mentions { keywords.append((.mention, analyzer.keyword(m))) }
        if let lang = analyzer.languageTerm(doc.lang) { keywords.append((.lang, lang)) }
        if let date = doc.date { keywords.append((.date, DateTerms.day(date))) }
        for a in analyzer.authorTerms(doc.author) { keywords.append((.author, a)) }
        if let p = doc.parent.map(analyzer.threadTerm), !p.isEmpty { keywords.append((.parent, p)) }
        // Facet values per day: "trending since D" is then a key range with counts inside.
        if let date = doc.date {
            let day = DateTerms.day(date)
            keywords += keywords.compactMap { field, word in word.isEmpty ? nil : field.daily.map { ($0, day + word) } }
        }
        for (field, word) in keywords where !word.isEmpty {
            let bytes = Array(word.utf8)
            if !entries.contains(where: { $0.field == field && termBytes[$0.term].elementsEqual(bytes) }) {
                let start = termBytes.count
                termBytes.append(contentsOf: bytes)
                let none = positions.count..<positions.count
                entries.append(Entry(field: field, term: start..<termBytes.count, tf: 1, positions: none, lengthCode: 0))
            }
        }
    }

    /// A field's tokens grouped by term: `group[i]` is token i's group (-1 for an empty
    /// token), numbered in order of first occurrence; `hashes[g]` is the group's term's
    /// `TextChunks.hash`.
    struct Groups {
        var group: [Int32] = []
        var hashes: [UInt64] = []
    }

    /// Groups a field's terms: one entry per distinct term, in order of first occurrence, with
    /// its frequency and positions. Hashing the terms into an open-addressed table of token
    /// indices (each group's tokens chained through `next`) is linear; sorting the token
    /// indices, as before, was 14% of a build's instructions. Entry order does not matter:
    /// the run buffers sort their keys.
    @discardableResult
    private mutating func add(_ field: Field, _ list: TermList) -> Groups {
        let n = list.count
        var groups = Groups()
        guard n > 0 else { return groups }
        let code = LengthCode.encode(list.length)
        var capacity = 16
        while capacity < 2 * n { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)  // a group's index, -1 when empty
        var first: [Int32] = [], last: [Int32] = [], counts: [Int32] = []
        var next = [Int32](repeating: -1, count: n)  // the same term's next token
        groups.group = [Int32](repeating: -1, count: n)
        list.bytes.withUnsafeBytes { b in
            list.ends.withUnsafeBufferPointer { ends in
                let base = b.baseAddress!
                var start = 0
                for i in 0..<n {
                    let end = Int(ends[i])
                    defer { start = end }
                    if start == end { continue }
                    var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, as TextChunks.hash
                    for k in start..<end { h = (h ^ UInt64(base.load(fromByteOffset: k, as: UInt8.self))) &* 0x100_0000_01b3 }
                    var s = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
                    while true {
                        let g = Int(slots[s])
                        if g < 0 {
                            slots[s] = Int32(first.count)
                            groups.group[i] = Int32(first.count)
                            groups.hashes.append(h)
                            first.append(Int32(i))
                            last.append(Int32(i))
                            counts.append(1)
                            break
                        }
                        let f = Int(first[g])
                        let fs = f == 0 ? 0 : Int(ends[f - 1]), fe = Int(ends[f])
                        if fe - fs == end - start && memcmp(base + fs, base + start, end - start) == 0 {
                            next[Int(last[g])] = Int32(i)
                            last[g] = Int32(i)
                            counts[g] += 1
                            groups.group[i] = Int32(g)
                            break
                        }
                        s = (s + 1) & mask
                    }
                }
            }
        }
        entries.reserveCapacity(entries.count + first.count)
        for g in first.indices {
            let p0 = positions.count
            if field.isScored {
                var t = Int(first[g])
                while t >= 0 {
                    positions.append(UInt32(clamping: list.positions[t]))
                    t = Int(next[t])
                }
                // Token order is position order from the analyzer; sorted anyway, as stored.
                if zip(positions[p0...], positions[(p0 + 1)...]).contains(where: { $0 > $1 }) { positions[p0...].sort() }
            }
            let t0 = termBytes.count
            termBytes.append(contentsOf: list.bytes[list.range(Int(first[g]))])
            entries.append(
                Entry(
                    field: field, term: t0..<termBytes.count, tf: UInt32(clamping: counts[g]), positions: p0..<positions.count,
                    lengthCode: code))
        }
        return groups
    }

    /// The distinct terms of each chunk (`ends[c]`: the number of tokens up to the end of
    /// chunk c), from the body's groups: a term's hash is taken once per chunk it is in.
    private static func chunkTerms(_ list: TermList, groups: Groups, ends: [Int]) -> [TextChunks.TermHashes] {
        var out: [TextChunks.TermHashes] = []
        out.reserveCapacity(ends.count)
        // Per group: whether its term is all digits, and the last chunk it was inserted into.
        var digits = [Bool](repeating: true, count: groups.hashes.count)
        var firstToken = [Int](repeating: -1, count: groups.hashes.count)
        for i in groups.group.indices where groups.group[i] >= 0 && firstToken[Int(groups.group[i])] < 0 {
            firstToken[Int(groups.group[i])] = i
        }
        for g in digits.indices {
            digits[g] = list.bytes[list.range(firstToken[g])].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }
        var lastChunk = [Int32](repeating: -1, count: groups.hashes.count)
        let emptyHash = TextChunks.hash([UInt8]())
        var start = 0
        for (c, end) in ends.enumerated() {
            var set = TextChunks.TermHashes()
            for i in start..<end {
                let g = Int(groups.group[i])
                if g < 0 {  // an empty token: its hash, as a number (no non-digit byte)
                    set.numbers.append(emptyHash)
                    continue
                }
                if lastChunk[g] == Int32(c) { continue }
                lastChunk[g] = Int32(c)
                if digits[g] { set.numbers.append(groups.hashes[g]) } else { set.words.append(groups.hashes[g]) }
            }
            set.normalize()
            out.append(set)
            start = end
        }
        return out
    }
}

/// Dates as terms of the `date` field (`yyyymmdd`), so date ranges are key ranges.
public enum DateTerms {
    public static func day(_ seconds: Int64) -> String {
        let (y, m, d) = ISODate.civil(fromDays: Int64((Double(seconds) / 86400).rounded(.down)))
        return String(format4(y)) + String(format2(m)) + String(format2(d))
    }

    static func format4(_ v: Int64) -> String { let s = String(max(0, min(9999, v))); return String(repeating: "0", count: 4 - s.count) + s }
    static func format2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
