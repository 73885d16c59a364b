#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Dates as seconds since 1970-01-01 UTC, parsed from and printed as ISO 8601, without Foundation
/// (its formatters are slow and not thread-safe to share).
public enum ISODate {
    /// Parses `2024-05-01T12:00:00Z`, with optional fractional seconds (dropped) and a `Z`,
    /// `±hh:mm` or `±hhmm` offset (none means UTC), a bare date `2024-05-01`, and the 14-digit
    /// `20240501120000` (and shorter prefixes) of ARC files, CDX and early WARC drafts.
    /// Returns nil for anything else or for out-of-range fields.
    public static func parse(_ text: some StringProtocol) -> Int64? {
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        if bytes.count >= 4, bytes.count <= 14, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return parseCompact(bytes)
        }
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= bytes.count else { return nil }
            var v = 0
            for k in i..<i + digits {
                let d = Int(bytes[k]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            i += digits
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect(0x2D), let mo = number(2), expect(0x2D), let d = number(2) else { return nil }
        var h = 0, mi = 0, s = 0
        if i < bytes.count, bytes[i] == 0x54 || bytes[i] == 0x74 || bytes[i] == 0x20 {
            i += 1
            guard let hh = number(2), expect(0x3A), let mm = number(2) else { return nil }
            h = hh; mi = mm
            if expect(0x3A) {
                guard let ss = number(2) else { return nil }
                s = ss
                if i < bytes.count, bytes[i] == 0x2E || bytes[i] == 0x2C {
                    i += 1
                    while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
                }
            }
        }
        var offset = 0
        if i < bytes.count {
            switch bytes[i] {
            case 0x5A, 0x7A: i += 1
            case 0x2B, 0x2D:
                let sign = bytes[i] == 0x2D ? -1 : 1
                i += 1
                guard let oh = number(2) else { return nil }
                _ = expect(0x3A)
                let om = number(2) ?? 0
                offset = sign * (oh * 3600 + om * 60)
            default: return nil
            }
        }
        guard i == bytes.count else { return nil }
        return epoch(y, mo, d, h, mi, s).map { $0 - Int64(offset) }
    }

    private static func parseCompact(_ b: [UInt8]) -> Int64? {
        func field(_ at: Int, _ len: Int, default value: Int) -> Int {
            guard at + len <= b.count else { return value }
            return b[at..<at + len].reduce(0) { $0 * 10 + Int($1) - 48 }
        }
        return epoch(
            field(0, 4, default: 0), field(4, 2, default: 1), field(6, 2, default: 1),
            field(8, 2, default: 0), field(10, 2, default: 0), field(12, 2, default: 0))
    }

    /// Days in `month` (1–12) of the proleptic Gregorian `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Seconds since 1970 for a proleptic Gregorian UTC date and time, or nil when out of range
    /// (a day the month does not have, such as February 30, is out of range, not March 1).
    public static func epoch(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Int64? {
        guard (1...9999).contains(y), (1...12).contains(mo), (1...daysIn(month: mo, year: y)).contains(d),
            (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s)
        else { return nil }
        let days = Self.days(year: Int64(y), month: Int64(mo), day: Int64(d))
        return days * 86400 + Int64(h * 3600 + mi * 60 + s)
    }

    #if !hasFeature(Embedded)
        /// The current time as `YYYY-MM-DDThh:mm:ssZ` (a manifest's `created`). Not in the wasm
        /// build, which compiles this file for the query's dates and has no clock.
        public static func now() -> String { format(Int64(time(nil))) }
    #endif

    /// Formats seconds since 1970 as `YYYY-MM-DDThh:mm:ssZ`.
    public static func format(_ t: Int64) -> String {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = Int(t - days * 86400)
        let (y64, m64, d64) = civil(fromDays: days)
        let y = Int(y64), m = Int(m64), d = Int(d64)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2))Z"
    }

    /// `v` in decimal with leading zeros to `n` digits (`%0*d` without Foundation, which the
    /// wasm build does not have).
    public static func pad(_ v: Int, _ n: Int) -> String {
        let s = String(v)
        return s.utf8.count >= n ? s : String(repeating: "0", count: n - s.utf8.count) + s
    }

    /// The proleptic Gregorian (year, month, day) of a day number, days since 1970-01-01:
    /// Howard Hinnant's `civil_from_days`, exact for every `Int64` day whose year fits.
    public static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of `civil(fromDays:)`):
    /// Howard Hinnant's `days_from_civil`. Fields are not range-checked.
    public static func days(year y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
