import Foundation
import Testing
import TextTestSupport

@testable import Analysis

/// Properties over random and real text, and an independent reference for plain prose.
@Suite struct PropertyTests {
    static let pieces: [String] = [
        "word", "Running", "std::vec", "x86_64", "UTF-8", "e-mail", "3.14", "10,000", "c++", "C#", "don't", "rock’n’roll",
        "東京都", "ｶﾀｶﾅ", "한국어", "ภาษาไทย", "Straße", "ΣΊΣΥΦΟΣ", "e\u{301}", "\u{301}", "\u{AD}", "\u{200D}", "#tag", "@user",
        "https://example.com/a-b", "-", "_", ".", ":", "::", ",", "'", "’", "+", "++", "#", "@", " ", "\n", "\t", "—", "…",
        "😀", "𝐀", "٣", "ﬁ", String(repeating: "long", count: 20), "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r", "\u{FFFD}", "\u{0}",
    ]

    static func randomText(_ rng: inout SplitMix64) -> String {
        (0..<Int(rng.next() % 40)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
    }

    /// Checks what must hold for any input; `buffer` carries the stem cache across calls.
    static func check(_ text: String, _ buffer: inout TermBuffer) {
        let analyzer = Analyzer()
        for stemming in [Analyzer.Stemming.english, .none] {
            let tokens = analyzer.tokens(text, stemming: stemming)
            buffer.removeAll()
            analyzer.analyze(text, stemming: stemming, into: &buffer)
            // The cached path (TermBuffer) and the uncached one (tokens) agree.
            #expect((0..<buffer.count).map { buffer.term($0) } == tokens.map(\.term), "\(text.debugDescription)")
            #expect(buffer.positions.map(Int.init) == tokens.map(\.position))
            var last = -1
            for t in tokens {
                #expect(!t.term.isEmpty && t.term.utf8.count <= 64)
                #expect(t.position >= last && t.position < max(1, buffer.length))
                last = t.position
            }
        }
        let plain = analyzer.tokens(text, stemming: .none)
        #expect(analyzer.tokens(text, stemming: .english).map(\.position) == plain.map(\.position))
    }

    @Test func randomTextKeepsTheInvariants() {
        var rng = SplitMix64(seed: 42)
        var buffer = TermBuffer()
        for _ in 0..<3000 { Self.check(Self.randomText(&rng), &buffer) }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 7)
        var buffer = TermBuffer()
        for _ in 0..<2000 {
            let bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 7 == 0 ? rng.next() : rng.next() % 128) }
            buffer.removeAll()
            bytes.withUnsafeBytes { Analyzer().analyze($0, stemming: .english, into: &buffer) }
            for i in 0..<buffer.count {
                let term = Array(buffer.bytes[buffer.range(i)])
                #expect(String(validating: term, as: UTF8.self) != nil)
                #expect(term.count <= 64)
            }
        }
    }

    /// Plain prose (letters, spaces, sentence punctuation) has an obvious reference: lowercase,
    /// split on non-letters, Snowball-stem each word. Python computes it from the standard
    /// library's docstrings, so the words are real and many.
    static let proseScript = #"""
        import json, random, re, sys, sysconfig, os
        import snowballstemmer
        random.seed(3)
        words = []
        root = sysconfig.get_paths()["stdlib"]
        for name in sorted(os.listdir(root))[:400]:
            if name.endswith(".py"):
                with open(os.path.join(root, name), encoding="utf-8", errors="ignore") as h:
                    words += re.findall(r"[A-Za-z]+", h.read())
        words = words[:200000]
        seps = [" ", " ", " ", "  ", "\n", ", ", "; ", "! ", "? ", " (", ") ", " \"", "\" ", " — "]
        text = "".join(w + random.choice(seps) for w in words)
        stem = snowballstemmer.stemmer("english").stemWords([w.lower() for w in words])
        json.dump([text, stem], sys.stdout)
        """#

    @Test(.tags(.python), .needsExternalTools) func plainProseMatchesAnIndependentReference() throws {
        guard let out = PythonChecker.run(Self.proseScript, input: Data()) else { return }
        let decoded = try JSONDecoder().decode([Value].self, from: out)
        guard case .text(let text) = decoded[0], case .list(let expected) = decoded[1] else {
            Issue.record("bad reference output")
            return
        }
        #expect(expected.count > 50_000)
        var buffer = TermBuffer()
        Analyzer().analyze(text, stemming: .english, into: &buffer)
        let got = (0..<buffer.count).map { buffer.term($0) }
        #expect(got.count == expected.count)
        let firstDifference = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(firstDifference == nil, "first difference: \(String(describing: firstDifference))")
        #expect(buffer.positions.map(Int.init) == Array(0..<got.count))
    }

    enum Value: Decodable {
        case text(String), list([String])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let s = try? c.decode(String.self) { self = .text(s) } else { self = .list(try c.decode([String].self)) }
        }
    }
}
