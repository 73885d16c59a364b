import Foundation
import Testing

/// What every command shares: `--version`, exit statuses, `--quiet`/`--verbose`, one name for
/// the thread count, and one JSON style (camelCase keys, ISO 8601 dates, numbers as numbers).
@Suite(.serialized) struct ConventionTests {
    let space: CLI.Workspace
    var work: String { space.work }
    var site: String { space.site }
    var key: String { space.key }

    init() throws { space = try CLI.Workspace("conventions", notes: 30, seed: 3) }

    @Test func versionIsPrinted() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        let version = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count == 3 && version.split(separator: ".").allSatisfy { Int($0) != nil }, "\(r.stdout)")
        #expect(try CLI.run(["help"]).stdout.contains("Exit status: 0 success; 1 failed"))
    }

    @Test func quietAndVerboseSetHowMuchIsSaid() throws {
        let out = work + "/idx-v"
        let normal = try CLI.run(["build", site, "--out", out, "--key", key, "--base-url", "https://n.example/"])
        #expect(normal.status == 0 && normal.stderr.contains("indexed 30 documents"))
        let quiet = try CLI.run(["build", site, "--out", out, "--key", key, "--base-url", "https://n.example/", "--quiet"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
        let verbose = try CLI.run(["build", site, "--out", out, "--key", key, "--base-url", "https://n.example/", "-v"])
        #expect(verbose.stderr.contains("indexed 30 documents") && verbose.stderr.contains("read \(site)"), "\(verbose.stderr)")
        let both = try CLI.run(["build", site, "--out", out, "--key", key, "-q", "-v"])
        #expect(both.status == 64)
        let commands = [
            ["extract", site], ["merge", out, "--out", work + "/m", "--key", key], ["verify", out], ["diff", out, out],
            ["compact", out, "--all", "--key", key], ["publish", out, work + "/published"],
        ]
        for command in commands {
            let q = try CLI.run(command + ["--quiet"])
            #expect(q.status == 0 && q.stderr.isEmpty, "\(command): \(q.stderr)")
            let v = try CLI.run(command + ["--verbose"])
            #expect(v.status == 0 && v.stderr.count > q.stderr.count, "\(command): \(v.stderr)")
        }
        #expect(try CLI.run(["serve", "--help"]).stdout.contains("--verbose"))
    }

    @Test func threadsIsTheOneNameAndWorkersStillWorks() throws {
        let extract = try CLI.run(["extract", site, "--threads", "2"])
        #expect(extract.status == 0 && extract.stdout.split(separator: "\n").count == 30)
        let old = try CLI.run(["extract", site, "--workers", "2"])
        #expect(old.status == 0 && old.stdout == extract.stdout && old.stderr.contains("--workers is deprecated"))
        #expect(!(try CLI.run(["extract", "--help"]).stdout.contains("--workers")), "the old name is hidden")
        #expect(try CLI.run(["extract", site, "--threads", "0"]).status == 64)
    }

    /// `search --queries` times each query too, so a p95 set by one query names it.
    @Test func queryBenchmarkNamesEachQuerysMedian() throws {
        let out = work + "/idx-q", queries = work + "/bench-queries.txt"
        try CLI.run(["build", site, "--out", out, "--key", key])
        try "honey\n# a comment\n\nbread river\n".write(toFile: queries, atomically: true, encoding: .utf8)
        let r = try CLI.run(["search", "--queries", queries, "--index", out, "--rounds", "2"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let each = json?["perQuery"] as? [[String: Any]] ?? []
        #expect(r.status == 0 && json?["queries"] as? Int == 2, "\(r.stdout) \(r.stderr)")
        #expect(each.map { $0["query"] as? String } == ["honey", "bread river"])
        #expect(each.allSatisfy { ($0["p50Ms"] as? Double ?? -1) > 0 })
    }

    /// Walks every `--json` output: keys are camelCase, dates ISO 8601 strings, durations and
    /// counts numbers.
    @Test func jsonOutputsShareOneStyle() throws {
        let out = work + "/idx-j", other = work + "/idx-k"
        var outputs: [(String, String)] = []
        func run(_ args: [String], stderr: Bool = false) throws {
            let r = try CLI.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            outputs.append((args.joined(separator: " "), stderr ? r.stderr : r.stdout))
        }
        // One key per index: three indexes of one key would be three versions of one group, and a
        // reader refuses to go back to an older one after seeing a newer.
        let otherKey = work + "/k-other", crawlKey = work + "/k-crawl"
        try CLI.run(["keygen", "--out", otherKey])
        try CLI.run(["keygen", "--out", crawlKey])
        try run(["build", site, "--out", out, "--key", key, "--json"])
        try run(["build", site, "--out", other, "--key", otherKey, "--base-url", "https://n.example/", "--json"])
        try run(["extract", site, "--json"], stderr: true)
        try run(["search", "honey", "--index", out, "--json"])
        // Captures with dates: the demo crawl.
        let warc = CLI.packageRoot.appendingPathComponent("Corpora/demo/group-a/web.warc.gz").path, crawl = work + "/idx-w"
        try run(["build", warc, "--out", crawl, "--key", crawlKey, "--json"])
        try run(["search", "workshop", "--index", crawl, "--json"])
        try run(["diff", out, crawl, "--json"])
        try run(["diff", out, other, "--json"])
        try run(["diff", "--since", "last", crawl, "--json"])
        try run(["facets", "site", "--index", crawl, "--since", "2000-01-01", "--json"])
        try run(["thread", "https://riverside-makers.example/", "--index", crawl, "--json"])
        try run(["stats", out, "--json"])
        try run(["verify", out, "--json"])
        try run(["merge", out, other, "--out", work + "/idx-m", "--key", key, "--json"])
        try run(["keygen", "--out", work + "/k2", "--json"])
        try run(["build", site, "--partition", "0/1", "--out", work + "/idx-p", "--key", crawlKey, "--json"])
        try run(["join", work + "/idx-p", "--out", work + "/idx-pj", "--key", crawlKey, "--json"])
        try run(["analyze", "hello-world", "--json"])
        let queries = work + "/queries.txt"
        try "honey\nbread river\n".write(toFile: queries, atomically: true, encoding: .utf8)
        try run(["search", "--queries", queries, "--index", out, "--rounds", "1"])
        let lines = try CLI.run(["extract", site]).stdout.split(separator: "\n").map(String.init)
        outputs += lines.prefix(3).map { ("extract line", $0) }
        var dates = 0
        func check(_ value: Any, _ path: String, _ command: String) {
            if let o = value as? [String: Any] {
                for (k, v) in o {
                    let camel = k.first.map { $0.isLowercase } == true && !k.contains("_") && !k.contains("-")
                    // Keys of counts-by-reason objects are reasons (`http status 4xx`), not names.
                    let isReasonMap = ["leftOut", "skippedByReason", "recovered", "trees"].contains(
                        path.split(separator: ".").last.map(String.init) ?? "")
                    #expect(camel || isReasonMap, "\(command): key \(path).\(k)")
                    if ["date", "created", "capturedAt"].contains(k), !(v is NSNull) {
                        dates += 1
                        #expect(
                            (v as? String).map { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil } == true,
                            "\(command): \(k) = \(v)")
                    }
                    if k.hasSuffix("Ms") || k == "milliseconds" || k == "seconds" {
                        #expect(v is NSNumber && !(v is String), "\(command): \(k) is a number")
                    }
                    check(v, path + "." + k, command)
                }
            } else if let a = value as? [Any] {
                for v in a { check(v, path, command) }
            }
        }
        for (command, text) in outputs {
            guard let data = text.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) else {
                Issue.record("\(command): not JSON: \(text.prefix(200))")
                continue
            }
            check(json, "", command)
        }
        #expect(dates > 0, "dates were seen and checked")
    }
}
