import Foundation
import Support

/// The `--json` document of `indexer search`, with keys in a fixed order:
///
///     {"query": "...", "parsed": "...", "total": 123,
///      "results": [{"url", "title", "score", "date", "group", "snippet", "highlights"}],
///      "stats": {"requests", "bytes", "roundTrips", "blocks"}}
///
/// `parsed` is the query's canonical `description` (what was actually searched). `date` is
/// ISO 8601 UTC or null; `score` has six significant digits (null if not finite). `snippet`
/// is the plain passage text and `highlights` its marked spans as `[start, end)` pairs of
/// Unicode code point offsets (the indexing of Python strings). `stats` is omitted when nil.
public enum SearchJSON {
    public static func document(query: String, parsed: QueryNode?, total: Int, results: [SearchResult],
                                counters: SearchCounters?) -> String {
        var out = "{\"query\":" + string(query)
        if let parsed { out += ",\"parsed\":" + string(parsed.description) }
        out += ",\"total\":\(total),\"results\":["
        out += results.map(result).joined(separator: ",")
        out += "]"
        if let c = counters {
            out += ",\"stats\":{\"requests\":\(c.requests),\"bytes\":\(c.bytes),\"roundTrips\":\(c.roundTrips),\"blocks\":\(c.blocks),\"cacheHits\":\(c.cacheHits)}"
        }
        return out + "}"
    }

    static func result(_ r: SearchResult) -> String {
        var out = "{\"url\":" + string(r.url) + ",\"title\":" + string(r.title)
        out += ",\"score\":" + (r.score.isFinite ? String(format: "%.6g", r.score) : "null")
        out += ",\"date\":" + (r.date.map { string(ISODate.format($0)) } ?? "null")
        out += ",\"group\":" + string(r.group)
        out += ",\"snippet\":" + string(r.snippet.text)
        out += ",\"highlights\":[" + codePointRanges(r.snippet).map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",") + "]"
        return out + "}"
    }

    /// The snippet's UTF-8 highlight ranges as code point offsets.
    static func codePointRanges(_ s: Snippet) -> [Range<Int>] {
        var byteToScalar: [Int: Int] = [:]
        var bytes = 0, scalars = 0
        let wanted = Set(s.highlights.flatMap { [$0.lowerBound, $0.upperBound] })
        for c in s.text.unicodeScalars {
            if wanted.contains(bytes) { byteToScalar[bytes] = scalars }
            bytes += c.utf8.count
            scalars += 1
        }
        if wanted.contains(bytes) { byteToScalar[bytes] = scalars }
        return s.highlights.compactMap { r in
            guard let a = byteToScalar[r.lowerBound], let b = byteToScalar[r.upperBound] else { return nil }
            return a..<b
        }
    }

    /// A JSON string literal (`JSON.quoted`, the one escaper every JSON writer uses).
    public static func string(_ s: String) -> String { JSON.quoted(s) }
}
