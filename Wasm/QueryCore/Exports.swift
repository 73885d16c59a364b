// The query core's C ABI over linear memory: what the browser page (and the test driver,
// driver.c) calls. Compiled by `make wasm` into one Embedded Swift module with
// Sources/Analysis, Sources/Query and Support's ISODate.swift; never part of the SwiftPM build.
//
// Calling convention: the caller gets memory with `qc_alloc`, writes UTF-8 there, calls an
// operation with (pointer, length), then reads the result from `qc_output()` for
// `qc_output_length()` bytes. The result stays valid until the next operation.

/// The last operation's result; owned by the module, replaced by each operation.
nonisolated(unsafe) var output: [UInt8] = []

@_expose(wasm, "qc_alloc")
@_cdecl("qc_alloc")
func qcAlloc(_ count: Int32) -> UnsafeMutableRawPointer {
    UnsafeMutableRawPointer.allocate(byteCount: Int(max(count, 1)), alignment: 8)
}

@_expose(wasm, "qc_free")
@_cdecl("qc_free")
func qcFree(_ pointer: UnsafeMutableRawPointer) {
    pointer.deallocate()
}

@_expose(wasm, "qc_output")
@_cdecl("qc_output")
func qcOutput() -> UnsafeRawPointer? {
    // The array is not touched until the next operation, so its storage stays put.
    output.withUnsafeBytes { $0.baseAddress }
}

@_expose(wasm, "qc_output_length")
@_cdecl("qc_output_length")
func qcOutputLength() -> Int32 {
    Int32(output.count)
}

/// For the C exports (blocks.c): the output resized to `count` bytes for them to fill.
@_cdecl("qc_output_reserve")
func qcOutputReserve(_ count: Int32) -> UnsafeMutablePointer<UInt8>? {
    output.removeAll(keepingCapacity: true)
    output.append(contentsOf: repeatElement(0, count: Int(max(count, 0))))
    return output.withUnsafeMutableBufferPointer { $0.baseAddress }
}

/// For the C exports: `count` bytes at `bytes` as the output.
@_cdecl("qc_output_set")
func qcOutputSet(_ bytes: UnsafePointer<UInt8>, _ count: Int32) {
    output.removeAll(keepingCapacity: true)
    output.append(contentsOf: UnsafeBufferPointer(start: bytes, count: Int(max(count, 0))))
}

/// Analyzes UTF-8 text as a document body (`mode` 0: English stemming, 1: none) or as a query's
/// words (`mode` 2: stemmed and unstemmed forms). Output: one line per term,
/// `term TAB position TAB kind` (mode 2: `stemmed TAB unstemmed TAB position TAB kind`), kind
/// being `TokenKind`'s raw value. Returns the number of terms, or -1 for an unknown mode.
@_expose(wasm, "qc_analyze")
@_cdecl("qc_analyze")
func qcAnalyze(_ text: UnsafePointer<UInt8>, _ length: Int32, _ mode: Int32) -> Int32 {
    let input = string(text, length)
    output.removeAll(keepingCapacity: true)
    switch mode {
    case 0, 1:
        let tokens = Analyzer().tokens(input, stemming: mode == 0 ? .english : .none)
        for t in tokens { line([t.term, number(t.position), number(Int(t.kind.rawValue))]) }
        return Int32(tokens.count)
    case 2:
        let terms = Analyzer().analyzeQuery(input)
        for t in terms { line([t.stemmed, t.unstemmed, number(t.position), number(Int(t.kind.rawValue))]) }
        return Int32(terms.count)
    default:
        return -1
    }
}

/// Parses a query. Returns 0 with the canonical query (`QueryNode.description`) as the output,
/// or 1 with `offset TAB message` (offset in `Character`s, as `QueryError.offset`).
@_expose(wasm, "qc_parse")
@_cdecl("qc_parse")
func qcParse(_ text: UnsafePointer<UInt8>, _ length: Int32) -> Int32 {
    let input = string(text, length)
    output.removeAll(keepingCapacity: true)
    do throws(QueryError) {
        let node = try QueryParser.parse(input)
        output.append(contentsOf: node.description.utf8)
        return 0
    } catch {
        return queryFailed(error)
    }
}

/// The best passage of a document's text for a query, as `indexer search` picks it: returns 0
/// with the passage as HTML (escaped, matches in `<mark>`), or 1 with `offset TAB message` when
/// the query does not parse. `columns` is the passage width (`SnippetBuilder.maxColumns`).
@_expose(wasm, "qc_snippet")
@_cdecl("qc_snippet")
func qcSnippet(
    _ query: UnsafePointer<UInt8>, _ queryLength: Int32, _ text: UnsafePointer<UInt8>, _ textLength: Int32,
    _ columns: Int32
) -> Int32 {
    let queryText = string(query, queryLength)
    let document = string(text, textLength)
    output.removeAll(keepingCapacity: true)
    do throws(QueryError) {
        let node = try QueryParser.parse(queryText)
        let analyzer = Analyzer()
        let terms = HighlightTerms(query: node, analyzer: analyzer, language: nil)
        let snippet = SnippetBuilder(maxColumns: Int(columns)).snippet(for: document, terms: terms, analyzer: analyzer)
        output.append(contentsOf: snippet.rendered(.html).utf8)
        return 0
    } catch {
        return queryFailed(error)
    }
}

/// `offset TAB message` as the output; returns 1.
private func queryFailed(_ error: QueryError) -> Int32 {
    output.append(contentsOf: number(error.offset).utf8)
    output.append(0x09)
    output.append(contentsOf: error.message.utf8)
    return 1
}

/// Malformed UTF-8 is repaired (U+FFFD), as `String(decoding:as:)` does natively.
private func string(_ text: UnsafePointer<UInt8>, _ length: Int32) -> String {
    String(decoding: UnsafeBufferPointer(start: text, count: Int(max(length, 0))), as: UTF8.self)
}

private func number(_ n: Int) -> String { String(n) }

private func line(_ fields: [String]) {
    for (i, f) in fields.enumerated() {
        if i > 0 { output.append(0x09) }
        output.append(contentsOf: f.utf8)
    }
    output.append(0x0A)
}
