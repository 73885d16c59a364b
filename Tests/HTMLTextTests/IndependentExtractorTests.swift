import Foundation
import Testing
import TextTestSupport

@testable import HTMLText

/// Compares titles, links and text with Python's own HTML tokenizer (`html.parser`, no libxml2
/// involved) on tricky synthetic pages and, when `make corpora` has built them, on real pages
/// from Debian's rust-doc and linux-doc.
@Suite(.tags(.python), .needsExternalTools) struct IndependentExtractorTests {
    /// For each page: the first <title> outside <svg> (whitespace collapsed), <a>/<area> hrefs
    /// (trimmed, no javascript:), and all character data outside script/style, without spaces.
    static let script = #"""
        import json, sys
        from html.parser import HTMLParser
        class P(HTMLParser):
            def __init__(s):
                super().__init__(convert_charrefs=True)
                s.title = None; s.in_title = False; s.svg = 0; s.links = []; s.text = []; s.raw = 0; s.buf = []
            def handle_starttag(s, tag, attrs):
                a = dict(attrs)
                if tag == 'svg': s.svg += 1
                if tag == 'title' and s.title is None and s.svg == 0: s.in_title = True
                if tag in ('script', 'style'): s.raw += 1
                if tag in ('a', 'area') and a.get('href') is not None:
                    h = ' '.join(a['href'].split())
                    if h and not h.lower().startswith('javascript:'): s.links.append(h)
            def handle_startendtag(s, tag, attrs): s.handle_starttag(tag, attrs)
            def handle_endtag(s, tag):
                if tag == 'svg' and s.svg: s.svg -= 1
                if tag in ('script', 'style') and s.raw: s.raw -= 1
                if tag == 'title' and s.in_title:
                    s.in_title = False; s.title = ' '.join(''.join(s.buf).split()) or ''
            def handle_data(s, d):
                if s.in_title: s.buf.append(d)
                elif not s.raw: s.text.append(d)
        out = []
        for page in json.load(sys.stdin):
            p = P(); p.feed(page); p.close()
            out.append({'title': p.title or None, 'links': p.links, 'text': ''.join(''.join(p.text).split())})
        json.dump(out, sys.stdout)
        """#

    struct Expected: Decodable {
        var title: String?
        var links: [String]
        var text: String
    }

    static func python(_ pages: [String]) -> [Expected]? {
        guard let input = try? JSONEncoder().encode(pages),
            let out = PythonChecker.run(script, input: input)
        else { return nil }
        do { return try JSONDecoder().decode([Expected].self, from: out) } catch {
            Issue.record("bad checker output: \(error)")
            return nil
        }
    }

    /// Whether `needle` occurs in `haystack` in order (not necessarily contiguously).
    static func isSubsequence(_ needle: String, of haystack: String) -> Bool {
        var it = haystack.unicodeScalars.makeIterator()
        outer: for c in needle.unicodeScalars {
            while let h = it.next() { if h == c { continue outer } }
            return false
        }
        return true
    }

    static let syntheticPages: [String] = [
        "<html><head><title>Plain title</title></head><body><p>Hello <a href='/a'>world</a></p></body></html>",
        "<TITLE>Upper &amp; case &lt;tag&gt;</TITLE><P>Text</P><A HREF=\"/B\">b</A>",
        "<title>\n   Spread\n\tover   lines  </title><p>x</p>",
        "<title>Entities: caf&eacute; &#8364; &#x41;&quot;</title><p>&copy; 2024 &mdash; ok</p>",
        "<svg><title>not this</title></svg><title>but this</title><p>y</p>",
        "<head><title>Nested <b>bold</b> text</title></head><p>z</p>",
        "<a href='  spaced  '>s</a><a href='javascript:void(0)'>j</a><area href='/area'><a href='x?a=1&amp;b=2'>q</a>",
        "<p>Para one</p><div>Block <span>inline</span><em>em</em></div><ul><li>a</li><li>b</li></ul>",
        "<nav>Menu</nav><main><p>Main text here</p></main><footer>Foot</footer>",
        "<table><tr><td>c1</td><td>c2</td></tr></table><pre>pre\n  formatted</pre>",
        "<p>Unclosed <b>bold <i>italic</p><p>next para",
        "<script>var s = '<title>fake</title>';</script><title>Real</title><p>after script</p>",
        "<title>日本語のタイトル</title><p>本文 Ünïcödé</p>",
    ]

    @Test func agreesWithPythonOnSyntheticPages() {
        guard let expected = Self.python(Self.syntheticPages) else { return }
        for (page, want) in zip(Self.syntheticPages, expected) {
            let got = extract(page)
            #expect(got.title == want.title, "title of \(page)")
            #expect(got.links == want.links, "links of \(page)")
            let text = String(got.text.unicodeScalars.filter { !$0.properties.isWhitespace })
            #expect(Self.isSubsequence(text, of: want.text), "text of \(page): \(text) vs \(want.text)")
        }
    }

    /// Up to 150 real pages, spread over the corpora `make corpora` builds (skipped when absent).
    static func realPages() -> [(String, [UInt8])] {
        var paths = [String]()
        for corpus in ["rust-doc", "linux-doc"] {
            let dir = PythonChecker.packageRoot.appendingPathComponent("Corpora/build/\(corpus)/html").path
            guard let e = FileManager.default.enumerator(atPath: dir) else { continue }
            var all = [String]()
            while let p = e.nextObject() as? String { if p.hasSuffix(".html") { all.append(dir + "/" + p) } }
            all.sort()
            let step = max(1, all.count / 75)
            paths += stride(from: 0, to: all.count, by: step).prefix(75).map { all[$0] }
        }
        return paths.compactMap { p in FileManager.default.contents(atPath: p).map { (p, [UInt8]($0)) } }
    }

    @Test(.tags(.corpora)) func agreesWithPythonOnRealPages() throws {
        let pages = Self.realPages()
        try #require(
            !pages.isEmpty
                || !FileManager.default.fileExists(
                    atPath: PythonChecker.packageRoot.appendingPathComponent("Corpora/build").path),
            "corpora built but no pages found")
        guard !pages.isEmpty else { return }  // `make corpora` not run: the synthetic test still ran
        guard let expected = Self.python(pages.map { String(decoding: $0.1, as: UTF8.self) }) else { return }
        for ((path, bytes), want) in zip(pages, expected) {
            let got = HTMLExtractor.extract(bytes, httpCharset: nil)
            #expect(got.title == want.title, "title of \(path)")
            #expect(got.links == want.links, "links of \(path)")
        }
    }
}
