import Foundation
import SearchOutput
import Testing
import TextTestSupport

@testable import Query

typealias SplitMix = SplitMix64

@Suite struct QueryRoundTripTests {
    @Test(arguments: [
        "rust async",
        "rust OR go",
        "a b OR c -d",
        "(a OR b) (c OR d)",
        "-(a b) c",
        "a -(b OR c)",
        "\"hello world\" title:\"the book\"",
        "analy* title:tok*",
        "x site:example.com #swift @bob group:g1 lang:en",
        "x tag:\"two words\"",
        "x after:2024-05-17",
        "x before:2024-05",
        "x date:2024",
        "x date:2024-02",
        "x date:2024-02-29",
        "x after:2024-03 before:2024-09-15",
        "x -(after:2024-03 before:2024-09-15)",
        "x -date:2024 OR y",
        "title:(a OR b) c",
        "\"note:this\" http://x.org/a f(x) C# std::vec localhost:80",
        "date:2024-05 OR group:g1",
        "x date:2024-01..2024-03 OR date:2025-02..",
        "title:-x",
        "東京 タワー OR café",
    ])
    func descriptionParsesBackToTheSameTree(query: String) throws {
        let node = try parse(query)
        #expect(try parse(node.description) == node, "\(query) → \(node.description)")
    }

    @Test func canonicalText() throws {
        #expect(try parse("a  AND b | (c)").description == "a b OR c")
        #expect(try parse("-(a OR b) c").description == "-(a OR b) c")
        #expect(try parse("(a OR b) c").description == "(a OR b) c")
        #expect(try parse("x since:2024 until:2025").description == "x date:2024")
        #expect(try parse("x after:2024-01-01").description == "x after:2024")
        #expect(try parse("x after:2024-03 before:2024-09-15").description == "x after:2024-03 before:2024-09-15")
        #expect(try parse("x -(after:2024-03 before:2024-09-15)").description == "x -(after:2024-03 before:2024-09-15)")
        #expect(try parse("INTITLE:Rust #x @y").description == "title:Rust tag:x mention:y")
        #expect(try parse("x site:\"a b\"").description == "x site:ab", "hosts lose spaces")
        #expect(try parse("x tag:\"a b\"").description == "x tag:\"a b\"")
    }

    @Test func handBuiltNodesPrintSomethingEquivalent() throws {
        // Texts the parser would never produce are quoted rather than misread.
        #expect(QueryNode.term(field: nil, text: "OR").description == "\"OR\"")
        #expect(QueryNode.term(field: nil, text: "-x").description == "\"-x\"")
        #expect(QueryNode.and([t("a"), .or([t("b"), t("c")])]).description == "a (b OR c)")
        #expect(QueryNode.not(.not(t("a"))).description == "--a")
    }

    /// Random inputs never crash or hang; each gives a well-shaped tree that prints and parses
    /// back to itself, or a QueryError whose offset lies within the query.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func fuzz(seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        let pieces = [
            "a", "b", "rust", "Über", "東京", "🦀", "OR", "AND", "NOT", "or", "-", "+", "(", ")",
            "\"", "“", "”", "*", "#", "@", ":", "|", "||", "&&", "site:", "title:", "TAG:", "after:",
            "before:", "date:", "2024", "2024-05", "2024-02-30", "9999-12", "0001", "http://x.org/", "foo:bar", " ", " ",
            " ", "\t", "\n", "\u{3000}", "\u{301}", "\u{0}", "x*", "-(", "@x", "#y", "group:", "lang:", "title:(", "#(", "date:2024-05-17",
            "site:a://b:", "AND(",
            "OR\"", "NOT(", "f(x", "x)", "İ", "::", "*\"", "url:",
        ]
        var parsed = 0
        for _ in 0..<5000 {
            var q = ""
            for _ in 0..<Int.random(in: 0...20, using: &rng) {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    q.unicodeScalars.append(Unicode.Scalar(UInt32.random(in: 0...(Bool.random(using: &rng) ? 0x2FFF : 0x10FFFF), using: &rng)) ?? "?")
                } else {
                    q += pieces.randomElement(using: &rng)!
                }
            }
            do {
                let node = try QueryParser.parse(q)
                parsed += 1
                checkShape(node, query: q)
                #expect(node.isSelective, "\(q)")
                let again = try? QueryParser.parse(node.description)
                #expect(again == node, "\(q.debugDescription) → \(node.description.debugDescription)")
            } catch {
                #expect((0...q.count).contains(error.offset), "\(q.debugDescription): \(error)")
                #expect(!error.message.isEmpty && !error.message.contains("\n"))
                _ = error.pointer()
            }
        }
        #expect(parsed > 1000, "the generator should produce many parseable queries")
    }

    private func checkShape(_ node: QueryNode, query: String) {
        switch node {
        case .term(let f, let s), .prefix(let f, let s):
            #expect(!s.isEmpty && s.unicodeScalars.last != "*", "\(query)")
            if f == nil { #expect(!"-+#@(\"“”„＂*".unicodeScalars.contains(s.unicodeScalars.first!), "\(query)") }
        case .phrase(_, let s):
            #expect(!s.isEmpty, "\(query)")
            #expect(!QueryLexer.isSpace(s.unicodeScalars.first!) && !QueryLexer.isSpace(s.unicodeScalars.last!), "\(query)")
        case .filter(_, let v):
            #expect(!v.isEmpty, "\(query)")
        case .dateRange(let a, let b):
            if let a, let b { #expect(a < b, "\(query)") }
        case .not(let c):
            if case .not = c { Issue.record("not(not) from \(query)") }
            checkShape(c, query: query)
        case .and(let c), .or(let c):
            #expect(c.count >= 2 && Set(c).count == c.count, "\(query)")
            for child in c {
                switch (node, child) {
                case (.and, .and), (.or, .or): Issue.record("unflattened \(query)")
                default: checkShape(child, query: query)
                }
            }
            if case .or = node { let all = c.allSatisfy { $0.isSelective }; #expect(all, "\(query)") }
        }
    }
}
