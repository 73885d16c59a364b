import Blocks
import Index

/// The order of a page of results.
public enum ResultOrder: String, Sendable, CaseIterable {
    /// Best BM25 score first (the default).
    case relevance
    /// Newest first (`--sort date`).
    case date
    /// Oldest first (a thread's reading order).
    case oldest
}

extension SearchEngine {
    /// Results by date instead of score: the date field's days are walked from the newest (or
    /// oldest) in windows of 1, 2, 4… days, the query restricted to each window, until the page
    /// is full; only the matches in the windows walked are read (their records, for dates and
    /// collapsing). Undated documents come last. `total` is exact only when every day was walked.
    /// Collapsing by URL keeps the capture met first in this order. A `thread:` query, whose
    /// posts are few and already known, is sorted whole.
    public func searchByDate(_ plan: QueryPlan, newestFirst: Bool, limit: Int = 10, offset: Int = 0, texts: Bool = false) throws(ReadFailure)
        -> Result
    {
        let wanted = limit + offset
        // A thread is a few posts already found: sorted all at once, no days walked.
        var days = plan.hasThread ? [] : try view.terms(.date, prefix: [], limit: Int.max).map { String(decoding: $0, as: UTF8.self) }
        if newestFirst { days.reverse() }
        var hits: [Hit] = []
        var byURL: Set<String> = [], digests: Set<[UInt8]> = [], seen: Set<DocRef> = []
        var matched = 0, leaves = 0
        let frequencies = Frequencies()
        // Every restricted plan holds the query's words, so any compilation's terms will do.
        var chunkTerms = TextChunks.QueryTerms()
        func take(_ restricted: QueryPlan) throws(ReadFailure) {
            let c = Compiled(frequencies)
            let root = try live(try compile(restricted, c))
            chunkTerms = c.chunkTerms
            var found: [(DocRef, Double)] = []
            while let d = root.doc {
                if let budget, !budget.step(leaves: root.leavesRead) { break }
                if seen.insert(d).inserted { found.append((d, try root.score())) }
                try root.next()
            }
            leaves += root.leavesRead
            matched += found.count
            let records = try view.documents(found.map { $0.0 })
            var batch: [Hit] = []
            let terms = c.terms
            for ((doc, score), record) in zip(found, records) {
                guard let record else { continue }
                batch.append(Hit(doc: doc, score: score, record: record, terms: terms, voucher: view.voucher(of: doc) ?? []))
            }
            batch.sort { a, b in
                // Undated last in either order.
                if (a.record.date == nil) != (b.record.date == nil) { return b.record.date == nil }
                let x = a.record.date ?? 0, y = b.record.date ?? 0
                if x != y { return newestFirst ? x > y : x < y }
                return a.score != b.score ? a.score > b.score : a.doc < b.doc
            }
            for h in batch {
                guard byURL.insert(h.record.url).inserted else { continue }
                if !h.record.digest.isEmpty && !digests.insert(DocRecord.digestKey(h.record.digest)).inserted { continue }
                hits.append(h)
            }
        }
        var i = 0, window = 1
        while i < days.count && hits.count < wanted && budget?.stopped == nil {
            let chunk = days[i..<min(i + window, days.count)]
            try take(.and([plan, .or(chunk.map { .field(.date, $0) })]))
            i += chunk.count
            window *= 2
        }
        var exact = i >= days.count
        if exact && hits.count < wanted && budget?.stopped == nil {
            // Undated documents: whatever the query matches that no day held.
            try take(plan)
        } else {
            exact = false
        }
        var page = Array(hits.dropFirst(offset).prefix(limit))
        if texts {
            try fetchTexts(&page, at: Array(page.indices), terms: chunkTerms)
        }
        return Result(
            hits: page, total: matched, totalIsExact: exact, leavesRead: leaves, candidatesScored: matched, chunkTerms: chunkTerms)
    }
}
