import Support
import Testing

@Suite struct ISODateTests {
    @Test(
        arguments: [
            ("2024-05-01T12:00:00Z", 1_714_564_800),
            ("2024-05-01T14:00:00.123+02:00", 1_714_564_800),
            ("2024-05-01T07:30:00-0430", 1_714_564_800),
            ("2024-05-01 12:00:00", 1_714_564_800),
            ("  2024-05-01t12:00Z\t", 1_714_564_800),
            ("20240501120000", 1_714_564_800),
            ("2024-05-01", 1_714_521_600),
            ("202405", 1_714_521_600),
            ("2024", 1_704_067_200),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59Z", -1),
            ("0001-01-01T00:00:00Z", -62_135_596_800),
            ("9999-12-31T23:59:59Z", 253_402_300_799),
            ("2000-02-29", 951_782_400),
        ] as [(String, Int64)])
    func parses(text: String, seconds: Int64) {
        #expect(ISODate.parse(text) == seconds)
    }

    @Test(arguments: [
        "", "yesterday", "2024-13-01T00:00:00Z", "2024-05-32", "2024-02-30", "2023-02-29", "2024-04-31", "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:00Q",
        "0000-01-01", "2024-5-1", "2024-05-01T12", "2024-05-01T12:00:00+", "123", "202413",
    ])
    func refuses(text: String) {
        #expect(ISODate.parse(text) == nil)
    }

    @Test(
        arguments: [
            (0, "1970-01-01T00:00:00Z"), (-1, "1969-12-31T23:59:59Z"), (1_714_564_800, "2024-05-01T12:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"), (-62_135_596_800, "0001-01-01T00:00:00Z"), (253_402_300_799, "9999-12-31T23:59:59Z"),
        ] as [(Int64, String)])
    func formats(seconds: Int64, text: String) {
        #expect(ISODate.format(seconds) == text)
        #expect(ISODate.parse(text) == seconds)
    }

    /// `civil(fromDays:)` and `days(year:month:day:)` are inverses, and days step by one.
    @Test func civilRoundTrip() {
        #expect(ISODate.civil(fromDays: -719_162) == (1, 1, 1))
        var failures = 0
        var previous = ISODate.civil(fromDays: -719_163)
        for day in Int64(-719_162)...Int64(2_932_896) {
            let c = ISODate.civil(fromDays: day)
            if ISODate.days(year: c.year, month: c.month, day: c.day) != day { failures += 1 }
            let next =
                c.day == previous.day + 1 && c.month == previous.month && c.year == previous.year
                || c.day == 1
                    && (c.month == previous.month + 1 && c.year == previous.year
                        || c.month == 1 && previous.month == 12 && c.year == previous.year + 1)
            if !next { failures += 1 }
            previous = c
        }
        #expect(failures == 0)
        #expect(ISODate.civil(fromDays: 2_932_896) == (9999, 12, 31))
        #expect(ISODate.civil(fromDays: 0) == (1970, 1, 1))
    }
}
