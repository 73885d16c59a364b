// The search itself in the page: the CLI's `IndexView` (manifest and version signatures,
// segments) and `SearchEngine` (BM25, block-max pruning, collapsing) over the page's blocks,
// restartable like every read here (FedStore.swift).

/// Searches the index whose `manifest.json` bytes are given, for `query`, the best `limit`
/// after `offset`. Returns 0 with one line per hit, `score TAB url TAB title TAB date`
/// (score as the hex of its 64 bits, big-endian; date in seconds or empty); 2 with the framed CIDs to
/// fetch first; 1 with the reason (a query error is `query TAB offset TAB message`).
@_expose(wasm, "qc_search")
@_cdecl("qc_search")
func qcSearch(
    _ manifest: UnsafePointer<UInt8>, _ manifestLength: Int32, _ query: UnsafePointer<UInt8>, _ queryLength: Int32,
    _ limit: Int32, _ offset: Int32
) -> Int32 {
    let manifestBytes = Array(UnsafeBufferPointer(start: manifest, count: Int(max(manifestLength, 0))))
    let text = String(decoding: UnsafeBufferPointer(start: query, count: Int(max(queryLength, 0))), as: UTF8.self)
    let node: QueryNode
    do throws(QueryError) {
        node = try QueryParser.parse(text)
    } catch {
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: "query\t\(error.offset)\t\(error.message)".utf8)
        return 1
    }
    return restartable { () throws(CoreError) in
        let view = try IndexView.open([.init(manifestBytes: manifestBytes, path: "manifest.json", store: fedStore)])
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        let result = try engine.search(QueryPlan(node), limit: Int(limit), offset: Int(offset))
        for hit in result.hits {
            output.append(contentsOf: "\(exactly(hit.score))\t\(hit.record.url)\t\(hit.record.title)\t".utf8)
            if let d = hit.record.date { output.append(contentsOf: "\(d)".utf8) }
            output.append(0x0A)
        }
    }
}

/// A score as the bits of its Double in hex: Embedded Swift prints no floating point, and the
/// tests compare scores exactly.
private func exactly(_ score: Double) -> String { Hex.encode(withUnsafeBytes(of: score.bitPattern.bigEndian) { Array($0) }) }
