@testable import Query

/// A deliberately simple tokenizer for the passage-selection tests: lower-cased runs of letters
/// and digits, CJK runs as overlapping bigrams. The analyzer tests use the real analyzer.
struct WordTokenizer: SnippetTokenizer {
    func forEachToken(in text: Substring, _ body: (Range<Int>, String) -> Void) {
        var word: [Unicode.Scalar] = []
        var wordStart = 0
        var cjk: [(Int, Unicode.Scalar)] = []
        var offset = 0
        func flush() {
            if !word.isEmpty {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: word)
                body(wordStart..<offset, String(s).lowercased())
                word = []
            }
            if cjk.count == 1 { body(cjk[0].0..<offset, String(cjk[0].1)) }
            if cjk.count > 1 {
                for k in 0..<cjk.count - 1 {
                    let end = k + 2 < cjk.count ? cjk[k + 2].0 : offset
                    body(cjk[k].0..<end, String(cjk[k].1) + String(cjk[k + 1].1))
                }
            }
            cjk = []
        }
        for s in text.unicodeScalars {
            let isCJK = (0x3040...0x30FF).contains(s.value) || (0x4E00...0x9FFF).contains(s.value)
            if isCJK {
                if !word.isEmpty { flush() }
                cjk.append((offset, s))
            } else if s.properties.isAlphabetic || s.properties.numericType != nil {
                if !cjk.isEmpty { flush() }
                if word.isEmpty { wordStart = offset }
                word.append(s)
            } else {
                flush()
            }
            offset += s.utf8.count
        }
        flush()
    }
}

func snip(_ text: String, _ terms: [String], prefixes: [String] = [], columns: Int = 200, scan: Int = 64 * 1024) -> Snippet {
    SnippetBuilder(maxColumns: columns, maxScanBytes: scan)
        .snippet(for: text, terms: HighlightTerms(terms: terms, prefixes: prefixes), tokenizer: WordTokenizer())
}
