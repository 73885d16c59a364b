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
            var out = "{\"analyzer\": \(JSON.quoted(Analyzer.identifier)), \"field\": \(JSON.quoted(field.rawValue))"
            if field == .body {
                out += ", \"stemming\": \(JSON.quoted(Analyzer.Stemming(language: lang) == .english ? "english" : "none"))"
            }
            if field == .body || field == .url {
                let items = tokens.map {
                    "{\"term\": \(JSON.quoted($0.term)), \"position\": \($0.position), \"kind\": \(JSON.quoted(kindName($0.kind)))}"
                }
                out += ", \"terms\": [" + items.joined(separator: ", ") + "]"
            } else {
                out += ", \"terms\": [" + strings.map(JSON.quoted).joined(separator: ", ") + "]"
            }
            if field == .body {
                out += ", \"tags\": [" + tags.map(JSON.quoted).joined(separator: ", ") + "]"
                out += ", \"mentions\": [" + mentions.map(JSON.quoted).joined(separator: ", ") + "]"
            }
            print(out + "}")
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
