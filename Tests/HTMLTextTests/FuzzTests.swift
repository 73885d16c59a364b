import Testing
import TextTestSupport

@testable import HTMLText

#if canImport(Glibc)
    import Glibc
#endif

/// Seeded mutation fuzzing of the whole extraction path (charset sniffing, decoding, the
/// attribute guard, libxml2, the SAX consumer). Bounded: a few thousand documents of a few KiB.
/// Run concurrently, so it also exercises thread safety.
@Suite struct FuzzTests {
    static let seeds: [String] = [
        """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A &amp; B</title>
        <meta name="description" content="desc"><link rel="canonical" href="/c"></head>
        <body><header><nav><a href="/">Home</a></nav></header><main><article><h1>Title</h1>
        <p>Para <b>bold</b> <i>it</i> caf&eacute; 日本語 <a href="/x?y=1&amp;z=2">link</a></p>
        <pre>code\n  more</pre><table><tr><td>1</td><td>2</td></tr></table></article></main>
        <script>if (a < b && c > d) { x = "</p>"; }</script><style>p{}</style><footer>f</footer></body></html>
        """,
        "<meta http-equiv='Content-Type' content='text/html; charset=Shift_JIS'><p>\u{93}\u{FA}</p>",
        "<svg><title>t</title><a href='/s'>s</a></svg><math><mi>x</mi></math><template><p>t</p></template>",
        "<!-- comment --><![CDATA[ cdata ]]><?pi x?><p title='a\"b' data-x=\"'\">q</p><br/><hr>",
        "<ul><li>one<li>two<ol><li>three</ul><dl><dt>t<dd>d</dl><select><option>o</select><textarea>ta</textarea>",
        "<div role=navigation class='sidebar nav'>n</div><div hidden>h</div><p style='display:none'>s</p>text",
    ]

    static let tokens: [[UInt8]] =
        [
            "<", ">", "</", "/>", "<!--", "-->", "<script>", "</script>", "<style>", "<![CDATA[", "]]>", "&", "&#",
            "&#x", ";", "&amp;", "&#xD800;", "&#99999999;", "&nbsp;", "\"", "'", "=", "<nav>", "</nav>", "<title>",
            "</title>", "<meta charset=koi8-r>", "<meta charset=utf-16>", "<svg>", "<pre>", "<?xml ", "<!DOCTYPE ",
            "<p ", " a=", "<a href=", "<html lang=", "<body>", "</html>", "<table>", "<td>", "<plaintext>",
            "<noscript>", "<iframe>", "<textarea>", "<title><svg>", "<div hidden>", "<main>", "<header>",
        ].map { Array($0.utf8) } + [[0], [0xC3], [0xE2, 0x82], [0xFF, 0xFE], [0xEF, 0xBB, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0x1B, 0x24, 0x42]]

    static let charsets: [String?] = [
        nil, nil, nil, "utf-8", "windows-1252", "shift_jis", "utf-16", "iso-2022-jp",
        "gb18030", "euc-kr", "x-bogus", "text/html; charset=\"big5\"",
    ]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var d = input
        for _ in 0..<(1 + Int(rng.next() % 8)) {
            let at = d.isEmpty ? 0 : Int(rng.next() % UInt64(d.count + 1))
            switch rng.next() % 7 {
            case 0 where !d.isEmpty && at < d.count: d[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: d.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
            case 2 where at < d.count: d.removeSubrange(at..<min(d.count, at + Int(rng.next() % 64)))
            case 3 where at < d.count:
                let piece = Array(d[at..<min(d.count, at + Int(rng.next() % 256))])
                d.insert(contentsOf: piece, at: Int(rng.next() % UInt64(d.count + 1)))
            case 4: d = Array(d.prefix(at))
            case 5 where d.count < 8192:
                let piece = Array(d[at..<min(d.count, at + Int(rng.next() % 32))])
                for _ in 0..<Int(rng.next() % 50) { d.insert(contentsOf: piece, at: at) }
            default: d.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            }
        }
        return Array(d.prefix(16384))
    }

    /// Runs `iterations` mutated documents from `seed`; returns the slowest document in seconds.
    static func run(seed: UInt64, iterations: Int) -> Double {
        var rng = SplitMix64(seed: seed)
        var limits = HTMLExtractor.Limits()
        limits.maxTextBytes = 4096
        limits.maxLinks = 16
        var slowest = 0.0
        var corpus = seeds.map { Array($0.utf8) }
        for i in 0..<iterations {
            let doc = mutate(corpus[Int(rng.next() % UInt64(corpus.count))], &rng)
            if i % 16 == 0, corpus.count < 64 { corpus.append(doc) }
            let charset = charsets[Int(rng.next() % UInt64(charsets.count))]
            let t0 = clock()
            let r = HTMLExtractor.extract(doc, httpCharset: charset, limits: limits)
            slowest = max(slowest, Double(clock() - t0) / Double(CLOCKS_PER_SEC))
            #expect(r.text.utf8.count <= 4096)
            #expect(r.links.count <= 16)
            #expect((r.title?.utf8.count ?? 0) <= limits.maxTitleBytes)
            if i % 97 == 0 {  // deterministic: same bytes, same result
                #expect(HTMLExtractor.extract(doc, httpCharset: charset, limits: limits) == r)
            }
        }
        return slowest
    }

    /// `HTML_FUZZ_ITERATIONS` raises the count for a long local run.
    static var iterations: Int { getenv("HTML_FUZZ_ITERATIONS").flatMap { Int(String(cString: $0)) } ?? 5000 }

    @Test func mutatedDocumentsNeverCrashOrHang() async {
        let iterations = FuzzTests.iterations
        let slowest = await withTaskGroup(of: Double.self) { group in
            for seed in 1...4 as ClosedRange<UInt64> { group.addTask { FuzzTests.run(seed: seed, iterations: iterations) } }
            return await group.reduce(0) { max($0, $1) }
        }
        // Not a speed assertion: a guard against a hang or a quadratic path on 16 KiB inputs.
        #expect(slowest < 2.0)
    }
}
