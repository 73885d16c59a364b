// What the search page needs beside the search itself: its filters' counts (`IndexView.facets`,
// Sources/Index/IndexFacets.swift, restartable like every read here, FedStore.swift), group
// names, and the order of results.

/// Counts the top `limit` values of each kind in `kinds` (a bit per `FacetKind.allCases` case,
/// in order: tag, mention, site, group, lang, year). With an empty `query`, among the whole
/// index, from the postings trees' internal nodes (`indexer facets KIND`); otherwise among the
/// query's first `matchLimit` matches, from their records (`indexer facets KIND --query`).
/// Returns 0 with one JSON object per line, `{"kind","values":[[value,count],…],"matches",
/// "truncated"}` (`matches`: the matches counted, -1 for the whole index; `truncated`: the
/// query had more); 2 with the framed CIDs to fetch first; 1 with the reason (a query that
/// does not parse: `query TAB offset TAB message`, as `qc_search`).
@_expose(wasm, "qc_facets")
@_cdecl("qc_facets")
func qcFacets(
    _ manifest: UnsafePointer<UInt8>, _ manifestLength: Int32, _ query: UnsafePointer<UInt8>, _ queryLength: Int32,
    _ kinds: Int32, _ limit: Int32, _ matchLimit: Int32
) -> Int32 {
    let manifestBytes = Array(UnsafeBufferPointer(start: manifest, count: Int(max(manifestLength, 0))))
    let blank = UnsafeBufferPointer(start: query, count: Int(max(queryLength, 0))).allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A }
    var node: QueryNode? = nil
    if !blank {
        guard let parsed = parsedQuery(query, queryLength) else { return 1 }
        node = parsed
    }
    let wanted = FacetKind.allCases.enumerated().filter { kinds & (1 << $0.offset) != 0 }.map { $0.element }
    let top = Int(max(limit, 1)), cap = Int(max(matchLimit, 1))
    return restartable { () throws(CoreError) in
        let view = try openedView(manifestBytes)
        // One more than the cap tells whether the query had more.
        var docs: [DocRef]? = nil
        if let node { docs = try SearchEngine(view: view, analyzer: IndexAnalyzer()).allMatches(QueryPlan(node), limit: cap + 1) }
        let truncated = (docs?.count ?? 0) > cap
        if truncated { docs?.removeLast() }
        // Every kind's reads before any output: a restart repeats the whole call.
        var lines: [JSON] = []
        for kind in wanted {
            let f: Facets
            if let docs { f = try view.facets(kind, among: docs, limit: top) } else { f = try view.facets(kind, limit: top) }
            lines.append(
                .object([
                    "kind": .string(kind.rawValue),
                    "values": .array(f.values.map { .array([.string($0.value), .int(Int64($0.count))]) }),
                    "matches": .int(Int64(docs?.count ?? -1)), "truncated": .bool(truncated),
                ]))
        }
        for l in lines {
            output.append(contentsOf: l.canonical)
            output.append(0x0A)
        }
    }
}

/// The display names of a merged index's groups for the page's results and group filter:
/// `names` (the bytes of `names.json` beside the manifest) checked as `indexer search` checks
/// them (`GroupNames.verified`: signed by the key that signed `manifest`). Returns 0 with a JSON
/// object, group ID to name, empty when the file is not signed by that key; 1 when the manifest
/// does not parse.
@_expose(wasm, "qc_group_names")
@_cdecl("qc_group_names")
func qcGroupNames(_ manifest: UnsafePointer<UInt8>, _ manifestLength: Int32, _ names: UnsafePointer<UInt8>, _ namesLength: Int32) -> Int32 {
    output.removeAll(keepingCapacity: true)
    let manifestBytes = Array(UnsafeBufferPointer(start: manifest, count: Int(max(manifestLength, 0))))
    let nameBytes = Array(UnsafeBufferPointer(start: names, count: Int(max(namesLength, 0))))
    guard let m = try? Manifest.parse(manifestBytes, path: "manifest.json") else {
        output.append(contentsOf: "manifest.json does not parse".utf8)
        return 1
    }
    let verified = GroupNames.verified(nameBytes, signer: m.signer) ?? [:]
    output.append(contentsOf: JSON.object(verified.mapValues { .string($0) }).canonical)
    return 0
}

/// The order `qc_search` and `qc_search_json` give results in, as `indexer search --sort`:
/// `order` 0 the default (relevance; a `thread:` query oldest first), 1 relevance, 2 newest
/// first, 3 oldest first. Returns 0, or 1 for another value.
@_expose(wasm, "qc_search_order")
@_cdecl("qc_search_order")
func qcSearchOrder(_ order: Int32) -> Int32 {
    output.removeAll(keepingCapacity: true)
    switch order {
    case 0: searchOrder = nil
    case 1: searchOrder = .relevance
    case 2: searchOrder = .date
    case 3: searchOrder = .oldest
    default: return 1
    }
    return 0
}

/// Set by `qc_search_order`.
nonisolated(unsafe) var searchOrder: ResultOrder? = nil
