@testable import Snippets

/// A deliberately simple analyzer for the passage-selection tests: lower-cased runs of letters
/// and digits, CJK runs as overlapping bigrams. The analyzer tests use the real analyzer.
struct WordAnalyzer: SnippetAnalyzer {
    func makeScratch() { () }
    func prepare(_ scratch: inout Void, language: String?) {}

    func forEachTerm(of utf8: UnsafeRawBufferPointer, scratch: inout Void, _ body: (UnsafeRawBufferPointer) -> Void) {
        forEachSpan(of: utf8, scratch: &scratch) { _, term in body(term) }
    }

    func forEachSpan(of utf8: UnsafeRawBufferPointer, scratch: inout Void, _ body: (Range<Int>, UnsafeRawBufferPointer) -> Void) {
        var spans: [(Range<Int>, String)] = []
        var word = "", wordStart = 0
        var cjk: [(Int, Unicode.Scalar)] = []
        var offset = 0
        func flush() {
            if !word.isEmpty { spans.append((wordStart..<offset, word.lowercased())); word = "" }
            if cjk.count == 1 { spans.append((cjk[0].0..<offset, String(cjk[0].1))) }
            if cjk.count > 1 {
                for k in 0..<cjk.count - 1 {
                    spans.append((cjk[k].0..<(k + 2 < cjk.count ? cjk[k + 2].0 : offset), String(cjk[k].1) + String(cjk[k + 1].1)))
                }
            }
            cjk = []
        }
        for s in String(decoding: utf8, as: UTF8.self).unicodeScalars {
            if (0x3040...0x30FF).contains(s.value) || (0x4E00...0x9FFF).contains(s.value) {
                if !word.isEmpty { flush() }
                cjk.append((offset, s))
            } else if s.properties.isAlphabetic || s.properties.numericType != nil {
                if !cjk.isEmpty { flush() }
                if word.isEmpty { wordStart = offset }
                word.unicodeScalars.append(s)
            } else {
                flush()
            }
            offset += s.utf8.count
        }
        flush()
        for (r, t) in spans { var t = t; t.withUTF8 { body(r, UnsafeRawBufferPointer($0)) } }
    }
}

func snip(
    _ text: String, _ terms: [String], prefixes: [String] = [], columns: Int = 200, scan: Int = 64 * 1024,
    probeBytes: Int = 8 << 20
) -> Snippet {
    SnippetBuilder(maxColumns: columns, maxScanBytes: scan, maxProbeBytes: probeBytes)
        .snippet(for: text, terms: HighlightTerms(terms: terms, prefixes: prefixes), analyzer: WordAnalyzer())
}
