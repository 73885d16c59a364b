import Analysis
import ArgumentParser
import Support

/// `indexer analyze`: shows what the analyzer makes of some text, for debugging queries and
/// documents.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Print the terms the analyzer (\(Analyzer.identifier)) makes of TEXT.",
        discussion: """
            Prints one term per line: position, term, and `+` for an identifier's catenation or \
            `²` for a CJK bigram; then the hashtags and mentions found. With --field, analyzes TEXT \
            as that field's value instead (url, site, tag, mention, lang).
            """
    )

    enum Field: String, ExpressibleByArgument, CaseIterable {
        case body, url, site, tag, mention, lang
    }

    @Argument(help: "The text to analyze.") var text: String
    @Option(help: "Language tag (BCP 47). English or none: stemmed; any other: not stemmed.") var lang: String?
    @Option(help: "Analyze as this field: \(Field.allCases.map(\.rawValue).joined(separator: ", ")).") var field: Field = .body
    @Flag(help: "Print one JSON object.") var json = false

    func run() {
        let analyzer = Analyzer()
        var tokens = [Token]()
        var strings = [String]()
        switch field {
        case .body: tokens = analyzer.analyze(text, language: lang)
        case .url: tokens = Analyzer.urlTerms(text)
        case .site: strings = Analyzer.siteTerms(text)
        case .tag, .mention: strings = [Analyzer.fieldValueTerm(text)].filter { !$0.isEmpty }
        case .lang: strings = Analyzer.languageTerm(text).map { [$0] } ?? []
        }
        let tags = field == .body ? Analyzer.hashtags(in: text) : []
        let mentions = field == .body ? Analyzer.mentions(in: text) : []
        if json {
            var w = JSONWriter()
            w.object { w in
                w.key("analyzer"); w.string(Analyzer.identifier)
                w.key("field"); w.string(field.rawValue)
                if field == .body {
                    w.key("stemming"); w.string(Analyzer.Stemming(language: lang) == .english ? "english" : "none")
                }
                w.key("terms")
                w.array { w in
                    if field == .body || field == .url {
                        for t in tokens {
                            w.object { w in
                                w.key("term"); w.string(t.term)
                                w.key("position"); w.number(Int64(t.position))
                                w.key("kind"); w.string(kindName(t.kind))
                            }
                        }
                    } else {
                        for s in strings { w.string(s) }
                    }
                }
                if field == .body {
                    w.key("tags"); w.array { w in for t in tags { w.string(t) } }
                    w.key("mentions"); w.array { w in for m in mentions { w.string(m) } }
                }
            }
            print(String(decoding: w.bytes, as: UTF8.self))
            return
        }
        for t in tokens {
            print("\(t.position)\t\(t.term)" + (t.kind == .compound ? "\t+" : t.kind == .bigram ? "\t²" : ""))
        }
        for s in strings { print(s) }
        if !tags.isEmpty { print("tags: " + tags.joined(separator: " ")) }
        if !mentions.isEmpty { print("mentions: " + mentions.joined(separator: " ")) }
    }

    private func kindName(_ k: TokenKind) -> String {
        switch k {
        case .word: return "word"
        case .compound: return "compound"
        case .bigram: return "bigram"
        }
    }
}
