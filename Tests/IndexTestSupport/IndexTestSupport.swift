import TextTestSupport
import Blocks
import Foundation
import Index

/// A deliberately plain analyzer for testing the index's mechanics apart from real analysis:
/// lower-cased ASCII alphanumeric runs.
/// Shared by the index and search tests.
public struct WordAnalyzer: TermAnalyzer {
    public init() {}
    public var identifier: String { "test-words/1" }

    public func terms(_ text: String, language: String?) -> (terms: [(term: String, position: UInt32)], length: Int) {
        let t = words(text)
        return (t, t.count)
    }

    public func words(_ text: String) -> [(term: String, position: UInt32)] {
        var out: [(String, UInt32)] = []
        var word: [UInt8] = []
        func flush() {
            if !word.isEmpty { out.append((String(decoding: word, as: UTF8.self), UInt32(out.count))); word = [] }
        }
        for b in text.utf8 {
            let c = (b >= 65 && b <= 90) ? b + 32 : b
            if (c >= 97 && c <= 122) || (c >= 48 && c <= 57) { word.append(c) } else { flush() }
        }
        flush()
        return out
    }

    public func queryTerms(_ text: String) -> [(alternatives: [String], position: UInt32)] { words(text).map { ([$0.term], $0.position) } }
    public func prefixTerm(_ text: String) -> String { words(text).first?.term ?? "" }
    public func urlTerms(_ url: String) -> [String] { words(url).map(\.term) }
    public func siteTerms(_ url: String) -> [String] {
        let rest = url.firstRange(of: "://").map { url[$0.upperBound...] } ?? url[...]
        var labels = rest.prefix { $0 != "/" }.lowercased().split(separator: ".").map(String.init)
        if labels.first == "www" { labels.removeFirst() }
        return labels.count < 2 ? [] : (0...(labels.count - 2)).map { labels[$0...].joined(separator: ".") }
    }
    public func languageTerm(_ tag: String?) -> String? { tag.map { String($0.lowercased().prefix(2)) } }
    public func keyword(_ text: String) -> String { text.lowercased() }
}

public func tempDirectory(_ name: String = "index") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

public let testKey = try! GroupKey(seed: Array(repeating: 7, count: 32))

/// A small generated corpus with a skewed vocabulary (a few very common words).
public func corpus(_ n: Int, seed: UInt64 = 1) -> [IndexDocument] {
    var rng = SplitMix(seed: seed)
    let vocabulary = (0..<400).map { "w\($0)" }
    return (0..<n).map { i in
        let length = Int.random(in: 5...120, using: &rng)
        let words = (0..<length).map { _ -> String in
            // Zipf-ish: small indices far more likely.
            let r = Double.random(in: 0..<1, using: &rng)
            return vocabulary[min(vocabulary.count - 1, Int(pow(r, 3) * Double(vocabulary.count)))]
        }
        return IndexDocument(url: "https://site\(i % 3).example/page/\(i)", title: "Page \(i) \(words.prefix(3).joined(separator: " "))",
                             text: words.joined(separator: " "), date: 1_700_000_000 + Int64(i) * 86400,
                             lang: i % 5 == 0 ? "de" : "en", digest: Array("\(i)".utf8), source: "test@\(i)",
                             tags: i % 4 == 0 ? ["four"] : [], mentions: i % 6 == 0 ? ["alice"] : [])
    }
}

/// The shared seeded generator (reproducible property tests).
public typealias SplitMix = SplitMix64

/// Builds `docs` as one file into a fresh folder.
public func buildShard(_ docs: [IndexDocument], dir: String = tempDirectory(), memory: Int = 64 << 20,
                order: [Int]? = nil) throws -> (Shard, ShardBuilder.Summary) {
    let builder = try ShardBuilder(directory: dir, key: testKey, analyzer: WordAnalyzer(),
                                   options: .init(memoryBytes: memory))
    for i in order ?? Array(docs.indices) { try builder.add(docs[i], file: 0, seq: UInt32(i)) }
    let (_, summary) = try builder.finish(sources: [("test", 0)], created: "2026-01-01T00:00:00Z")
    return (try Shard.open(directory: dir), summary)
}
