// The search itself in the page: the CLI's `IndexView` (manifest and version signatures,
// segments) and `SearchEngine` (BM25, block-max pruning, collapsing) over the page's blocks,
// restartable like every read here (FedStore.swift).

/// Searches the index whose `manifest.json` bytes are given, for `query`, the best `limit`
/// after `offset`, as `indexer search` does (`IndexSearch`: the engine, snippets from the text
/// tree, replay links from each group's template). Returns 0 with one line per hit,
/// `scoreBits TAB url TAB title TAB date` (the score's 64 bits in hex, big-endian; the date in
/// seconds or empty), then, for `json` 1, the results as one JSON object per line instead:
/// `{"url","title","date","score" (hex bits),"group","snippet" (HTML with <mark>),
/// "recordId","file","offset","replay"}` and a last line `{"total","totalIsExact"}`.
/// Returns 2 with the framed CIDs to fetch first; 1 with the reason (a query that does not
/// parse: `query TAB offset TAB message`).
@_expose(wasm, "qc_search")
@_cdecl("qc_search")
func qcSearch(
    _ manifest: UnsafePointer<UInt8>, _ manifestLength: Int32, _ query: UnsafePointer<UInt8>, _ queryLength: Int32,
    _ limit: Int32, _ offset: Int32
) -> Int32 {
    search(manifest, manifestLength, query, queryLength, limit, offset, json: false)
}

@_expose(wasm, "qc_search_json")
@_cdecl("qc_search_json")
func qcSearchJSON(
    _ manifest: UnsafePointer<UInt8>, _ manifestLength: Int32, _ query: UnsafePointer<UInt8>, _ queryLength: Int32,
    _ limit: Int32, _ offset: Int32
) -> Int32 {
    search(manifest, manifestLength, query, queryLength, limit, offset, json: true)
}

private func search(
    _ manifest: UnsafePointer<UInt8>, _ manifestLength: Int32, _ query: UnsafePointer<UInt8>, _ queryLength: Int32,
    _ limit: Int32, _ offset: Int32, json: Bool
) -> Int32 {
    let manifestBytes = Array(UnsafeBufferPointer(start: manifest, count: Int(max(manifestLength, 0))))
    guard let node = parsedQuery(query, queryLength) else { return 1 }
    return restartable { () throws(CoreError) in
        let view = try openedView(manifestBytes)
        var engine = IndexSearch(view: view)
        engine.order = searchOrder
        let page = try engine.run(node, limit: Int(limit), offset: Int(offset))
        for r in page.results {
            if json {
                var o: [String: JSON] = [
                    "url": .string(r.url), "title": .string(r.title), "score": .string(exactly(r.score)),
                    "group": .string(r.group), "snippet": .string(r.snippet.rendered(.html)),
                ]
                if let d = r.date { o["date"] = .int(d) }
                if let id = r.recordID { o["recordId"] = .string(id) }
                if let f = r.file { o["file"] = .string(f) }
                if let n = r.offset { o["offset"] = .int(n) }
                if let link = r.replay { o["replay"] = .string(link) }
                output.append(contentsOf: JSON.object(o).canonical)
            } else {
                output.append(contentsOf: "\(exactly(r.score))\t\(r.url)\t\(r.title)\t".utf8)
                if let d = r.date { output.append(contentsOf: "\(d)".utf8) }
            }
            output.append(0x0A)
        }
        if json {
            output.append(contentsOf: JSON.object(["total": .int(Int64(page.total)), "totalIsExact": .bool(page.totalIsExact)]).canonical)
            output.append(0x0A)
        }
    }
}

/// The query at `text`, or nil with `query TAB offset TAB message` as the output.
func parsedQuery(_ text: UnsafePointer<UInt8>, _ length: Int32) -> QueryNode? {
    do throws(QueryError) {
        return try QueryParser.parse(String(decoding: UnsafeBufferPointer(start: text, count: Int(max(length, 0))), as: UTF8.self))
    } catch {
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: "query\t\(error.offset)\t\(error.message)".utf8)
        return nil
    }
}

/// The keys the page trusts (`ReadPolicy.trustedKeys`; nil: every validly signed group, as
/// `indexer search` without `--trust`).
nonisolated(unsafe) private var trustedKeys: [[UInt8]]? = nil

/// Sets the trust list, as `indexer search --trust FILE`: `keys` is a framed list of 32-byte
/// Ed25519 public keys; none (length 0) trusts every validly signed group again. Only the
/// trusted groups' segments are searched; a manifest with none is refused ("nothing to read").
/// Returns 0, or 1 with the reason the list is malformed.
@_expose(wasm, "qc_trust")
@_cdecl("qc_trust")
func qcTrust(_ keys: UnsafePointer<UInt8>, _ keysLength: Int32) -> Int32 {
    output.removeAll(keepingCapacity: true)
    let bytes = Array(UnsafeBufferPointer(start: keys, count: Int(max(keysLength, 0))))
    guard let list = framedList(bytes), list.allSatisfy({ $0.count == Ed25519.publicKeyBytes }) else {
        output.append(contentsOf: "a trust list holds 32-byte Ed25519 public keys".utf8)
        return 1
    }
    trustedKeys = list.isEmpty ? nil : list
    opened = nil
    return 0
}

/// `bootstrap.car` as the page fetched it beside the manifest (`IndexView.Source.bootstrapFile`):
/// used only when its hash is the one the manifest signs, each block verified like any other.
nonisolated(unsafe) private var bootstrapFile: [UInt8]? = nil

/// Sets the bootstrap file the next views open with (length 0: none). Returns 0.
@_expose(wasm, "qc_bootstrap")
@_cdecl("qc_bootstrap")
func qcBootstrap(_ bytes: UnsafePointer<UInt8>, _ length: Int32) -> Int32 {
    output.removeAll(keepingCapacity: true)
    bootstrapFile = length > 0 ? Array(UnsafeBufferPointer(start: bytes, count: Int(length))) : nil
    opened = nil
    return 0
}

/// The view of the manifest last searched. Opening checks every signature and decodes the
/// index's root blocks, and the view's `NodeReader` holds the decoded tree nodes: kept, a
/// retry after a round trip and the next query (the page fetches the manifest once) redo only
/// the walk. A view is kept only once it opened, so a manifest refused is refused every time.
nonisolated(unsafe) private var opened: (manifest: [UInt8], view: IndexView)? = nil

func openedView(_ manifest: [UInt8]) throws(CoreError) -> IndexView {
    if let opened, opened.manifest == manifest { return opened.view }
    let view = try IndexView.open(
        [.init(manifestBytes: manifest, path: "manifest.json", store: fedStore, bootstrapFile: bootstrapFile)],
        policy: ReadPolicy(trustedKeys: trustedKeys))
    opened = (manifest, view)
    return view
}

/// A score as the bits of its Double in hex: Embedded Swift prints no floating point, and the
/// tests compare scores exactly.
private func exactly(_ score: Double) -> String { Hex.encode(withUnsafeBytes(of: score.bitPattern.bigEndian) { Array($0) }) }
