import Foundation
import Query
import Remote
import Search
import Snippets
import Support

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text output of `indexer search` for people: on a terminal (ANSI styles, snippet wrapped to
/// the width, `ESC[1m` highlights) or piped (no escape codes, one snippet line, `**term**`).
///
///     1. The Rust Programming Language
///        https://doc.rust-lang.org/book/ · 2024-05-17
///        replay: http://localhost:8080/docs/20240517093000/https://doc.rust-lang.org/book/
///        …Asynchronous programming in **Rust** uses futures and the **async**…
///
/// Titles and URLs come from documents, so control characters are removed from them before
/// printing (a crafted title must not move the cursor or recolour the terminal).
public struct ResultFormatter: Sendable {
    public enum Output: Hashable, Sendable {
        /// A terminal `width` columns wide. `color: false` (for `NO_COLOR`) keeps the layout
        /// but marks highlights with `**` and uses no escape codes.
        case terminal(width: Int, color: Bool)
        case pipe
    }

    public var output: Output

    public init(output: Output) {
        self.output = output
    }

    /// Terminal when standard output is one (its width from `TIOCGWINSZ`, else `COLUMNS`,
    /// else 80; colour unless `NO_COLOR` is set), otherwise `.pipe`.
    public static func forStandardOutput() -> ResultFormatter {
        guard isatty(STDOUT_FILENO) == 1 else { return ResultFormatter(output: .pipe) }
        var width = 80
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            width = Int(size.ws_col)
        } else if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 {
            width = c
        }
        let color = ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
        return ResultFormatter(output: .terminal(width: width, color: color))
    }

    private var color: Bool {
        if case .terminal(_, let c) = output { return c }
        return false
    }

    private var highlightStyle: HighlightStyle { color ? .terminal : .plain }

    /// A snippet with its marks as this output shows them (bold on a terminal, plain in a pipe).
    public func render(_ s: Snippet) -> String { s.rendered(highlightStyle) }

    private func style(_ s: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m" + s + "\u{1B}[0m" : s
    }

    /// A page of results numbered from `firstRank` (1-based), separated by blank lines, with
    /// the rank numbers right-aligned. Ends with a newline unless empty.
    public func format(_ results: [SearchResult], firstRank: Int = 1) -> String {
        let rankWidth = String(firstRank + max(results.count - 1, 0)).count
        return results.enumerated().map { k, r in
            format(r, rank: firstRank + k, rankWidth: rankWidth)
        }.joined(separator: "\n")
    }

    /// One result: `rank. title`, then URL and date, the replay link when there is one, then the
    /// snippet, each line ending in a newline; an untitled result shows its URL in the title's place. `rankWidth` pads the
    /// rank so titles of a page line up.
    public func format(_ result: SearchResult, rank: Int, rankWidth: Int = 1) -> String {
        let number = String(rank)
        let label = String(repeating: " ", count: max(0, rankWidth - number.count)) + number + ". "
        let indent = String(repeating: " ", count: label.count)
        var width = 0
        if case .terminal(let w, _) = output { width = max(w - indent.count, 20) }

        let title = ResultFormatter.clean(result.title)
        let url = ResultFormatter.clean(result.url)
        var out = style(label, "2")
        var meta: [String] = []
        if title.isEmpty {
            // An untitled document is named by its URL, shown once and whole (to copy it).
            out += style(url, "1;32") + "\n"
        } else {
            out += style(ResultFormatter.truncate(title, columns: width > 0 ? width : 200), "1") + "\n"
            meta.append(style(url, "32"))
        }
        if let date = result.date { meta.append(style(ResultFormatter.day(date), "2")) }
        if let author = result.author { meta.append(style(ResultFormatter.clean(ResultFormatter.byline(author, result.authorName)), "2")) }
        if let name = result.groupName { meta.append(style(ResultFormatter.clean(name), "2")) }
        if !meta.isEmpty { out += indent + meta.joined(separator: color ? style(" · ", "2") : "  ") + "\n" }
        // Whole, not truncated: it is there to be opened or copied.
        if let replay = result.replay { out += indent + style("replay: ", "2") + style(ResultFormatter.clean(replay), "36") + "\n" }
        if let parent = result.parent { out += indent + style("reply to: ", "2") + style(ResultFormatter.clean(parent), "32") + "\n" }

        guard !result.snippet.text.isEmpty else { return out }
        let lines = width > 0 ? result.snippet.wrapped(columns: width) : [result.snippet]
        for line in lines {
            out += indent + line.rendered(highlightStyle) + "\n"
        }
        return out
    }

    /// `Results 11–20 of 1,234` (or `No results`), one line, no newline.
    public func summary(total: Int, offset: Int, shown: Int) -> String {
        guard total > 0 else { return "No results" }
        guard shown > 0 else { return "No results past \(ResultFormatter.grouped(offset)) (of \(ResultFormatter.grouped(total)))" }
        let text = "Results \(ResultFormatter.grouped(offset + 1))–\(ResultFormatter.grouped(offset + shown)) of \(ResultFormatter.grouped(total))"
        return style(text, "2")
    }

    /// The `--stats` line: `4 requests, 38.2 KB in 3 round trips, 4 blocks` (`, 9 cache hits` when
    /// a cache answered some). No newline.
    public func cost(_ c: ReadCost) -> String {
        let text =
            "\(ResultFormatter.grouped(c.requests)) request\(c.requests == 1 ? "" : "s"), "
            + "\(ResultFormatter.size(c.bytes)) in \(c.roundTrips) round trip\(c.roundTrips == 1 ? "" : "s"), "
            + "\(ResultFormatter.grouped(c.blocks)) block\(c.blocks == 1 ? "" : "s")"
            + (c.cacheHits > 0 ? ", \(ResultFormatter.grouped(c.cacheHits)) cache hit\(c.cacheHits == 1 ? "" : "s")" : "")
        return style(text, "2")
    }

    /// A query error for stderr: `error: message (column N)`, then the query with a caret
    /// under the spot. Ends with a newline.
    public func error(_ e: QueryError) -> String {
        let head = color ? "\u{1B}[1;31merror:\u{1B}[0m " : "error: "
        return head + e.description + "\n" + e.pointer(indent: "  ") + "\n"
    }

    // MARK: - Text helpers

    /// Removes control characters and collapses whitespace runs to one space, trimmed.
    static func clean(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for c in s.unicodeScalars {
            if TextScan.isSpace(c.value) {
                pendingSpace = !out.isEmpty
            } else if !TextScan.isControl(c.value) {
                if pendingSpace { out.append(" "); pendingSpace = false }
                out.append(c)
            }
        }
        return String(out)
    }

    /// `s` cut to at most `columns` terminal columns, ending in `…` when cut.
    static func truncate(_ s: String, columns: Int) -> String {
        guard TextScan.columns(s) > columns else { return s }
        var out = String.UnicodeScalarView()
        var used = 0
        for c in s.unicodeScalars {
            let w = TextScan.columns(c.value)
            if used + w > columns - 1 { break }
            out.append(c)
            used += w
        }
        return String(out) + "…"
    }

    /// `Alice Moreau (@alice@alice.example)`, or `@alice@alice.example` without a name.
    public static func byline(_ author: String, _ name: String?) -> String {
        name.map { "\($0) (@\(author))" } ?? "@" + author
    }

    /// `2024-05-17` (UTC).
    static func day(_ date: Int64) -> String {
        String(ISODate.format(date).prefix { $0 != "T" })
    }

    /// `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `512 B`, `38.2 KB`, `1.4 MB`, `300 MB` (powers of 1024).
    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var v = Double(bytes) / 1024
        var u = 0
        while v >= 1024 && u < units.count - 1 {
            v /= 1024
            u += 1
        }
        return String(format: v < 100 ? "%.1f" : "%.0f", v) + " " + units[u]
    }
}
