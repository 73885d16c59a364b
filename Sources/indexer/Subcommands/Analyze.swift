import Analysis
import ArgumentParser

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
            var out = "{\"analyzer\": \(jsonString(Analyzer.identifier)), \"field\": \(jsonString(field.rawValue))"
            if field == .body {
                out += ", \"stemming\": \(jsonString(Analyzer.Stemming(language: lang) == .english ? "english" : "none"))"
            }
            if field == .body || field == .url {
                let items = tokens.map { "{\"term\": \(jsonString($0.term)), \"position\": \($0.position), \"kind\": \(jsonString(kindName($0.kind)))}" }
                out += ", \"terms\": [" + items.joined(separator: ", ") + "]"
            } else {
                out += ", \"terms\": [" + strings.map(jsonString).joined(separator: ", ") + "]"
            }
            if field == .body {
                out += ", \"tags\": [" + tags.map(jsonString).joined(separator: ", ") + "]"
                out += ", \"mentions\": [" + mentions.map(jsonString).joined(separator: ", ") + "]"
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

/// A JSON string literal for `s` (RFC 8259 escaping).
private func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let h = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
