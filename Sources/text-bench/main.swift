import Analysis
// Measures text extraction and analysis throughput: `text-bench html DIR...` reads
// every *.html under the folders into memory, then times HTMLExtractor on one thread and on all
// cores; `text-bench analyze DIR...` extracts once, then times the analyzer on the texts.
// Prints one JSON object per phase. MB are 10^6 bytes of input (HTML or extracted UTF-8 text).
import Foundation
import HTMLText
import Support

func rounded(_ d: Double) -> Double { (d * 10).rounded() / 10 }

/// Every *.html file under `dirs`, in a stable order, up to `maxBytes` in total.
func loadHTML(_ dirs: [String], maxBytes: Int) -> [[UInt8]] {
    var paths = [String]()
    for dir in dirs {
        guard let e = FileManager.default.enumerator(atPath: dir) else { continue }
        while let p = e.nextObject() as? String { if p.hasSuffix(".html") { paths.append(dir + "/" + p) } }
    }
    paths.sort()
    var pages = [[UInt8]](), total = 0
    for p in paths {
        guard let d = FileManager.default.contents(atPath: p) else { continue }
        pages.append([UInt8](d))
        total += d.count
        if total >= maxBytes { break }
    }
    return pages
}

/// Runs `body` over every page on `threads` threads (pages dealt out by an atomic-free stride);
/// `makeState` gives each thread its own reusable state. One thread: CPU seconds of that
/// thread; more: wall seconds.
func timed<State>(
    _ pages: [[UInt8]], threads: Int, makeState: @Sendable () -> State,
    _ body: @Sendable (inout State, [UInt8]) -> Int
) -> (seconds: Double, sum: Int) {
    if threads == 1 {
        var state = makeState()
        let t0 = threadCPUSeconds()
        var s = 0
        for page in pages { s &+= body(&state, page) }
        return (threadCPUSeconds() - t0, s)
    }
    let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
    sums.initialize(repeating: 0)
    defer { sums.deallocate() }
    nonisolated(unsafe) let out = sums
    let t0 = monotonicSeconds()
    concurrentlyPerform(iterations: threads, width: threads) { t in
        var state = makeState()
        var s = 0
        var i = t
        while i < pages.count { s &+= body(&state, pages[i]); i += threads }
        out[t] = s
    }
    return (monotonicSeconds() - t0, sums.reduce(0, +))
}

func timed(_ pages: [[UInt8]], threads: Int, _ body: @Sendable ([UInt8]) -> Int) -> (seconds: Double, sum: Int) {
    timed(pages, threads: threads, makeState: {}, { _, page in body(page) })
}

func htmlPhase(_ pages: [[UInt8]]) {
    let bytes = pages.reduce(0) { $0 + $1.count }
    let cores = processorCount
    _ = timed(Array(pages.prefix(200)), threads: 1) { HTMLExtractor.extract($0, httpCharset: nil).text.utf8.count }
    // One thread: CPU seconds of that thread (see `timed`).
    let one = timed(pages, threads: 1) { HTMLExtractor.extract($0, httpCharset: nil).text.utf8.count }
    let all = timed(pages, threads: cores) { HTMLExtractor.extract($0, httpCharset: nil).text.utf8.count }
    let mb = Double(bytes) / 1e6
    print(
        """
        {"phase": "html", "pages": \(pages.count), "htmlMB": \(rounded(mb)), "textMB": \(rounded(Double(one.sum) / 1e6)), \
        "oneThreadMBps": \(rounded(mb / one.seconds)), "oneThreadPagesPerSecond": \(Int(Double(pages.count) / one.seconds)), \
        "threads": \(cores), "allThreadsMBps": \(rounded(mb / all.seconds)), "peakRSSMiB": \(rounded(peakRSSMiB()))}
        """)
}

/// Analyzer throughput on the extracted text of `pages`: every text through one reused
/// `TermBuffer` per thread, English stemming (what pages without a language get).
func analyzePhase(_ pages: [[UInt8]]) {
    let texts = pages.map { Array(HTMLExtractor.extract($0, httpCharset: nil).text.utf8) }
    let bytes = texts.reduce(0) { $0 + $1.count }
    let cores = processorCount
    let analyzer = Analyzer()
    func run(threads: Int) -> (seconds: Double, sum: Int) {
        timed(
            texts, threads: threads, makeState: { TermBuffer() },
            { buffer, text in
                buffer.removeAll()
                text.withUnsafeBytes { analyzer.analyze($0, stemming: .english, into: &buffer) }
                return buffer.count
            })
    }
    _ = run(threads: 1)
    let one = run(threads: 1)
    let all = run(threads: cores)
    let mb = Double(bytes) / 1e6
    print(
        """
        {"phase": "analyze", "texts": \(texts.count), "textMB": \(rounded(mb)), "terms": \(one.sum), \
        "oneThreadMBps": \(rounded(mb / one.seconds)), "termsPerSecond": \(Int(Double(one.sum) / one.seconds)), \
        "threads": \(cores), "allThreadsMBps": \(rounded(mb / all.seconds))}
        """)
}

let args = CommandLine.arguments.dropFirst()
guard let phase = args.first, args.count >= 2 else {
    print("usage: text-bench html|analyze DIR... [--max-mb N]")
    exit(2)
}
var dirs = Array(args.dropFirst())
var maxMB = 400
if let k = dirs.firstIndex(of: "--max-mb"), k + 1 < dirs.count {
    maxMB = Int(dirs[k + 1]) ?? maxMB
    dirs.removeSubrange(k...(k + 1))
}
if phase == "hostile" {
    let n = Int(dirs.first ?? "20000") ?? 20000
    let cases: [(String, String)] = [
        ("attributes", "<p " + (0..<n).map { "a\($0)=1" }.joined(separator: " ") + ">x</p>"),
        ("same attribute", "<p " + String(repeating: "a=1 ", count: n) + ">x</p>"),
        ("nested divs + stray end tags", String(repeating: "<div>", count: n) + String(repeating: "</span>", count: n)),
        ("nested b + stray end tags", String(repeating: "<b>", count: n) + String(repeating: "</i>", count: n)),
        ("nested inline", String(repeating: "<b><i><u>", count: n)),
        ("unclosed p", String(repeating: "<p>x", count: n)),
        ("tables", String(repeating: "<table><tr><td>", count: n)),
        ("entities", String(repeating: "&amp;&#1;&#xFFFFFF;&bogus", count: n)),
        ("comments", String(repeating: "<!-- x --", count: n)),
        ("lt", String(repeating: "<", count: n * 10)),
        ("script", "<script>" + String(repeating: "</scrip", count: n)),
        ("head elements", String(repeating: "<title>t</title><meta name=x>", count: n)),
        ("options", "<select>" + String(repeating: "<option>", count: n)),
        ("li", "<ul>" + String(repeating: "<li><ul>", count: n)),
        ("form", String(repeating: "<form><input>", count: n)),
        ("a", String(repeating: "<a href=x>", count: n)),
        ("dl", String(repeating: "<dl><dt><dd>", count: n)),
    ]
    for (name, html) in cases {
        let t0 = monotonicSeconds()
        let r = HTMLExtractor.extract(Array(html.utf8), httpCharset: nil)
        print("\(name): \(html.utf8.count) bytes, \(rounded((monotonicSeconds() - t0) * 1000)) ms, text \(r.text.utf8.count)")
    }
    exit(0)
}
if phase == "show" {
    for path in dirs {
        guard let d = FileManager.default.contents(atPath: path) else { continue }
        let r = HTMLExtractor.extract([UInt8](d), httpCharset: nil)
        print(
            "title: \(r.title ?? "-")\nlang: \(r.lang ?? "-")\ndescription: \(r.description ?? "-")\nencoding: \(r.encoding) (\(r.encodingSource.rawValue))\nlinks: \(r.links.count) \(r.links.prefix(5))\n---\n\(r.text)\n==="
        )
    }
    exit(0)
}
let pages = loadHTML(dirs, maxBytes: maxMB << 20)
switch phase {
case "html": htmlPhase(pages)
case "analyze": analyzePhase(pages)
default:
    print("unknown phase \(phase)")
    exit(2)
}
