import ArgumentParser
import Foundation
import Index
import Query
import Search
import SearchOutput
import Support

struct FacetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facets",
        abstract: "Top tags, mentions, sites, groups, languages or years with their document counts (trending).",
        discussion: """
            Counts come from the postings trees' internal nodes: a run of one value's postings \
            is counted from its parent's count without being read, so only the nodes where \
            values change are read (--since reads the per-day terms of those days only). With \
            --query, the matching documents' records are read instead (a query's matches have no \
            counts in the trees). site counts each host and parent domain as site: finds them. \
            Tombstoned documents are subtracted (one record read each).
            """)

    @Argument(help: "What to count: tag, mention, site, group, lang or year.") var kind: FacetKind
    @Option(help: "Index folder or URL; repeat to count several indexes as one.") var index: [String]
    @Option(help: "Only documents dated this day or later (UTC): 7d, 2w, 24h (ago, by whole days) or 2024-11-01.")
    var since: String?
    @Option(help: "Only documents matching this query (reads their records).") var query: String?
    @Option(help: "Values to show.") var limit = 10
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess

    func validate() throws {
        guard !index.isEmpty else { throw ValidationError("give --index (a folder or URL)") }
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
        if let since {
            _ = try SinceOption.day(since)
            if kind == .lang && query == nil { throw ValidationError("lang has no per-day counts: --since needs tag, mention, site, group or year") }
        }
    }

    func run() throws {
        let sinceDay = try since.map { try SinceOption.day($0) }
        let opened = try access.open(index)
        reportExclusions(opened.view)
        let view = opened.view
        let facets: Facets
        if let query {
            let parsed: QueryNode
            do { parsed = try QueryParser.parse(query) } catch {
                printError(ResultFormatter(output: .pipe).error(error), newline: false)
                throw ExitCode.validationFailure
            }
            let docs: [DocRef]
            do { docs = try SearchEngine(view: view, analyzer: IndexAnalyzer()).allMatches(QueryPlan(parsed)) } catch let e as SearchError {
                printError("error: \(e)")
                throw ExitCode.validationFailure
            }
            facets = try view.facets(kind, among: docs, sinceDay: sinceDay, limit: limit)
        } else {
            facets = try view.facets(kind, sinceDay: sinceDay, limit: limit)
        }
        if json {
            var w = JSONWriter()
            w.object { w in
                w.key("kind"); w.string(kind.rawValue)
                w.key("since")
                if let sinceDay { w.string(SinceOption.iso(sinceDay)) } else { w.null() }
                w.key("query")
                if let query { w.string(query) } else { w.null() }
                w.key("values")
                w.array { w in
                    for v in facets.values {
                        w.object { w in
                            w.key("value"); w.string(v.value)
                            w.key("count"); w.number(Int64(v.count))
                        }
                    }
                }
                w.key("nodesRead"); w.number(Int64(facets.nodesRead))
                w.key("recordsRead"); w.number(Int64(facets.recordsRead))
            }
            print(String(decoding: w.bytes, as: UTF8.self))
            return
        }
        let prefix = kind == .tag ? "#" : (kind == .mention ? "@" : "")
        let width = facets.values.map { String($0.count).count }.max() ?? 1
        for v in facets.values {
            let n = String(v.count)
            print(String(repeating: " ", count: width - n.count) + n + "  " + prefix + v.value)
        }
        printError("\(facets.values.count) value(s); read \(facets.nodesRead) postings node(s), \(facets.recordsRead) record(s)")
    }
}

extension FacetKind: ExpressibleByArgument {}

/// `--since`: a day (`2024-11-01`) or a time ago in whole days (`7d`, `2w`, `36h`), as the
/// date field's `yyyymmdd` term.
enum SinceOption {
    static func day(_ text: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> String {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let unit = t.last, let n = Int64(t.dropLast()), n >= 0, n <= 100_000 {
            let seconds: Int64? = unit == "d" ? 86400 : unit == "w" ? 7 * 86400 : unit == "h" ? 3600 : nil
            if let seconds { return DateTerms.day(now - n * seconds) }
        }
        let parts = t.split(separator: "-").map { Int($0) }
        if parts.count == 3, let y = parts[0], let m = parts[1], let d = parts[2], (1...9999).contains(y), (1...12).contains(m), (1...31).contains(d)
        {
            return String(format: "%04d%02d%02d", y, m, d)
        }
        throw ValidationError("--since wants 7d, 2w, 24h or a day like 2024-11-01, not \(text)")
    }

    /// `yyyymmdd` as `yyyy-mm-ddT00:00:00Z`.
    static func iso(_ day: String) -> String {
        let c = Array(day)
        return String(c[0..<4]) + "-" + String(c[4..<6]) + "-" + String(c[6..<8]) + "T00:00:00Z"
    }
}
