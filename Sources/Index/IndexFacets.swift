import Blocks
import ProllyTree

/// What `indexer facets` (and the search page's filters) count. `lang` counts language
/// terms (`lang:` values), `year` the documents' years (from the date field's `yyyymmdd` terms).
public enum FacetKind: String, Sendable, CaseIterable {
    case tag, mention, site, group, lang, year

    /// The postings field holding the values (without a day restriction).
    var field: Field? {
        switch self {
        case .tag: .tag
        case .mention: .mention
        case .site: .site
        case .group: nil
        case .lang: .lang
        case .year: .date
        }
    }

    /// The field counted since a day: the per-day field (its terms start with `yyyymmdd`), or the
    /// date field itself for years; nil for languages, which have no per-day terms.
    var sinceField: Field? { self == .year ? .date : field?.daily }
}

/// Top values of a field with their document counts (`indexer facets`).
public struct Facets: Sendable {
    public struct Value: Sendable, Equatable {
        public var value: String
        public var count: UInt64
        public init(value: String, count: UInt64) {
            self.value = value
            self.count = count
        }
    }

    /// Most documents first, then by value.
    public var values: [Value]
    /// Postings nodes read (whether from the cache or the store); a subtree of one value is
    /// counted from its parent and never read.
    public var nodesRead = 0
    /// Document records read (tombstoned documents, or the query's matches).
    public var recordsRead = 0

    init(_ counts: [String: UInt64], limit: Int) {
        values = counts.filter { $0.value > 0 }.map { Value(value: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
        if values.count > limit { values.removeLast(values.count - limit) }
    }
}

extension IndexView {
    /// The top `limit` values of `kind` among live documents, dated on or after `sinceDay`
    /// (`yyyymmdd`, UTC) when given.
    ///
    /// Tags, mentions and sites come from their postings counted by term, since-restricted ones
    /// from the per-day fields (`tagDay`: `yyyymmdd ‖ value`, so "since D" is one key range);
    /// groups from the segments' batch sizes (no read at all) or, since a day, from the date
    /// field's postings counted by the DocRef's group. In every case a subtree holding one value
    /// is counted from its parent's count (`Tree.countByGroup`): only nodes where values change
    /// are read. Tombstoned documents are subtracted by reading their records (one each).
    /// Site counts are per `site:` term: a host and each parent domain (`iana.org` counts
    /// `www.iana.org`'s documents too), as `site:` finds them.
    public func facets(_ kind: FacetKind, sinceDay: String? = nil, limit: Int = 10) throws(ReadFailure) -> Facets {
        let removed = try tombstonedRecords()
        var counts: [String: UInt64] = [:]
        func subtract(_ v: String) { if let n = counts[v], n > 0 { counts[v] = n - 1 } }
        if kind == .group && sinceDay == nil {
            for s in segments { for b in s.info.batches { counts[b.group.description, default: 0] += b.documents } }
            for (ref, _) in removed { subtract(ref.group.description) }
            var f = Facets(counts, limit: limit)
            f.recordsRead = removed.count
            return f
        }
        let field: Field
        let valueOf: ([UInt8]) -> String?
        if kind == .group {
            field = .date
            valueOf = { key in ShardKeys.parsePosting(key).map { $0.doc.group.description } }
        } else if kind == .year {
            field = .date
            valueOf = { key in ShardKeys.parsePosting(key).map { String(decoding: $0.term.prefix(4), as: UTF8.self) } }
        } else {
            guard let f = sinceDay == nil ? kind.field : kind.sinceField else {
                throw IndexError.conflict("\(kind.rawValue) facets have no per-day counts: count them without a since day")
            }
            field = f
            valueOf = { key in
                guard let p = ShardKeys.parsePosting(key) else { return nil }
                return String(decoding: sinceDay == nil ? p.term : p.term.dropFirst(8), as: UTF8.self)
            }
        }
        if field.needsFormat2, let old = segments.first(where: { $0.info.formatVersion < 2 }) {
            throw IndexError.needsFormat2(what: "facets \(kind.rawValue) --since", segment: old.cid.description)
        }
        var nodes = 0
        let from = [field.rawValue] + Array((sinceDay ?? "").utf8)
        let to = ShardKeys.successor(ofPrefix: [field.rawValue])
        for s in segments {
            // Group by term ‖ batch (the key less its ordinal): only the segment's own batches count.
            // (A format-4 block lies in one term and batch: the same grouping counts its postings.)
            let (byPrefix, read) = try s.postings.countByGroup(from: from, to: to, weight: s.blockedPostings ? PostingBlock.weight : nil) {
                (key) -> [UInt8]? in
                guard let p = ShardKeys.parsePosting(key), s.owns(p.doc) else { return nil }
                return Array(key.dropLast(4))
            }
            nodes += read
            for (prefix, n) in byPrefix {
                if let v = valueOf(prefix + [0, 0, 0, 0]) { counts[v, default: 0] += n }
            }
        }
        for (ref, r) in removed { facetValues(kind, ref: ref, record: r, sinceDay: sinceDay).forEach(subtract) }
        var f = Facets(counts, limit: limit)
        f.nodesRead = nodes
        f.recordsRead = removed.count
        return f
    }

    /// The top values of `kind` among `docs` (a query's matches), from their records.
    public func facets(_ kind: FacetKind, among docs: [DocRef], sinceDay: String? = nil, limit: Int = 10) throws(ReadFailure) -> Facets {
        var counts: [String: UInt64] = [:]
        let records = try documents(docs)
        for (ref, r) in zip(docs, records) {
            guard let r else { continue }
            for v in facetValues(kind, ref: ref, record: r, sinceDay: sinceDay) { counts[v, default: 0] += 1 }
        }
        var f = Facets(counts, limit: limit)
        f.recordsRead = docs.count
        return f
    }

    /// The values a document adds to `kind`'s counts (none when it is older than `sinceDay`).
    func facetValues(_ kind: FacetKind, ref: DocRef, record r: DocRecord, sinceDay: String?) -> [String] {
        if let sinceDay {
            guard let d = r.date, DateTerms.day(d) >= sinceDay else { return [] }
        }
        let a = IndexAnalyzer()
        switch kind {
        case .tag: return Array(Set(r.tags.map(a.keyword)))
        case .mention: return Array(Set(r.mentions.map(a.keyword)))
        case .site: return a.siteTerms(r.url)
        case .group: return [ref.group.description]
        case .lang: return a.languageTerm(r.lang).map { [$0] } ?? []
        case .year: return r.date.map { [String(DateTerms.day($0).prefix(4))] } ?? []
        }
    }

    /// Records of the view's tombstoned documents that a segment of the view holds.
    func tombstonedRecords() throws(ReadFailure) -> [(DocRef, DocRecord)] {
        var out: [(DocRef, DocRecord)] = []
        for ref in tombstones.keys.sorted() {
            guard let s = segment(owning: ref), let v = try s.docs.get(ref.bytes) else { continue }
            out.append((ref, try DocRecord(encoded: v)))
        }
        return out
    }
}
