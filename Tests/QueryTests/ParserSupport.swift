import Foundation

@testable import Query

/// Short constructors so expected trees read like the queries they come from.
func t(_ s: String, _ f: TextField? = nil) -> QueryNode { .term(field: f, text: s) }
func p(_ s: String, _ f: TextField? = nil) -> QueryNode { .phrase(field: f, text: s) }
func pre(_ s: String, _ f: TextField? = nil) -> QueryNode { .prefix(field: f, text: s) }
func and(_ c: QueryNode...) -> QueryNode { .and(c) }
func or(_ c: QueryNode...) -> QueryNode { .or(c) }
func not(_ c: QueryNode) -> QueryNode { .not(c) }
/// Midnight UTC, in seconds since 1970, computed by Foundation's calendar (not our code).
func day(_ y: Int, _ m: Int, _ d: Int) -> Int64 {
    var c = DateComponents()
    (c.year, c.month, c.day) = (y, m, d)
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    return Int64(cal.date(from: c)!.timeIntervalSince1970)
}

func parse(_ q: String) throws -> QueryNode { try QueryParser.parse(q) }

/// The error a query raises, or nil when it parses.
func parseError(_ q: String) -> QueryError? {
    do { _ = try QueryParser.parse(q); return nil } catch { return error }
}
