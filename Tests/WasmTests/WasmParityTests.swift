import Analysis
import Foundation
import HTMLText
import Query
import Snippets
import Testing
import TextTestSupport

/// The query core compiled to WebAssembly (Embedded Swift, `make wasm`) gives what the native
/// build gives, term by term and query by query: one engine, two targets (docs/DESIGN.md).
@Suite(.serialized) struct WasmParityTests {
    /// Texts with what the analyzer treats specially: scripts, folding, identifiers, CJK,
    /// hashtags, mentions, URLs, long words, odd whitespace and controls.
    static let texts = [
        "The runners were RUNNING, quickly! generously",
        "Hello, wörld! Ünïcödé façade naïve Ærøskøbing straße ﬁnancial ＦＵＬＬＷＩＤＴＨ 𝐀𝐁𝐂 x² ①",
        "std::vec UTF-8 x86_64 C++ c# foo-bar_baz.qux 1,000,000 3.14 v2.0.1-rc1 don't rock’n’roll",
        "東京都 に 住んでいます。 서울특별시 ภาษาไทย ພາສາລາວ ភាសាខ្មែរ မြန်မာ 中 文",
        "#swift #Swift2024 #日本 @bob @Alice_99 email@example.com ##double @@twice",
        "https://Example.COM:8080/path/to/Page.html?q=rust+async&x=1#frag ftp://x.org/a_b",
        "İstanbul ıi Σίσυφος ΣΊΣΥΦΟΣ Привет Ёлка й עִבְרִית العَرَبِيَّة ٣٤٥ ۱۲۳ १२३",
        "emoji 🦀🦀 👩‍👩‍👧 flag 🇫🇷 zero\u{200B}width join\u{200D}er soft\u{00AD}hyphen e\u{301} a\u{0}b\u{1}c",
        String(repeating: "a", count: 70) + " short " + String(repeating: "é", count: 40) + " end",
        "tab\tnew\nline\r\nnbsp\u{00A0}ideographic\u{3000}space",
        "",
        "   ",
        "— – … ‘’ “” «» ¿¡",
    ]

    /// Queries that parse, are repaired, or fail (each failure kind), as typed.
    static let queries = [
        "rust async", "rust OR go", "a b OR c -d", "(a OR b) (c OR d)", "-(a b) c",
        "\"hello world\" title:\"the book\"", "analy* title:tok*", "x site:https://Example.com:80/x #swift @bob group:g1 lang:EN-us",
        "x after:2024-05-17", "x before:2024-05", "x date:2024-02-29", "x date:2024-01..2024-03 OR date:2025-02..",
        "x since:2024 until:2025", "INTITLE:Rust #x @y", "東京 タワー OR café", "title:(a OR b) c", "f(x) C# std::vec localhost:80",
        "(unclosed \"quote", "a AND", "OR a", "x)", "- - - x",
        "", "   ", "-a", "a OR -b", "foo:bar", "title:", "date:2024-02-30", "date:soon", "x date:2025 before:2024",
        "site:https://", "#x*", "date:(a)", String(repeating: "(", count: 40) + "x", String(repeating: "a ", count: 300),
        String(repeating: "ü", count: 2100), "x \u{301}y e\u{301}:z",
    ]

    @Test func analyzerMatchesNativeOnCuratedTexts() throws {
        try compareAnalysis(Self.texts)
    }

    /// Text extracted from the demo corpus's HTML (by the native extractor) and its Markdown and
    /// JSON files as they are.
    @Test func analyzerMatchesNativeOnCorpusText() throws {
        let texts = Self.corpusTexts()
        #expect(texts.count >= 10, "the demo corpus should give pages, notes and posts")
        let terms = try compareAnalysis(texts)
        #expect(terms > 1000, "the corpus should give many terms, got \(terms)")
    }

    static func corpusTexts() -> [String] {
        let demo = WasmModule.root.appendingPathComponent("Corpora/demo")
        var texts: [String] = []
        let files = FileManager.default.enumerator(at: demo, includingPropertiesForKeys: nil)!
        for case let url as URL in files {
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            switch url.pathExtension {
            case "html": texts.append(HTMLExtractor.extract([UInt8](data), httpCharset: nil).text)
            case "md", "json": texts.append(String(decoding: data, as: UTF8.self))
            default: break
            }
        }
        // And all of it as one text, for long runs of positions.
        return texts + [texts.joined(separator: "\n")]
    }

    /// Snippets of the corpus's texts for queries of each clause kind, as HTML.
    @Test func snippetsMatchNative() throws {
        let texts = Self.corpusTexts()
        let queries = ["bees", "hive* OR honey", "\"sugar syrup\" -wasp", "bike repair Saturday", "東京", "title:x y", "foo:bar"]
        var cases: [(query: String, text: String, columns: Int32)] = []
        for (i, text) in texts.enumerated() {
            for (k, q) in queries.enumerated() { cases.append((q, text, [60, 200][(i + k) % 2])) }
        }
        let replies = try WasmModule.run(cases.map { .snippet(query: $0.query, text: $0.text, columns: $0.columns) })
        try #require(replies.count == cases.count)
        var marked = 0
        for (c, reply) in zip(cases, replies) {
            let native: WasmModule.Reply
            do {
                let node = try QueryParser.parse(c.query)
                let analyzer = Analyzer()
                let terms = HighlightTerms(query: node, analyzer: analyzer, language: nil)
                let snippet = SnippetBuilder(maxColumns: Int(c.columns)).snippet(for: c.text, terms: terms, analyzer: analyzer)
                native = WasmModule.Reply(result: 0, output: Array(snippet.rendered(.html).utf8))
                if snippet.matched { marked += 1 }
            } catch {
                native = WasmModule.Reply(result: 1, output: Array("\(error.offset)\t\(error.message)".utf8))
            }
            #expect(reply == native, "\(c.query) on \(c.text.prefix(40).debugDescription): wasm \(reply.text.debugDescription)")
        }
        #expect(marked >= 10, "some snippets should hold matches, \(marked) did")
    }

    @Test func analyzerMatchesNativeOnRandomText() throws {
        var rng = SplitMix64(seed: 14)
        let pieces = ["run", "Über", "東京", "x86", "_", "-", "::", ".", ",", "'", "’", "#", "@", "://", "++", " ", "\u{301}", "ß", "İ", "1"]
        var texts: [String] = []
        for _ in 0..<400 {
            var s = ""
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                if Bool.random(using: &rng) {
                    s += pieces.randomElement(using: &rng)!
                } else {
                    let limit: UInt32 = Bool.random(using: &rng) ? 0x3000 : 0x10FFFF
                    s.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: 0...limit, using: &rng)) ?? "?")
                }
            }
            texts.append(s)
        }
        try compareAnalysis(texts)
    }

    @Test func parserMatchesNativeOnCuratedQueries() throws {
        let (parsed, failed) = try compareParsing(Self.queries)
        #expect(parsed >= 15 && failed >= 10, "the list holds both: \(parsed) parsed, \(failed) failed")
    }

    /// The round-trip fuzz's pieces, so the wasm parser meets every repair and error path.
    @Test func parserMatchesNativeOnRandomQueries() throws {
        var rng = SplitMix64(seed: 1414)
        let pieces = [
            "a", "b", "rust", "Über", "東京", "🦀", "OR", "AND", "NOT", "or", "-", "+", "(", ")", "\"", "“", "”", "*", "#", "@",
            ":", "|", "||", "&&", "site:", "title:", "TAG:", "after:", "before:", "date:", "2024", "2024-05", "2024-02-30",
            "9999-12", "0001", "..", "http://x.org/", "foo:bar", " ", " ", "\t", "\n", "\u{3000}", "\u{301}", "\u{0}", "x*",
            "-(", "@x", "#y", "group:", "lang:", "title:(", "date:2024-05-17", "site:a://b:", "NOT(", "f(x", "İ", "::", "url:",
        ]
        var queries: [String] = []
        for _ in 0..<2000 {
            var q = ""
            for _ in 0..<Int.random(in: 0...16, using: &rng) {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    q.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &rng)) ?? "?")
                } else {
                    q += pieces.randomElement(using: &rng)!
                }
            }
            queries.append(q)
        }
        let (parsed, failed) = try compareParsing(queries)
        #expect(parsed > 500 && failed > 100, "\(parsed) parsed, \(failed) failed")
    }

    /// The page's module needs nothing from JavaScript: no imports (no WASI, no clock, no
    /// randomness), and it exports exactly what the page's scripts call (`qc_…` named in
    /// Wasm/page/*.js) and its memory: the tests' other entry points (qc_analyze, qc_tree_get…)
    /// are only in querycore-test.wasm, with the code only they reach (the Makefile's metadce).
    @Test func pageModuleImportsNothingAndExportsWhatThePageCalls() throws {
        try WasmModule.checkBuilt()
        let path = WasmModule.root.appendingPathComponent(".build/wasm/querycore.wasm").path
        let bytes = try #require(FileManager.default.contents(atPath: path).map { [UInt8]($0) })
        let sections = try #require(WasmSections(bytes))
        #expect(sections.imports.isEmpty, "imports: \(sections.imports)")
        let page = WasmModule.root.appendingPathComponent("Wasm/page")
        var called: Set = ["memory"]
        for name in try FileManager.default.contentsOfDirectory(atPath: page.path) where name.hasSuffix(".js") {
            let script = try String(contentsOf: page.appendingPathComponent(name), encoding: .utf8)
            for match in script.matches(of: /qc_[a-z0-9_]+/) { called.insert(String(match.output)) }
        }
        #expect(called.isSuperset(of: ["qc_alloc", "qc_search_json", "qc_block_add", "qc_facets"]), "\(called)")
        #expect(Set(sections.exports) == called, "exports: \(sections.exports)")
    }

    // MARK: - Native side and comparison

    /// Runs each text through the wasm analyzer in all three modes and the native one; returns
    /// how many terms matched.
    @discardableResult
    private func compareAnalysis(_ texts: [String]) throws -> Int {
        let modes: [UInt8] = [0, 1, 2]
        let requests = texts.flatMap { t in modes.map { WasmModule.Request.analyze(t, mode: $0) } }
        let replies = try WasmModule.run(requests)
        try #require(replies.count == requests.count, "one reply per request")
        var matched = 0
        for (i, reply) in replies.enumerated() {
            let text = texts[i / modes.count]
            let mode = modes[i % modes.count]
            let native = nativeTerms(text, mode: mode)
            let wasm = reply.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            #expect(reply.result == Int32(native.count))
            if wasm != native {
                let k = (0..<min(wasm.count, native.count)).first { wasm[$0] != native[$0] } ?? min(wasm.count, native.count)
                let got = k < wasm.count ? wasm[k] : "missing"
                let want = k < native.count ? native[k] : "missing"
                Issue.record("mode \(mode), text \(text.debugDescription): term \(k) is \(got) in wasm, \(want) natively")
            } else {
                matched += native.count
            }
        }
        return matched
    }

    /// The native analyzer's terms as the module's output lines (see Wasm/QueryCore/Exports.swift).
    private func nativeTerms(_ text: String, mode: UInt8) -> [String] {
        let analyzer = Analyzer()
        if mode == 2 {
            return analyzer.analyzeQuery(text).map { "\($0.stemmed)\t\($0.unstemmed)\t\($0.position)\t\($0.kind.rawValue)" }
        }
        return analyzer.tokens(text, stemming: mode == 0 ? .english : .none).map { "\($0.term)\t\($0.position)\t\($0.kind.rawValue)" }
    }

    /// Parses each query in wasm and natively; returns how many parsed and how many failed.
    private func compareParsing(_ queries: [String]) throws -> (parsed: Int, failed: Int) {
        let replies = try WasmModule.run(queries.map { .parse($0) })
        try #require(replies.count == queries.count, "one reply per query")
        var parsed = 0
        var failed = 0
        for (query, reply) in zip(queries, replies) {
            let native: WasmModule.Reply
            do {
                native = WasmModule.Reply(result: 0, output: Array(try QueryParser.parse(query).description.utf8))
                parsed += 1
            } catch {
                native = WasmModule.Reply(result: 1, output: Array("\(error.offset)\t\(error.message)".utf8))
                failed += 1
            }
            #expect(reply == native, "query \(query.debugDescription): wasm \(reply.result) \(reply.text.debugDescription)")
        }
        return (parsed, failed)
    }
}

/// The import and export names of a WebAssembly binary (sections 2 and 7), or nil if malformed.
struct WasmSections {
    var imports: [String] = []
    var exports: [String] = []

    init?(_ b: [UInt8]) {
        guard b.count >= 8, b[0..<4] == [0x00, 0x61, 0x73, 0x6D] else { return nil }
        var i = 8
        func leb() -> Int? {
            var value = 0
            var shift = 0
            while i < b.count, shift < 35 {
                let byte = b[i]
                i += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
            return nil
        }
        func name() -> String? {
            guard let n = leb(), i + n <= b.count else { return nil }
            defer { i += n }
            return String(decoding: b[i..<i + n], as: UTF8.self)
        }
        while i < b.count {
            let id = b[i]
            i += 1
            guard let size = leb(), i + size <= b.count else { return nil }
            let end = i + size
            if id == 2 || id == 7, let count = leb() {
                for _ in 0..<count {
                    if id == 2 {
                        // Only the names matter; one import of any kind is already a failure.
                        guard let module = name(), let field = name() else { return nil }
                        imports.append(module + "." + field)
                        break
                    }
                    guard let field = name(), i < end else { return nil }
                    i += 1  // kind
                    guard leb() != nil else { return nil }
                    exports.append(field)
                }
            }
            i = end
        }
    }
}
