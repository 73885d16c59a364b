import Foundation
import Remote
import Search
import Snippets
import Support

/// One search answer as JSON: the one schema of `indexer search --json` and of the server's
/// `/api/search`, keys in this order:
///
///     {"index": "name", "query": "...", "parsed": "...", "total": 123, "totalIsExact": true,
///      "offset": 0, ["partial": true, "partialReason": "...",] "tookMs": 1.70,
///      "results": [{"url", "title", "score", "date", "group", "groupName"?, "voucher", "recordId", "file",
///                   "offset", "replay", "author", "authorName", "parent", "snippet", "highlights", "snippetHTML"}],
///      "stats": {"requests", "bytes", "roundTrips", "blocks", "cacheHits"}}
///
/// `index` and `tookMs` are present when a server answers (the index's name, the time it took);
/// `stats` when the reader counted what the search cost (the CLI); `partial` and
/// `partialReason` only when the search stopped early on its budget (the server's
/// `SearchBudget`): the results are the best of the documents examined. `parsed` is the query's
/// canonical `description` (what was actually searched); `total` is a lower bound unless
/// `totalIsExact`. `date` is ISO 8601 UTC or null; `score` has six significant digits (null if
/// not finite). `recordId`, `file` and `offset` locate the capture (null for documents that
/// came from no WARC record) and `replay` links to it (null without a template). `snippet` is the plain passage text, `highlights` its marked spans as
/// `[start, end)` pairs of Unicode code point offsets (the indexing of Python strings), and
/// `snippetHTML` the same passage HTML-escaped with the spans in `<mark>`.
public enum SearchJSON {
    public static func document(
        query: String, page: IndexSearch.Page, offset: Int, index: String? = nil,
        tookMs: Double? = nil, cost: ReadCost? = nil, partial: String? = nil
    ) -> String {
        var w = JSONWriter()
        w.object { w in
            if let index { w.key("index"); w.string(index) }
            w.key("query"); w.string(query)
            w.key("parsed"); w.string(page.parsed.description)
            w.key("total"); w.number(Int64(page.total))
            w.key("totalIsExact"); w.bool(page.totalIsExact)
            w.key("offset"); w.number(Int64(offset))
            if let partial { w.key("partial"); w.bool(true); w.key("partialReason"); w.string(partial) }
            if let tookMs { w.key("tookMs"); w.number(formatted: String(format: "%.2f", tookMs)) }
            w.key("results")
            w.array { w in for r in page.results { result(r, into: &w) } }
            if let c = cost {
                w.key("stats")
                w.object { w in
                    for (k, v) in [
                        ("requests", c.requests), ("bytes", c.bytes), ("roundTrips", c.roundTrips), ("blocks", c.blocks), ("cacheHits", c.cacheHits),
                    ] {
                        w.key(k); w.number(Int64(v))
                    }
                }
            }
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// A query that could not run, as the API's 400 answers say it: `{"error": "…"}`, with the
    /// 1-based `column` of the problem when the parser found one.
    public static func error(_ message: String, column: Int? = nil) -> String {
        var w = JSONWriter()
        w.object { w in
            w.key("error"); w.string(message)
            if let column { w.key("column"); w.number(Int64(column)) }
        }
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func result(_ r: SearchResult, into w: inout JSONWriter) {
        w.object { w in
            w.key("url"); w.string(r.url)
            w.key("title"); w.string(r.title)
            w.key("score")
            if r.score.isFinite { w.number(formatted: String(format: "%.6g", r.score)) } else { w.null() }
            w.key("date")
            if let d = r.date { w.string(ISODate.format(d)) } else { w.null() }
            w.key("group"); w.string(r.group)
            if let name = r.groupName { w.key("groupName"); w.string(name) }
            w.key("voucher"); w.string(r.voucher)
            w.key("recordId"); optional(r.recordID, &w)
            w.key("file"); optional(r.file, &w)
            w.key("offset")
            if let o = r.offset { w.number(o) } else { w.null() }
            w.key("replay"); optional(r.replay, &w)
            w.key("author"); optional(r.author, &w)
            w.key("authorName"); optional(r.authorName, &w)
            w.key("parent"); optional(r.parent, &w)
            w.key("snippet"); w.string(r.snippet.text)
            w.key("highlights")
            w.array { w in
                for h in codePointRanges(r.snippet) {
                    w.array { w in
                        w.number(Int64(h.lowerBound)); w.number(Int64(h.upperBound))
                    }
                }
            }
            w.key("snippetHTML"); w.string(r.snippet.rendered(.html))
        }
    }

    private static func optional(_ s: String?, _ w: inout JSONWriter) {
        if let s { w.string(s) } else { w.null() }
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
}
