import Foundation
import SearchOutput
import Testing

@testable import Query

@Suite struct QueryParserOperatorTests {
    @Test func wordsAreANDedByDefault() throws {
        #expect(try parse("rust async") == and(t("rust"), t("async")))
        #expect(try parse("rust AND async") == and(t("rust"), t("async")))
        #expect(try parse("rust && async") == and(t("rust"), t("async")))
        #expect(try parse("  rust  ") == t("rust"))
    }

    @Test func orInCapitalsOrPipe() throws {
        #expect(try parse("rust OR go") == or(t("rust"), t("go")))
        #expect(try parse("rust | go || zig") == or(t("rust"), t("go"), t("zig")))
        // Lower-case `or` is a word (the analyzer may drop it as a stopword).
        #expect(try parse("rust or go") == and(t("rust"), t("or"), t("go")))
    }

    @Test func negation() throws {
        #expect(try parse("rust -async") == and(t("rust"), not(t("async"))))
        #expect(try parse("rust NOT async") == and(t("rust"), not(t("async"))))
        #expect(try parse("rust NOT(async OR tokio)") == and(t("rust"), not(or(t("async"), t("tokio")))))
        #expect(try parse("rust -\"async fn\"") == and(t("rust"), not(p("async fn"))))
        #expect(try parse("rust - - async") == and(t("rust"), t("async")), "a lone - is dropped")
        #expect(try parse("rust NOT NOT async") == and(t("rust"), t("async")), "double negation cancels")
        #expect(try parse("rust --async") == and(t("rust"), t("async")))
        #expect(try parse("well-known x-ray") == and(t("well-known"), t("x-ray")), "inner hyphens are word characters")
        #expect(try parse("+rust +async") == and(t("rust"), t("async")))
    }

    @Test func phrases() throws {
        #expect(try parse("\"hello world\"") == p("hello world"))
        #expect(try parse("“smart quotes” here") == and(p("smart quotes"), t("here")))
        #expect(try parse("\"  padded  \"") == p("padded"))
        #expect(try parse("\"\" x") == t("x"), "an empty phrase is dropped")
        #expect(try parse("a \"unclosed phrase") == and(t("a"), p("unclosed phrase")))
        #expect(try parse("\"a OR b -c\"") == p("a OR b -c"), "operators inside quotes are text")
    }

    @Test func prefixes() throws {
        #expect(try parse("analy*") == pre("analy"))
        #expect(try parse("analy** x") == and(pre("analy"), t("x")))
        #expect(try parse("* x *") == t("x"), "lone stars are dropped")
        #expect(try parse("title:analy*") == pre("analy", .title))
        #expect(try parse("*leading") == t("leading"))
    }

    @Test func textFields() throws {
        #expect(try parse("title:rust") == t("rust", .title))
        #expect(try parse("TITLE:rust") == t("rust", .title), "field names are case-insensitive")
        #expect(try parse("intitle:rust inurl:docs body:x") == and(t("rust", .title), t("docs", .url), t("x", .body)))
        #expect(try parse("title:\"the book\"") == p("the book", .title))
        #expect(try parse("title:(rust OR go) x") == and(or(t("rust", .title), t("go", .title)), t("x")))
        #expect(try parse("title:(rust -go)") == and(t("rust", .title), not(t("go", .title))))
        #expect(try parse("url:https://example.com/a?b=c") == t("https://example.com/a?b=c", .url))
        #expect(try parse("title:-x y") == and(t("-x", .title), t("y")), "a value is raw: - means nothing there")
    }

    @Test func filters() throws {
        #expect(try parse("x site:Example.COM") == and(t("x"), .filter(.site, "example.com")))
        #expect(try parse("x site:https://www.Example.com:8443/path/page.html") == and(t("x"), .filter(.site, "www.example.com")))
        #expect(try parse("x site:example.com.") == and(t("x"), .filter(.site, "example.com")))
        #expect(try parse("x tag:swift #Rust") == and(t("x"), .filter(.tag, "swift"), .filter(.tag, "Rust")))
        #expect(try parse("x tag:#swift") == and(t("x"), .filter(.tag, "swift")))
        #expect(try parse("x mention:alice @bob") == and(t("x"), .filter(.mention, "alice"), .filter(.mention, "bob")))
        #expect(try parse("x group:bafy123 lang:EN") == and(t("x"), .filter(.group, "bafy123"), .filter(.lang, "en")))
        #expect(try parse("x tag:\"two words\"") == and(t("x"), .filter(.tag, "two words")))
        #expect(try parse("x tag:(a OR b)") == and(t("x"), or(.filter(.tag, "a"), .filter(.tag, "b"))))
        #expect(try parse("mail me@example.com") == and(t("mail"), t("me@example.com")), "@ inside a word is not a mention")
        #expect(try parse("C# F#") == and(t("C#"), t("F#")))
        #expect(try parse("x # @ y") == and(t("x"), t("y")), "lone sigils are dropped")
    }

    @Test func filtersAloneAreSelective() throws {
        #expect(try parse("site:example.com") == .filter(.site, "example.com"))
        #expect(try parse("#swift") == .filter(.tag, "swift"))
        #expect(try parse("#swift -#objc") == and(.filter(.tag, "swift"), not(.filter(.tag, "objc"))))
    }

    @Test func colonsThatAreNoFieldsAreWords() throws {
        #expect(try parse("http://example.com/x") == t("http://example.com/x"))
        #expect(try parse("https://example.org/x?q=1#f") == t("https://example.org/x?q=1#f"))
        #expect(try parse("file:///tmp/x") == t("file:///tmp/x"))
        #expect(try parse("std::vec") == t("std::vec"))
        #expect(try parse("10:30 x86_64") == and(t("10:30"), t("x86_64")))
        #expect(try parse("localhost:8080 localhost:8080/x") == and(t("localhost:8080"), t("localhost:8080/x")))
        #expect(try parse("mailto:ann@example.org urn:isbn:0451450523") == and(t("mailto:ann@example.org"), t("urn:isbn:0451450523")))
        #expect(try parse("DAMON:数据访问监视器 TODO:fix") == and(t("DAMON:数据访问监视器"), t("TODO:fix")))  // labels in pasted titles
        #expect(try parse("a:b") == t("a:b"))  // one letter: a drive, a variable, not a field's name
        #expect(try parse("\"foo:bar\"") == p("foo:bar"))  // quoted: the words, as the error suggests
        #expect(try parse("title:foo:bar") == t("foo:bar", .title))  // a field's value keeps its colons
    }

    @Test func filtersAndDatesAloneAreQueries() throws {
        #expect(try parse("after:2024") == .dateRange(from: day(2024, 1, 1), to: nil))
        #expect(try parse("date:2024-01") == .dateRange(from: day(2024, 1, 1), to: day(2024, 2, 1)))
        #expect(try parse("group:abc -x") == and(.filter(.group, "abc"), not(t("x"))))
        // Ranges: both ends whole, either open.
        #expect(try parse("date:2024-01..2024-03") == .dateRange(from: day(2024, 1, 1), to: day(2024, 4, 1)))
        #expect(try parse("date:2023..2024-02-10") == .dateRange(from: day(2023, 1, 1), to: day(2024, 2, 11)))
        #expect(try parse("date:2024-05..") == .dateRange(from: day(2024, 5, 1), to: nil))
        #expect(try parse("x date:..2024") == and(t("x"), .dateRange(from: nil, to: day(2025, 1, 1))))
        #expect(try parse("date:2024-01..2024-03") == parse("after:2024-01 before:2024-04"))
        #expect(try parse("date:2024 OR x") == or(.dateRange(from: day(2024, 1, 1), to: day(2025, 1, 1)), t("x")))
    }

    @Test func dates() throws {
        #expect(try parse("x after:2024") == and(t("x"), .dateRange(from: day(2024, 1, 1), to: nil)))
        #expect(try parse("x before:2024-05") == and(t("x"), .dateRange(from: nil, to: day(2024, 5, 1))))
        #expect(try parse("x after:2024-05-17") == and(t("x"), .dateRange(from: day(2024, 5, 17), to: nil)))
        #expect(try parse("x after:2024/5/7") == and(t("x"), .dateRange(from: day(2024, 5, 7), to: nil)))
        #expect(try parse("x since:2024 until:2025") == and(t("x"), .dateRange(from: day(2024, 1, 1), to: day(2025, 1, 1))))
        // after: is inclusive, before: exclusive, so this pair is exactly the year 2024.
        #expect(try parse("x after:2024 before:2025") == parse("x date:2024"))
        #expect(try parse("x date:2024-02") == and(t("x"), .dateRange(from: day(2024, 2, 1), to: day(2024, 3, 1))))
        #expect(try parse("x date:2024-12") == and(t("x"), .dateRange(from: day(2024, 12, 1), to: day(2025, 1, 1))))
        #expect(try parse("x date:2024-02-29") == and(t("x"), .dateRange(from: day(2024, 2, 29), to: day(2024, 3, 1))))
        // Several bounds in one AND intersect into one range, placed where the first one was.
        #expect(
            try parse("after:2020 x after:2022 before:2030 y before:2026-06")
                == and(.dateRange(from: day(2022, 1, 1), to: day(2026, 6, 1)), t("x"), t("y")))
        #expect(try parse("x date:9999-12-31") == and(t("x"), .dateRange(from: day(9999, 12, 31), to: nil)), "no date lies past 9999")
        // Proleptic Gregorian, as Python's datetime(1, 2, 1) (Foundation switches to Julian before 1582).
        #expect(try parse("x before:0001-02") == and(t("x"), .dateRange(from: nil, to: -62_132_918_400)))
        #expect(try parse("x -date:2024") == and(t("x"), not(.dateRange(from: day(2024, 1, 1), to: day(2025, 1, 1)))))
    }

    @Test func precedenceNotOverAndOverOr() throws {
        #expect(try parse("a b OR c d") == or(and(t("a"), t("b")), and(t("c"), t("d"))))
        #expect(try parse("a OR b c") == or(t("a"), and(t("b"), t("c"))))
        #expect(try parse("a -b OR c") == or(and(t("a"), not(t("b"))), t("c")))
        #expect(try parse("NOT a b OR c") == or(and(not(t("a")), t("b")), t("c")))
        #expect(try parse("a (b OR c)") == and(t("a"), or(t("b"), t("c"))))
        #expect(try parse("(a OR b) (c OR d)") == and(or(t("a"), t("b")), or(t("c"), t("d"))))
        #expect(try parse("a AND b OR c AND d") == or(and(t("a"), t("b")), and(t("c"), t("d"))))
        #expect(try parse("-(a b) c") == and(not(and(t("a"), t("b"))), t("c")))
    }

    @Test func groupsFlattenAndDeduplicate() throws {
        #expect(try parse("((a))") == t("a"))
        #expect(try parse("a (b c)") == and(t("a"), t("b"), t("c")))
        #expect(try parse("a OR (b OR c)") == or(t("a"), t("b"), t("c")))
        #expect(try parse("a a OR a") == t("a"))
        #expect(try parse("a () b") == and(t("a"), t("b")))
    }

    @Test func messyInputIsRepaired() throws {
        #expect(try parse("(a OR b") == or(t("a"), t("b")), "unclosed ( closes at the end")
        #expect(try parse("a OR b) c") == and(or(t("a"), t("b")), t("c")), "unmatched ) is dropped")
        #expect(try parse(")) a ((") == t("a"))
        #expect(try parse("OR a OR") == t("a"))
        #expect(try parse("a OR OR b") == or(t("a"), t("b")))
        #expect(try parse("a AND") == t("a"))
        #expect(try parse("a NOT") == t("a"))
        #expect(try parse("a | | b &") == or(t("a"), t("b")))
        #expect(try parse("f(x) Foo_(bar)") == and(t("f(x)"), t("Foo_(bar)")))
        #expect(try parse("(f(x))") == t("f(x)"))
        #expect(try parse("a\tb\nc") == and(t("a"), t("b"), t("c")))
    }

    @Test func unicode() throws {
        #expect(try parse("東京 タワー") == and(t("東京"), t("タワー")))
        #expect(try parse("東京\u{3000}タワー") == and(t("東京"), t("タワー")), "ideographic space separates")
        #expect(try parse("café -naïve") == and(t("café"), not(t("naïve"))))
        #expect(try parse("#日本語") == .filter(.tag, "日本語"))
        #expect(try parse("emoji 👩‍👩‍👧 OR 🦀") == or(and(t("emoji"), t("👩‍👩‍👧")), t("🦀")))
        #expect(try parse("„Anführungszeichen“") == p("Anführungszeichen"))
    }

    @Test func positiveTextsListWhatToHighlight() throws {
        let q = try parse("title:rust \"async fn\" tok* -slow site:x.org OR (go -c)")
        #expect(q.positiveTexts.map(\.text) == ["rust", "async fn", "tok", "go"])
    }
}

@Suite struct QueryParserErrorTests {
    @Test(
        arguments: [
            ("", 0, "empty"),
            ("   ", 0, "empty"),
            ("() OR", 0, "empty"),
            ("-rust", 0, "nothing to search for"),
            ("rust OR -go", 8, "this side of OR"),
            ("NOT a NOT b", 0, "nothing to search for"),
            ("-after:2024", 0, "nothing to search for"),
            ("rust foo:bar", 5, "unknown field foo:"),
            ("rust (Titel:x)", 6, "unknown field titel:"),
            ("rust title:", 11, "expected a value after title:"),
            ("rust site: example.com", 10, "expected a value after site:"),
            ("rust title:\"\"", 11, "expected a value after title:"),
            ("rust after:yesterday", 11, "takes a date"),
            ("rust after:2024-13", 11, "no such date"),
            ("rust before:2023-02-29", 12, "no such date"),
            ("rust since:(2024)", 11, "takes a date"),
            ("rust after:2025 before:2024", 16, "no date is both after 2025 and before 2024"),
            ("rust date:2024-03..2024-01", 5, "no date is both after 2024-03 and before 2024-02"),
            ("rust date:2024-01..2024-13", 19, "no such date"),
            ("rust date:2024..soon", 16, "a range like"),
            ("rust date:..", 10, "takes a date"),
            ("rust site:example*", 17, "exact value"),
            ("rust site:https://", 10, "host name"),
        ] as [(String, Int, String)])
    func errorsPointAtTheProblem(query: String, offset: Int, message: String) {
        let e = parseError(query)
        #expect(e != nil, "\(query) should fail")
        #expect(e?.offset == offset, "\(query): \(e.map(String.init(describing:)) ?? "")")
        #expect(e?.message.contains(message) == true, "\(query): \(e?.message ?? "")")
        #expect(e?.message.contains("\n") == false)
    }

    @Test func limits() throws {
        let long = String(repeating: "a ", count: 1100)
        #expect(parseError(long)?.offset == 2048)
        let deep = String(repeating: "(", count: 40) + "x"
        #expect(parseError(deep)?.offset == 32)
        let many = (0..<300).map { "w\($0)" }.joined(separator: " ")
        #expect(parseError(many)?.message.contains("too many clauses") == true)
        #expect(parseError(many)?.reason == .tooManyClauses(limit: QueryParser().maxClauses))
        #expect(parseError("rust after:someday")?.reason == .notADate(field: "after"))
        #expect(parseError("site:")?.reason == .missingValue(field: "site"))
        let unknown = parseError("rust Foo:bar")
        #expect(unknown?.reason == .unknownField(name: "foo", known: FieldName.canonicalNames))
        // Every field the lexer knows is listed, so the message names what to type instead.
        for name in FieldName.canonicalNames { #expect(FieldName.named(name)?.name == name) }
        #expect(unknown?.message.contains("title: body: url: site:") == true)
        // Long runs of negations are counted, not recursed into.
        #expect(try parse("x " + String(repeating: "NOT ", count: 500) + "y") == and(t("x"), t("y")))
    }

    @Test func pointerPutsTheCaretUnderTheOffset() {
        let e = QueryError(.empty, at: 6, in: "rust after:x")
        #expect(e.pointer() == "  rust after:x\n        ^")
        #expect(e.description == "the query is empty: type some words to search for (column 7)")
        // Wide characters take two columns; tabs print as one space.
        let wide = QueryError(.empty, at: 3, in: "東京\tx")
        #expect(wide.pointer(indent: "") == "東京 x\n     ^")
        let end = QueryError(.empty, at: 4, in: "abcd")
        #expect(end.pointer(indent: "") == "abcd\n    ^")
        // The parser's own errors line up too.
        let real = parseError("東京 after:yesterday")!
        #expect(real.pointer(indent: "") == "東京 after:yesterday\n           ^")
    }
}
