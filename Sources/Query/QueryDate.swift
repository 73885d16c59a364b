import Foundation

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
            guard (i == 0 ? p.count == 4 : (1...maxDigits).contains(p.count)),
                  p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(p) else { return nil }
            numbers.append(n)
        }
        let year = numbers[0]
        guard year >= 1 else { throw .noSuchDate }
        if numbers.count == 1 { return QueryPeriod(year: year, month: 1, day: 1, precision: .year) }
        let month = numbers[1]
        guard (1...12).contains(month) else { throw .noSuchDate }
        if numbers.count == 2 { return QueryPeriod(year: year, month: month, day: 1, precision: .month) }
        let day = numbers[2]
        guard day >= 1, day <= daysIn(month: month, year: year) else { throw .noSuchDate }
        return QueryPeriod(year: year, month: month, day: day, precision: .day)
    }

    enum DateProblem: Error { case noSuchDate }

    /// Midnight UTC at the start of the period.
    var start: Date { QueryPeriod.date(year: year, month: month, day: day) }

    /// Midnight UTC at the start of the next period (the exclusive end of this one).
    var end: Date {
        switch precision {
        case .year: return QueryPeriod.date(year: year + 1, month: 1, day: 1)
        case .month: return month == 12 ? QueryPeriod.date(year: year + 1, month: 1, day: 1)
                                        : QueryPeriod.date(year: year, month: month + 1, day: 1)
        case .day: return start.addingTimeInterval(86_400)
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Midnight UTC of a civil date, from Howard Hinnant's `days_from_civil` (exact integer
    /// arithmetic, no calendar or time-zone object involved).
    static func date(year: Int, month: Int, day: Int) -> Date {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days) * 86_400)
    }

    /// The civil date of a whole-day instant, or nil if `date` is not midnight UTC.
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int)? {
        let seconds = date.timeIntervalSince1970
        guard seconds.rounded(.down) == seconds, abs(seconds) < 1e14 else { return nil }
        let s = Int(seconds)
        guard s % 86_400 == 0 else { return nil }
        let z = s / 86_400 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The shortest query text for a bound: `2024` for Jan 1, `2024-05` for a first of the
    /// month, else `2024-05-17`; an instant that is not midnight UTC prints in full ISO 8601.
    static func text(for date: Date) -> String {
        guard let (y, m, d) = civil(date), y >= 1, y <= 9999 else {
            return date.formatted(.iso8601)
        }
        let year = String(format: "%04d", y)
        if m == 1 && d == 1 { return year }
        if d == 1 { return year + String(format: "-%02d", m) }
        return year + String(format: "-%02d-%02d", m, d)
    }

    /// `date:P` text when `[from, to)` is exactly one year, month or day, else nil.
    static func periodText(from: Date, to: Date) -> String? {
        guard let (y, m, d) = civil(from), y >= 1, y <= 9999 else { return nil }
        let candidates: [QueryPeriod] = [
            QueryPeriod(year: y, month: m, day: d, precision: .day),
            QueryPeriod(year: y, month: m, day: 1, precision: .month),
            QueryPeriod(year: y, month: 1, day: 1, precision: .year),
        ]
        for p in candidates where p.start == from && p.end == to {
            switch p.precision {
            case .year: return String(format: "%04d", y)
            case .month: return String(format: "%04d-%02d", y, m)
            case .day: return String(format: "%04d-%02d-%02d", y, m, d)
            }
        }
        return nil
    }
}
