import Foundation
import Testing

/// `build --partition I/N` and `indexer join` through the binary: what `Pipelines/spark` runs
/// on each executor and on the driver.
@Suite(.serialized) struct JoinTests {
    let work = CLI.temp("join")
    let queries = ["honey", "bread river", "workshop", "lantern OR meteor"]

    func json(_ r: CLI.Result) throws -> [String: Any] {
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    func answers(_ index: String) throws -> [[String]] {
        try queries.map { q in
            let r = try CLI.run(["search", q, "--index", index, "--json", "--limit", "100", "--accept-older"])
            #expect(r.status == 0, "\(r.stderr)")
            return try searchResults(r.stdout).map { "\($0.0) \(String(format: "%.9f", $0.1))" }.sorted()
        }
    }

    @Test func partitionsJoinIntoAnIndexThatSearchesLikeOneBuild() throws {
        let site = work + "/site", key = work + "/group.key"
        try CLI.siteFolder(40, seed: 5, at: site)
        let warc = CLI.packageRoot.appendingPathComponent("Corpora/demo/group-a/web.warc.gz").path
        #expect(try CLI.run(["keygen", "--out", key]).status == 0)
        let sources = [["site": site], ["warc": warc]]
        var segments: [String] = []
        for (i, s) in sources.enumerated() {
            var args = ["build", s.values.first!, "--partition", "\(i)/2", "--out", work + "/part-\(i)", "--key", key, "--json"]
            if s.keys.first == "site" { args += ["--base-url", "https://site.example/"] }
            let built = try json(try CLI.run(args))
            #expect(built["batch"] as? Int == i && built["partition"] as? String == "\(i)/2")
            segments.append(try #require(built["segment"] as? String))
        }
        let fixed = ["--key", key, "--sequence", "7", "--created", "2026-01-01T00:00:00Z", "--json"]
        let a = try json(try CLI.run(["join", work + "/part-0", work + "/part-1", "--out", work + "/a"] + fixed))
        let b = try json(try CLI.run(["join", work + "/part-1", work + "/part-0", "--out", work + "/b"] + fixed))
        #expect(a["root"] as? String == b["root"] as? String)
        #expect(a["segments"] as? [String] == segments)
        #expect(a["batches"] as? [Int] == [0, 1])
        #expect(try CLI.run(["verify", work + "/a"]).status == 0)

        let plain = work + "/plain", other = work + "/other.key"
        #expect(try CLI.run(["keygen", "--out", other]).status == 0)
        #expect(try CLI.run(["build", site, warc, "--out", plain, "--key", other, "--base-url", "https://site.example/"]).status == 0)
        #expect(try answers(work + "/a") == answers(plain))

        // Another version needs another sequence number: readers that saw 7 refuse a second 7 (equivocation).
        let next = ["--key", key, "--sequence", "8", "--created", "2026-01-01T00:00:00Z", "--json"]
        let compacted = try json(try CLI.run(["join", work + "/part-0", work + "/part-1", "--out", work + "/c", "--compact-all"] + next))
        #expect((compacted["segments"] as? [String])?.count == 1)
        #expect(try CLI.run(["verify", work + "/c", "--recompute"]).status == 0)
        #expect(try answers(work + "/c") == answers(plain))

        let twice = try CLI.run(["join", work + "/part-0", work + "/part-0", "--out", work + "/d", "--key", key])
        #expect(twice.status == 1 && twice.stderr.contains("batch 0") && twice.stderr.contains("part-0"), "\(twice.stderr)")
    }

    @Test func malformedPartitionsAreUsageErrors() throws {
        let site = work + "/site-m", key = work + "/m.key"
        try CLI.siteFolder(2, seed: 1, at: site)
        #expect(try CLI.run(["keygen", "--out", key]).status == 0)
        for bad in ["2/2", "1", "a/3", "-1/2"] {
            let r = try CLI.run(["build", site, "--partition", bad, "--out", work + "/x", "--key", key])
            #expect(r.status == 64, "\(bad): \(r.stderr)")
        }
        let base = try CLI.run(["build", site, "--partition", "0/2", "--base", work + "/x", "--out", work + "/x", "--key", key])
        #expect(base.status == 64 && base.stderr.contains("--partition takes no --base"), "\(base.stderr)")
        #expect(try CLI.run(["join", "--help"]).stdout.contains("--compact-all"))
    }
}
