import Foundation
import Remote
import Search
import Snippets
import Support

/// One search answer as JSON: the one schema of `indexer search --json` and of the server's
/// `/api/search`, keys in this order:
///
///     {"index": "name", "query": "...", "parsed": "...", "total": 123, "totalIsExact": true,
///      "offset": 0, "tookMs": 1.70,
///      "results": [{"url", "title", "score", "date", "group", "snippet", "highlights", "snippetHTML"}],
///      "stats": {"requests", "bytes", "roundTrips", "blocks", "cacheHits"}}
///
/// `index` and `tookMs` are present when a server answers (the index's name, the time it took);
/// `stats` when the reader counted what the search cost (the CLI). `parsed` is the query's
/// canonical `description` (what was actually searched); `total` is a lower bound unless
/// `totalIsExact`. `date` is ISO 8601 UTC or null; `score` has six significant digits (null if
/// not finite). `snippet` is the plain passage text, `highlights` its marked spans as
/// `[start, end)` pairs of Unicode code point offsets (the indexing of Python strings), and
/// `snippetHTML` the same passage HTML-escaped with the spans in `<mark>`.
public enum SearchJSON {
    public static func document(
        query: String, page: IndexSearch.Page, offset: Int, index: String? = nil,
        tookMs: Double? = nil, cost: ReadCost? = nil
    ) -> String {
        var out = "{"
        if let index { out += "\"index\":" + string(index) + "," }
        out += "\"query\":" + string(query) + ",\"parsed\":" + string(page.parsed.description)
        out += ",\"total\":\(page.total),\"totalIsExact\":\(page.totalIsExact),\"offset\":\(offset)"
        if let tookMs { out += ",\"tookMs\":" + String(format: "%.2f", tookMs) }
        out += ",\"results\":[" + page.results.map(result).joined(separator: ",") + "]"
        if let c = cost {
            out +=
                ",\"stats\":{\"requests\":\(c.requests),\"bytes\":\(c.bytes),\"roundTrips\":\(c.roundTrips),\"blocks\":\(c.blocks),\"cacheHits\":\(c.cacheHits)}"
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
        out += ",\"snippetHTML\":" + string(r.snippet.rendered(.html))
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
