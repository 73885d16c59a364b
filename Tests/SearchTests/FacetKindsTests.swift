import Foundation
import Index
import IndexTestSupport
import Testing

/// `indexer facets lang` and `year` (the search page's language and date filters) count what
/// the documents say, computed here from the documents themselves: languages as `lang:` folds
/// them, years from the dates by the calendar (UTC).
@Suite struct FacetKindsTests {
    @Test func languagesAndYearsCountTheDocuments() throws {
        let docs = corpus(120, seed: 4)
        let (view, _) = try buildIndex(docs)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var langs: [String: UInt64] = [:], years: [String: UInt64] = [:]
        for d in docs {
            if let l = d.lang { langs[l.lowercased(), default: 0] += 1 }
            if let s = d.date { years[String(calendar.component(.year, from: Date(timeIntervalSince1970: TimeInterval(s)))), default: 0] += 1 }
        }
        #expect(years.count > 1 && langs.count > 1, "the corpus spans years and languages")
        func counts(_ f: Facets) -> [String: UInt64] { Dictionary(f.values.map { ($0.value, $0.count) }) { a, _ in a } }
        #expect(counts(try view.facets(.lang, limit: 50)) == langs)
        #expect(counts(try view.facets(.year, limit: 50)) == years)
        // Since a day: only the documents dated on or after it.
        let since = Date(timeIntervalSince1970: TimeInterval(docs[60].date!))
        let day = ISO8601DateFormatter.string(from: since, timeZone: calendar.timeZone, formatOptions: [.withFullDate]).replacingOccurrences(
            of: "-", with: "")
        let later = docs.filter { $0.date! >= Int64(calendar.startOfDay(for: since).timeIntervalSince1970) }
        let expected = Dictionary(grouping: later) { String(calendar.component(.year, from: Date(timeIntervalSince1970: TimeInterval($0.date!)))) }
            .mapValues { UInt64($0.count) }
        #expect(counts(try view.facets(.year, sinceDay: day, limit: 50)) == expected)
        // Among given documents (a query's matches), from their records: the same counts.
        let all = (0..<docs.count).map { DocRef(group: testKey.group, batch: 0, ordinal: UInt32($0)) }
        #expect(counts(try view.facets(.lang, among: all, limit: 50)) == langs)
        #expect(counts(try view.facets(.year, among: all, limit: 50)) == years)
        // Languages have no per-day terms.
        #expect(throws: (any Error).self) { try view.facets(.lang, sinceDay: day) }
    }
}
