// The wasm build (`make wasm`) compiles Support's ISODate.swift into its one module.
#if canImport(Support)
    import Support
#endif

/// A calendar period typed in a query: a year, a month or a day (proleptic Gregorian, UTC).
struct QueryPeriod: Equatable {
    enum Precision { case year, month, day }
    var year: Int
    var month: Int
    var day: Int
    var precision: Precision

    /// Parses `2024`, `2024-05`, `2024-05-17` (also with `/` or `.` separators, and month or day
    /// without a leading zero). Nil when the text is not such a date; throws for a well-formed
    /// date that does not exist (`2024-02-30`), so the message can say so.
    static func parse(_ text: Substring) throws(DateProblem) -> QueryPeriod? {
        let parts = text.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "/" || $0 == "." }
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for (i, p) in parts.enumerated() {
            let maxDigits = i == 0 ? 4 : 2
            guard i == 0 ? p.count == 4 : (1...maxDigits).contains(p.count),
                p.allSatisfy({ "0123456789".contains($0) }), let n = Int(p)
            else { return nil }
            numbers.append(n)
        }
        let year = numbers[0]
        guard year >= 1 else { throw .noSuchDate }
        if numbers.count == 1 { return QueryPeriod(year: year, month: 1, day: 1, precision: .year) }
        let month = numbers[1]
        guard (1...12).contains(month) else { throw .noSuchDate }
        if numbers.count == 2 { return QueryPeriod(year: year, month: month, day: 1, precision: .month) }
        let day = numbers[2]
        guard day >= 1, day <= ISODate.daysIn(month: month, year: year) else { throw .noSuchDate }
        return QueryPeriod(year: year, month: month, day: day, precision: .day)
    }

    enum DateProblem: Error { case noSuchDate }

    /// Midnight UTC at the start of the period, in seconds since 1970.
    var start: Int64 { QueryPeriod.epoch(year: year, month: month, day: day) }

    /// Midnight UTC at the start of the next period (the exclusive end of this one).
    var end: Int64 {
        switch precision {
        case .year: return QueryPeriod.epoch(year: year + 1, month: 1, day: 1)
        case .month:
            return month == 12
                ? QueryPeriod.epoch(year: year + 1, month: 1, day: 1)
                : QueryPeriod.epoch(year: year, month: month + 1, day: 1)
        case .day: return start + 86_400
        }
    }

    /// Midnight UTC of a civil date. Year 10000 (the end of `9999`) is one year past 9999.
    static func epoch(year: Int, month: Int, day: Int) -> Int64 {
        ISODate.days(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400
    }

    /// The civil date of a whole-day instant in years 1–9999, or nil.
    static func civil(_ t: Int64) -> (year: Int, month: Int, day: Int)? {
        guard t % 86_400 == 0 else { return nil }
        let (y, m, d) = ISODate.civil(fromDays: t / 86_400)
        guard (1...9999).contains(y) else { return nil }
        return (Int(y), Int(m), Int(d))
    }

    /// The shortest query text for a bound: `2024` for Jan 1, `2024-05` for a first of the
    /// month, else `2024-05-17`; an instant that is not midnight UTC prints in full ISO 8601.
    static func text(for date: Int64) -> String {
        guard let (y, m, d) = civil(date) else { return ISODate.format(date) }
        let year = ISODate.pad(y, 4)
        if m == 1 && d == 1 { return year }
        if d == 1 { return year + "-" + ISODate.pad(m, 2) }
        return year + "-" + ISODate.pad(m, 2) + "-" + ISODate.pad(d, 2)
    }

    /// `date:P` text when `[from, to)` is exactly one year, month or day, else nil.
    static func periodText(from: Int64, to: Int64) -> String? {
        guard let (y, m, d) = civil(from) else { return nil }
        let candidates: [QueryPeriod] = [
            QueryPeriod(year: y, month: m, day: d, precision: .day),
            QueryPeriod(year: y, month: m, day: 1, precision: .month),
            QueryPeriod(year: y, month: 1, day: 1, precision: .year),
        ]
        for p in candidates where p.start == from && p.end == to {
            switch p.precision {
            case .year: return ISODate.pad(y, 4)
            case .month: return ISODate.pad(y, 4) + "-" + ISODate.pad(m, 2)
            case .day: return ISODate.pad(y, 4) + "-" + ISODate.pad(m, 2) + "-" + ISODate.pad(d, 2)
            }
        }
        return nil
    }
}
