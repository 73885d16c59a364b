import Testing
import TextTestSupport

@testable import HTMLText

func extract(_ html: String, charset: String? = nil, limits: HTMLExtractor.Limits = .default) -> ExtractedHTML {
    HTMLExtractor.extract(Array(html.utf8), httpCharset: charset, limits: limits)
}

@Suite struct ExtractionTests {
    @Test func fieldsOfASimplePage() {
        let r = extract(
            """
            <!DOCTYPE html><html lang="en-GB"><head><title> Hello
              World </title><meta name="Description" content=" A  small
              page "><link rel=canonical href="https://example.org/hello"><base href="/docs/"></head>
            <body><h1>Heading</h1><p>One &amp; two<br>three</p><a href=" /x ">link</a></body></html>
            """)
        #expect(r.title == "Hello World")
        #expect(r.description == "A small page")
        #expect(r.lang == "en-GB")
        #expect(r.canonicalURL == "https://example.org/hello")
        #expect(r.baseURL == "/docs/")
        #expect(r.links == ["/x"])
        #expect(r.text == "Heading\n\nOne & two\nthree\n\nlink")
        #expect(!r.truncated)
    }

    @Test func boilerplateIsRemoved() {
        let r = extract(
            """
            <body><header><a href="/">Site name</a></header>
            <nav><ul><li>Home<li>About</ul></nav>
            <div role="navigation">Prev | Next</div><div class="sphinxsidebar">Search box</div>
            <div class="wrapper main-content"><main><article><header><h1>Real title</h1></header>
            <p>Body text.</p><aside>Related posts</aside><footer>Posted by Ann</footer></article></main></div>
            <div class="footer">© 2024</div><footer>Copyright</footer>
            <script>var tracking = 1;</script><style>p { color: red }</style><noscript>Enable JS</noscript>
            <p hidden>hidden attr</p><p style="display: none">hidden style</p><span aria-hidden="true">★</span>
            <template><p>template</p></template><svg><title>icon</title><text>svg text</text></svg>
            </body>
            """)
        #expect(r.text == "Real title\n\nBody text.\n\nPosted by Ann")
    }

    @Test func boilerplateWordsOnlyAsWholeTokensAndNeverOnRoots() {
        let r = extract(
            """
            <body class="has-sidebar nav"><div class="footnote">Note one.</div><div id="navigation-tips">Tip.</div>
            <main class="menu"><p>Kept.</p></main></body>
            """)
        #expect(r.text == "Note one.\nTip.\n\nKept.")
    }

    @Test func onlyBoilerplateFallsBackToIt() {
        let r = extract("<body><nav><a href='/a'>Alpha</a> <a href='/b'>Beta</a></nav></body>")
        #expect(r.text == "Alpha Beta")
        #expect(r.links == ["/a", "/b"])
    }

    @Test func entitiesAreDecoded() {
        let r = extract(
            "<title>Tom &amp; Jerry&#8217;s &lt;show&gt;</title><p>caf&eacute; &#233;&#xE9; &euro;5&nbsp;off &hellip; &unknownentity; &#128512;</p>")
        #expect(r.title == "Tom & Jerry’s <show>")
        #expect(r.text == "café éé €5 off … &unknownentity; 😀")
    }

    @Test func entitiesInAttributes() {
        let r = extract("<meta name=description content='a &amp; b &quot;c&quot;'><a href='/q?a=1&amp;b=2'>x</a>")
        #expect(r.description == "a & b \"c\"")
        #expect(r.links == ["/q?a=1&b=2"])
    }

    @Test func blocksBecomeBreaksAndInlineStaysJoined() {
        let r = extract(
            """
            <div>a<span>b</span><b>c</b></div><div>d</div><ul><li>e</li><li>f</li></ul>
            <table><tr><td>g</td><td>h</td></tr><tr><th>i</th></tr></table>x<img src=y.png>z
            """)
        #expect(r.text == "abc\nd\n\ne\nf\n\ng h\ni\n\nx z")
    }

    @Test func preformattedKeepsLineBreaks() {
        let r = extract("<p>flowing\n   text</p><pre>line 1\n  line 2\n\nline 4</pre>")
        #expect(r.text == "flowing text\n\nline 1\nline 2\nline 4")
    }

    @Test func firstTitleOnlyAndNotFromSVG() {
        let r = extract("<html><body><svg><title>Icon</title></svg><title>Real</title><title>Second</title><p>x</p>")
        #expect(r.title == "Real")
        #expect(extract("<title>   </title><p>x</p>").title == nil)
        #expect(extract("<p>no title</p>").title == nil)
    }

    @Test func descriptionFallsBackToOpenGraphAndLangToMeta() {
        let r = extract(
            """
            <head><meta property="og:description" content="OG text"><meta http-equiv="content-language" content="de">
            </head><p>x</p>
            """)
        #expect(r.description == "OG text")
        #expect(r.lang == "de")
        #expect(extract("<html xml:lang='fr'><p>x</p>").lang == "fr")
    }

    @Test func linksSkipScriptsAndEmpties() {
        let r = extract(
            """
            <a href="javascript:void(0)">a</a><a href="">b</a><a href="   ">c</a><a>d</a>
            <a href="https://example.com/p?q=1#f">e</a><map><area href="/area"></map><a href="JavaScript:x">f</a>
            """)
        #expect(r.links == ["https://example.com/p?q=1#f", "/area"])
    }

    @Test func outputIsBounded() {
        var limits = HTMLExtractor.Limits()
        limits.maxTextBytes = 100
        limits.maxLinks = 3
        limits.maxTitleBytes = 10
        let words = String(repeating: "<p>ééé <a href=/l>link</a></p>", count: 100)
        let r = extract("<title>" + String(repeating: "long ", count: 10) + "</title>" + words, limits: limits)
        #expect(r.text.utf8.count <= 100)
        #expect(r.text.utf8.count >= 90)
        #expect(r.truncated)
        #expect(r.links.count == 3)
        #expect(r.title!.utf8.count <= 10)
        #expect(!r.text.contains("\u{FFFD}"))  // cut on a character boundary
    }

    @Test(arguments: [
        ("<p>one<p>two<div>three</span></b></div>four", "one\n\ntwo\n\nthree\nfour"),
        ("<b><i>bold italic</b> italic?</i> after", "bold italic italic? after"),
        ("a < b and c > d & e", "a < b and c > d & e"),
        ("<p class=unquoted title='x>y'>text</p >", "text"),
        ("before<!-- unterminated comment <p>lost", "before"),
        ("before<script>never closed <p>lost", "before"),
        ("<td>cell outside table<li>item outside list", "cell outside table\nitem outside list"),
        ("text with \u{0} NUL and \u{1} control", "text with NUL and control"),
        ("\u{0}\u{0}<p>leading NULs</p>", "leading NULs"),
        ("", ""),
        ("   \n\t ", ""),
        ("plain text, no tags", "plain text, no tags"),
    ])
    func malformedHTMLIsRecovered(_ html: String, _ text: String) {
        #expect(extract(html).text == text)
    }

    @Test func nestingIsCappedNotQuadratic() {
        // 2,000 levels are parsed in full; beyond 2,048 parsing stops (libxml2 would go quadratic
        // on the stray end tags that follow), keeping what came before.
        let ok = String(repeating: "<div>", count: 2000) + "deep" + String(repeating: "</div>", count: 2000) + "<p>after</p>"
        #expect(extract(ok).text == "deep\n\nafter")
        #expect(!extract(ok).truncated)
        let n = 200_000
        let hostile = "<p>kept</p>" + String(repeating: "<b>", count: n) + "lost" + String(repeating: "</i>", count: n)
        let r = extract(hostile)
        #expect(r.text == "kept")
        #expect(r.truncated)
    }

    @Test func manyAttributesAreCappedNotQuadratic() {
        // 200,000 distinct attributes would take libxml2 minutes; the excess is blanked.
        let attributes = (0..<200_000).map { "a\($0)='>'" }.joined(separator: " ")
        let r = extract("<p>one</p><p \(attributes) class=x>two</p><a href=/z>three</a>")
        #expect(r.text == "one\n\ntwo\n\nthree")
        #expect(r.links == ["/z"])
        let safe = Array("<p a=1 b='>' c>x</p>".utf8).withUnsafeBytes { limitAttributes($0, maxAttributes: 2) }
        #expect(safe.map { String(decoding: $0, as: UTF8.self) } == "<p a=1 b='>'  >x</p>")
    }

    @Test func binaryGarbageDoesNotCrash() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<50 {
            let junk = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let r = HTMLExtractor.extract(junk, httpCharset: nil)
            #expect(r.text.utf8.count <= junk.count * 3)
        }
    }
}

@Suite struct TextSinkTests {
    /// Found by the fuzzer: a separator right at the limit used to overshoot it.
    @Test func separatorsCountTowardsTheLimit() {
        for limit in 1...12 {
            var sink = TextSink(limit: limit)
            for word in ["abcd", "ef", "g", "hij"] {
                sink.separate(.paragraph)
                Array(word.utf8).withUnsafeBufferPointer { sink.append($0.baseAddress!, count: $0.count) }
            }
            #expect(sink.bytes.count <= limit)
            #expect(sink.bytes.last != 0x0A && sink.bytes.last != 0x20)
        }
    }
}
