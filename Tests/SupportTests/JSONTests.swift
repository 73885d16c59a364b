import Foundation
import Support
import Testing
import TextTestSupport

@Suite struct JSONTests {
    /// A manifest-shaped value: what signatures cover must not move by a byte.
    static let manifestLike: JSON = .object([
        "version": .int(1),
        "root": .string("bafyreib"),
        "trees": .object(["postings": .string("b1"), "docs": .string("b2")]),
        "groups": .array([.object(["group": .string("g"), "documents": .int(-3)])]),
        "flag": .bool(true), "none": .null, "empty": .object([:]), "list": .array([]),
        "é": .string("a\"b\\c\nd\re\tf\u{1}g\u{7f}h\u{2028}i😀"),
    ])

    @Test func canonicalBytes() {
        let text = String(decoding: Self.manifestLike.canonical, as: UTF8.self)
        #expect(
            text
                == #"{"empty":{},"flag":true,"groups":[{"documents":-3,"group":"g"}],"list":[],"none":null,"root":"bafyreib","trees":{"docs":"b2","postings":"b1"},"version":1,"é":"a\"b\\c\nd\re\tf\u0001g"#
                + "\u{7f}h\u{2028}i😀\"}")
    }

    @Test func prettyBytes() {
        let v: JSON = .object(["b": .array([.int(1), .object(["x": .null])]), "a": .object([:]), "c": .array([])])
        #expect(
            v.pretty == """
                {
                  "a": {},
                  "b": [
                    1,
                    {
                      "x": null
                    }
                  ],
                  "c": []
                }

                """)
    }

    @Test(
        arguments: [
            ("", #""""#),
            ("plain ascii", #""plain ascii""#),
            ("\"\\", #""\"\\""#),
            ("\n\r\t", #""\n\r\t""#),
            ("\u{0}\u{8}\u{c}\u{1f}", #""\u0000\u0008\u000c\u001f""#),
            ("\u{7f}\u{2028}\u{2029}é😀", "\"\u{7f}\u{2028}\u{2029}é😀\""),
            ("/", #""/""#),
        ] as [(String, String)])
    func escapes(text: String, literal: String) throws {
        #expect(JSON.quoted(text) == literal)
        var w = JSONWriter()
        w.string(text)
        #expect(String(decoding: w.bytes, as: UTF8.self) == literal)
        #expect(try JSON.parse(Array(literal.utf8)) == .string(text))
    }

    @Test func streamingWriterMatchesCanonical() {
        var w = JSONWriter()
        w.object { w in
            w.key("a"); w.number(-1)
            w.key("b");
            w.array { w in
                w.bool(true); w.null(); w.string("x\u{1}")
            }
            w.key("c"); w.object { _ in }
        }
        let v: JSON = .object(["a": .int(-1), "b": .array([.bool(true), .null, .string("x\u{1}")]), "c": .object([:])])
        #expect(w.bytes == v.canonical)
    }

    @Test func integerLimits() throws {
        #expect(try JSON.parse(Array("9223372036854775807".utf8)) == .int(.max))
        #expect(try JSON.parse(Array("-9223372036854775808".utf8)) == .int(.min))
        #expect(try JSON.parse(Array("-0".utf8)) == .int(0))
        #expect(
            try JSON.parse(Array(" \n[1 , {\"a\" : \"\\u00e9\\ud83d\\ude00\\/\"}]\t".utf8))
                == .array([.int(1), .object(["a": .string("é😀/")])]))
    }

    static func nested(_ n: Int) -> [UInt8] { Array(repeating: UInt8(ascii: "["), count: n) + Array(repeating: UInt8(ascii: "]"), count: n) }

    @Test func depthBound() throws {
        _ = try JSON.parse(Self.nested(64))
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Self.nested(65)) }
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Self.nested(100_000), options: .metadata) }
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Self.nested(3), options: .init(maxDepth: 2)) }
    }

    /// Hostile or malformed input: refused with an error by the strict (manifest) rules.
    @Test(arguments: [
        "", " ", "nul", "tru", "True", "[1,]", "[1 2]", "{\"a\"}", "{\"a\":1,}", "{a:1}", "{\"a\":1,\"a\":2}",
        "1 2", "01", "-", "-01", "1.", ".5", "1e5", "1.5", "+1", "0x10", "NaN", "Infinity",
        "99999999999999999999", "9223372036854775808", "-9223372036854775809",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\u0041\"", "\"\\uD800\\uD800\"",
        "\"\u{1}\"", "\"a\nb\"", "\u{FEFF}1", "[\"a\"]]", "{\"a\":1}}",
    ])
    func strictRefuses(text: String) {
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Array(text.utf8)) }
    }

    @Test(arguments: [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] as [[UInt8]])
    func strictRefusesBadUTF8(bytes: [UInt8]) throws {
        #expect(throws: JSON.ParseError.self) { try JSON.parse(bytes) }
        #expect(try JSON.parse(bytes, options: .metadata).string?.unicodeScalars.contains("\u{FFFD}") == true)
    }

    @Test func metadataRules() throws {
        let m = JSON.ParseOptions.metadata
        #expect(try JSON.parse(Array("1.5".utf8), options: m) == .number(1.5))
        #expect(try JSON.parse(Array("-2e3".utf8), options: m) == .number(-2000))
        #expect(try JSON.parse(Array("7".utf8), options: m) == .int(7))
        #expect(try JSON.parse(Array("7".utf8), options: m).number == 7)
        #expect(try JSON.parse(Array("99999999999999999999".utf8), options: m) == .number(1e20))
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Array("1e400".utf8), options: m) }
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Array("01".utf8), options: m) }
        #expect(try JSON.parse(Array("\u{FEFF}{\"a\":1,\"a\":2}".utf8), options: m) == .object(["a": .int(1)]))
        #expect(try JSON.parse(Array("\"\\uD800x\\uDC00\"".utf8), options: m) == .string("\u{FFFD}x\u{FFFD}"))
        #expect(try JSON.parse(Array("\"\\uD800\\u0041\"".utf8), options: m) == .string("\u{FFFD}A"))
        #expect(try JSON.parse(Array("\"a\u{1}b\"".utf8), options: m) == .string("a\u{1}b"))
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Array("[1,]".utf8), options: m) }
    }

    @Test func errorsSayWhere() {
        do {
            _ = try JSON.parse(Array("[1, 2, x]".utf8))
            Issue.record("accepted")
        } catch let e as JSON.ParseError {
            #expect(e.offset == 7)
            #expect(e.description == "invalid JSON at byte 7: unexpected character")
        } catch { Issue.record("\(error)") }
    }

    /// Random values: canonical bytes parse back to the same value.
    @Test func roundTrips() throws {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<500 {
            let v = RandomJSON.value(&rng, depth: 0)
            #expect(try JSON.parse(v.canonical) == v)
            #expect(try JSON.parse(Array(v.pretty.utf8)) == v)
        }
    }

    /// Python's json module reads our canonical bytes and writes them back, keys sorted and
    /// compact, with `\b`/`\f` spelled as `\u0008`/`\u000c` as we do: byte-identical.
    @Test(.tags(.python), .needsExternalTools) func pythonAgrees() throws {
        var rng = SplitMix64(seed: 42)
        let values = (0..<300).map { _ in RandomJSON.value(&rng, depth: 0) }
        let input = values.map { String(decoding: $0.canonical, as: UTF8.self) }.joined(separator: "\n") + "\n"
        let script = #"""
            import sys, json, re
            def fix(s):
                return re.sub(r'\\(.)', lambda m: {'b': '\\u0008', 'f': '\\u000c'}.get(m.group(1), m.group(0)), s)
            for line in sys.stdin.buffer.read().decode('utf-8').split('\n'):
                if line:
                    sys.stdout.write(fix(json.dumps(json.loads(line), sort_keys=True, separators=(',', ':'), ensure_ascii=False)) + '\n')
            """#
        guard let out = PythonChecker.run(script, input: Data(input.utf8)) else { return }
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == values.count + 1)
        for (v, line) in zip(values, lines) {
            #expect(Array(line.utf8) == v.canonical)
        }
    }
}

/// Random JSON values over the whole of what the canonical writer emits.
enum RandomJSON {
    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{8}", "\u{c}", "\u{1f}",
        "\u{7f}", "é", "ß", "\u{2028}", "\u{2029}", "中", "😀", "\u{FFFD}", "\u{10FFFF}",
    ]

    static func string(_ rng: inout SplitMix64) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &rng) { s.append(alphabet.randomElement(using: &rng)!) }
        return String(s)
    }

    static func value(_ rng: inout SplitMix64, depth: Int) -> JSON {
        switch Int.random(in: depth >= 4 ? 0...4 : 0...6, using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2:
            return .int(
                [Int64.min, Int64.max, 0, -1, Int64.random(in: -1000...1000, using: &rng), Int64.random(in: .min ... .max, using: &rng)]
                    .randomElement(using: &rng)!)
        case 3, 4: return .string(string(&rng))
        case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            var o: [String: JSON] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &rng) { o[string(&rng)] = value(&rng, depth: depth + 1) }
            return .object(o)
        }
    }
}
