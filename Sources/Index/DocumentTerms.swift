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

    init(_ doc: IndexDocument, analyzer: IndexAnalyzer) {
        let body = analyzer.termList(doc.text, language: doc.lang)
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

    /// Groups a field's terms: one entry per distinct term with its frequency and positions.
    /// Sorting term indices (not hashing strings) keeps this allocation-light.
    private mutating func add(_ field: Field, _ list: TermList) {
        guard list.count > 0 else { return }
        let code = LengthCode.encode(list.length)
        var order = Array(0..<list.count)
        list.bytes.withUnsafeBytes { b in
            func less(_ x: Int, _ y: Int) -> Bool {
                let rx = list.range(x), ry = list.range(y)
                let n = min(rx.count, ry.count)
                let c = n == 0 ? 0 : memcmp(b.baseAddress! + rx.lowerBound, b.baseAddress! + ry.lowerBound, n)
                if c != 0 { return c < 0 }
                if rx.count != ry.count { return rx.count < ry.count }
                return list.positions[x] < list.positions[y]
            }
            order.sort(by: less)
        }
        var i = 0
        while i < order.count {
            let r = list.range(order[i])
            var j = i + 1
            while j < order.count, list.bytes[list.range(order[j])] == list.bytes[r] { j += 1 }
            if !r.isEmpty {
                entries.append(
                    Entry(
                        field: field, term: Array(list.bytes[r]), tf: UInt32(clamping: j - i),
                        positions: field.isScored ? order[i..<j].map { UInt32(clamping: list.positions[$0]) } : [],
                        lengthCode: code))
            }
            i = j
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
