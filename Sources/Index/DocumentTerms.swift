import Support

#if canImport(Glibc)
    import Glibc
#endif

/// One document turned into what a segment's trees store: per field and term the frequency
/// and positions, the field lengths, and the record for the docs tree.
struct DocumentTerms {
    struct Entry {
        var field: Field
        var term: [UInt8]
        var tf: UInt32
        var positions: [UInt32]
        var lengthCode: UInt8
    }

    var entries: [Entry] = []
    var bodyLength: UInt32 = 0
    var titleLength: UInt32 = 0

    /// Per text chunk (`TextChunks.cut`), the hashes of its distinct body terms.
    var chunkTerms: [TextChunks.TermHashes] = []

    /// `chunks`: the body's chunks (byte ranges of `doc.text`'s UTF-8), analyzed one after
    /// another, which gives the same terms as the whole text and each chunk's term set.
    init(_ doc: IndexDocument, analyzer: IndexAnalyzer, utf8: [UInt8], chunks: [Range<Int>]) {
        let (body, ends) = analyzer.termList(utf8, pieces: chunks, language: doc.lang)
        body.bytes.withUnsafeBytes { b in
            var start = 0
            for end in ends {
                var set = TextChunks.TermHashes(capacity: end - start)
                for i in start..<end { set.insert(UnsafeRawBufferPointer(rebasing: b[body.range(i)])) }
                chunkTerms.append(set)
                start = end
            }
        }
        let title = analyzer.termList(doc.title, language: doc.lang)
        bodyLength = UInt32(clamping: body.length)
        titleLength = UInt32(clamping: title.length)
        add(.body, body)
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
            if !entries.contains(where: { $0.field == field && $0.term == Array(word.utf8) }) {
                entries.append(Entry(field: field, term: Array(word.utf8), tf: 1, positions: [], lengthCode: 0))
            }
        }
    }

    /// Groups a field's terms: one entry per distinct term, in order of first occurrence, with
    /// its frequency and positions. Hashing the terms into an open-addressed table of token
    /// indices (each group's tokens chained through `next`) is linear; sorting the token
    /// indices, as before, was 14% of a build's instructions. Entry order does not matter:
    /// the run buffers sort their keys.
    private mutating func add(_ field: Field, _ list: TermList) {
        let n = list.count
        guard n > 0 else { return }
        let code = LengthCode.encode(list.length)
        var capacity = 16
        while capacity < 2 * n { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)  // a group's index, -1 when empty
        var first: [Int32] = [], last: [Int32] = [], counts: [Int32] = []
        var next = [Int32](repeating: -1, count: n)  // the same term's next token
        list.bytes.withUnsafeBytes { b in
            let base = b.baseAddress!
            for i in 0..<n {
                let r = list.range(i)
                if r.isEmpty { continue }
                var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
                for k in r { h = (h ^ UInt64(b[k])) &* 0x100_0000_01b3 }
                var s = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
                while true {
                    let g = Int(slots[s])
                    if g < 0 {
                        slots[s] = Int32(first.count)
                        first.append(Int32(i))
                        last.append(Int32(i))
                        counts.append(1)
                        break
                    }
                    let rg = list.range(Int(first[g]))
                    if rg.count == r.count && memcmp(base + rg.lowerBound, base + r.lowerBound, r.count) == 0 {
                        next[Int(last[g])] = Int32(i)
                        last[g] = Int32(i)
                        counts[g] += 1
                        break
                    }
                    s = (s + 1) & mask
                }
            }
        }
        entries.reserveCapacity(entries.count + first.count)
        for g in first.indices {
            var positions: [UInt32] = []
            if field.isScored {
                positions.reserveCapacity(Int(counts[g]))
                var t = Int(first[g])
                while t >= 0 {
                    positions.append(UInt32(clamping: list.positions[t]))
                    t = Int(next[t])
                }
                // Token order is position order from the analyzer; sorted anyway, as stored.
                if zip(positions, positions.dropFirst()).contains(where: { $0 > $1 }) { positions.sort() }
            }
            entries.append(
                Entry(
                    field: field, term: Array(list.bytes[list.range(Int(first[g]))]), tf: UInt32(clamping: counts[g]),
                    positions: positions, lengthCode: code))
        }
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
