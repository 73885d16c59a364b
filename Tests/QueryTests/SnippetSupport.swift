@testable import Query

/// A deliberately simple analyzer for the passage-selection tests: lower-cased runs of letters
/// and digits, CJK runs as overlapping bigrams. The analyzer tests use the real analyzer.
struct WordAnalyzer: SnippetAnalyzer {
    func makeScratch() -> [String] { [] }
    func prepare(_ scratch: inout [String], language: String?) {}

    func forEachTerm(of utf8: UnsafeRawBufferPointer, scratch: inout [String], _ body: (UnsafeRawBufferPointer) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        var word = ""
        var cjk: [Unicode.Scalar] = []
        func flush() {
            if !word.isEmpty { scratch.append(word.lowercased()); word = "" }
            if cjk.count == 1 { scratch.append(String(cjk[0])) }
            if cjk.count > 1 { for k in 0..<cjk.count - 1 { scratch.append(String(cjk[k]) + String(cjk[k + 1])) } }
            cjk = []
        }
        for s in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            if (0x3040...0x30FF).contains(s.value) || (0x4E00...0x9FFF).contains(s.value) {
                if !word.isEmpty { flush() }
                cjk.append(s)
            } else if s.properties.isAlphabetic || s.properties.numericType != nil {
                if !cjk.isEmpty { flush() }
                word.unicodeScalars.append(s)
            } else {
                flush()
            }
        }
        flush()
        for t in scratch { var t = t; t.withUTF8 { body(UnsafeRawBufferPointer($0)) } }
    }
}

func snip(_ text: String, _ terms: [String], prefixes: [String] = [], columns: Int = 200, scan: Int = 64 * 1024,
          probeBytes: Int = 8 << 20) -> Snippet {
    SnippetBuilder(maxColumns: columns, maxScanBytes: scan, maxProbeBytes: probeBytes)
        .snippet(for: text, terms: HighlightTerms(terms: terms, prefixes: prefixes), analyzer: WordAnalyzer())
}
