import Analysis
// Measures query parsing and snippets: `query-bench DIR...` extracts the text of up to 3000
// *.html pages under the folders, then times QueryParser on a fixed query list and
// SnippetBuilder on every page for every query (the work `search` does per shown result),
// next to one whole-text `Analyzer.analyze` of the same bytes as a yardstick. Prints JSON.
import Foundation
import HTMLText
import Query
import Snippets
import Support

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func micros(_ s: Double) -> Double { (s * 1e7).rounded() / 10 }

let queries = [
    "memory allocation", "scheduler", "interrupt handler", "file system", "mutex OR spinlock",
    "\"page cache\"", "usb driver -gadget", "kernel module", "iterator trait", "async await",
    "borrow checker", "lifetime", "closure*", "error handling", "string slice", "title:vec push",
]

var paths: [String] = []
for dir in CommandLine.arguments.dropFirst() {
    let e = FileManager.default.enumerator(atPath: dir)
    while let p = e?.nextObject() as? String { if p.hasSuffix(".html") { paths.append(dir + "/" + p) } }
}
paths.sort()
var texts: [String] = []
for p in paths.prefix(3000) {
    guard let d = FileManager.default.contents(atPath: p) else { continue }
    let text = HTMLExtractor.extract([UInt8](d), httpCharset: nil).text
    if !text.isEmpty { texts.append(text) }
}
guard !texts.isEmpty else {
    FileHandle.standardError.write(Data("query-bench: no *.html with text under \(CommandLine.arguments.dropFirst())\n".utf8))
    exit(1)
}

let analyzer = Analyzer()
let parser = QueryParser()
let parseRounds = 2000
var t0 = threadCPUSeconds()
var nodes = 0
for _ in 0..<parseRounds { for q in queries { nodes &+= ((try? parser.parse(q)) != nil) ? 1 : 0 } }
let parseMicros = micros((threadCPUSeconds() - t0) / Double(parseRounds * queries.count))

let builder = SnippetBuilder()
var times: [Double] = [], matchedTimes: [Double] = []
var matched = 0
var scratch = analyzer.makeScratch()
for q in queries {
    let node = try parser.parse(q)
    let terms = HighlightTerms(query: node, analyzer: analyzer, language: "en")
    for text in texts {
        let t = threadCPUSeconds()
        let s = builder.snippet(for: text, language: "en", terms: terms, analyzer: analyzer, scratch: &scratch)
        let dt = threadCPUSeconds() - t
        times.append(dt)
        if s.matched { matched += 1; matchedTimes.append(dt) }
    }
}
times.sort()
matchedTimes.sort()

// Yardstick: analyzing the same (first 64 KiB of) text in one call.
var buffer = TermBuffer()
t0 = threadCPUSeconds()
var bytes = 0
for text in texts {
    var t = String(text.utf8.prefix(64 * 1024)) ?? text
    bytes += t.utf8.count
    buffer.removeAll()
    t.withUTF8 { analyzer.analyze(UnsafeRawBufferPointer($0), stemming: .english, into: &buffer) }
}
let analyzeMicros = micros((threadCPUSeconds() - t0) / Double(texts.count))

let result: [String: Any] = [
    "pages": texts.count,
    "meanTextKB": (Double(texts.reduce(0) { $0 + $1.utf8.count }) / Double(texts.count) / 102.4).rounded() / 10,
    "queries": queries.count,
    "parseMicros": parseMicros,
    "snippetMicrosMean": micros(times.reduce(0, +) / Double(times.count)),
    "snippetMicrosP50": micros(percentile(times, 0.5)),
    "snippetMicrosP95": micros(percentile(times, 0.95)),
    "snippetMicrosMax": micros(times.last ?? 0),
    "matchedFraction": (Double(matched) / Double(times.count) * 1000).rounded() / 1000,
    "matchedSnippetMicrosP50": micros(percentile(matchedTimes, 0.5)),
    "matchedSnippetMicrosP95": micros(percentile(matchedTimes, 0.95)),
    "wholeTextAnalyzeMicrosMean": analyzeMicros,
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
