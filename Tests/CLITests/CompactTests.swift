import Foundation
import Testing

/// `indexer compact` as a group and as a merger, `merge --compact`, `verify --recompute`, and
/// `car export` of the results, driven through the binary.
@Suite(.serialized) struct CompactTests {
    let work = CLI.temp("compact")
    let queries = ["honey", "bread river", "lantern OR meteor", "\"solar kettle\"", "orchard -winter"]

    func json(_ r: CLI.Result) throws -> [String: Any] {
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    /// Each query's hits (URL, score), sorted, from `search --json`.
    func answers(_ index: String, _ extra: [String] = []) throws -> [[String]] {
        try queries.map { q in
            let r = try CLI.run(["search", q, "--index", index, "--json", "--limit", "100", "--accept-older"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            return try searchResults(r.stdout).map { "\($0.0) \(String(format: "%.9f", $0.1))" }.sorted()
        }
    }

    /// A group's index of a site folder after three updates, each editing and deleting notes.
    func grownIndex(_ name: String, seed: UInt64) throws -> (index: String, key: String) {
        let site = work + "/site-" + name, index = work + "/idx-" + name, key = work + "/" + name + ".key"
        try CLI.siteFolder(300, seed: seed, at: site)
        #expect(try CLI.run(["keygen", "--out", key]).status == 0)
        #expect(try CLI.run(["build", site, "--out", index, "--key", key, "--base-url", "https://\(name).example/"]).status == 0)
        for round in 1...3 {
            try "edited in round \(round): honey bread".write(toFile: site + "/note-\(round).txt", atomically: true, encoding: .utf8)
            try FileManager.default.removeItem(atPath: site + "/note-\(100 + round).txt")
            try "new note \(round) lantern".write(toFile: site + "/new-\(round).txt", atomically: true, encoding: .utf8)
            let r = try CLI.run(["build", site, "--base", index, "--out", index, "--key", key, "--base-url", "https://\(name).example/"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        return (index, key)
    }

    @Test func aGroupCompactsItsIndexAndVerifyRecomputesIt() throws {
        let (index, key) = try grownIndex("a", seed: 7)
        let before = try answers(index)
        let help = try CLI.run(["compact", "--help"])
        #expect(help.stdout.contains("tier") && help.stdout.contains("--all") && help.stdout.contains("--memory-mb"))
        // Three small updates are not a tier of four yet: nothing to do.
        let idle = try json(try CLI.run(["compact", index, "--key", key, "--json"]))
        #expect(idle["root"] is NSNull && idle["segmentsBefore"] as? Int == 4)
        let out = try json(try CLI.run(["compact", index, "--key", key, "--all", "--json", "--memory-mb", "16"]))
        #expect(out["mode"] as? String == "group" && out["segmentsBefore"] as? Int == 4 && out["segmentsAfter"] as? Int == 1)
        let compacted = try #require((out["compacted"] as? [[String: Any]])?.first)
        #expect(compacted["dropped"] as? Int == 6 && (compacted["inputs"] as? [String])?.count == 4)
        #expect(try answers(index) == before)
        let verify = try json(try CLI.run(["verify", index, "--recompute", "--json"]))
        #expect(verify["ok"] as? Bool == true && verify["compactionsRecomputed"] as? Int == 1)
        // Compacted again into another folder: the inputs come along (the compacted segment
        // links them), so that folder verifies and recomputes on its own.
        #expect(
            try CLI.run(["build", work + "/site-a", "--base", index, "--out", index, "--key", key, "--delete", "https://a.example/note-7.txt"]).status
                == 0)
        let elsewhere = work + "/idx-a-elsewhere"
        #expect(try CLI.run(["compact", index, "--out", elsewhere, "--key", key, "--all"]).status == 0)
        let again = try json(try CLI.run(["verify", elsewhere, "--recompute", "--json"]))
        #expect(again["ok"] as? Bool == true && again["compactionsRecomputed"] as? Int == 1)
    }

    @Test func aMergerCompactsAndClientsTrustingOnlyTheGroupsGetTheSameAnswers() throws {
        let a = try grownIndex("b", seed: 8), b = try grownIndex("c", seed: 9)
        let merger = work + "/merger.key"
        #expect(try CLI.run(["keygen", "--out", merger]).status == 0)
        let plain = work + "/shared-plain", shared = work + "/shared"
        #expect(try CLI.run(["merge", a.index, b.index, "--out", plain, "--key", merger, "--compact-above", "0"]).status == 0)
        let merged = try json(try CLI.run(["merge", a.index, b.index, "--out", shared, "--key", merger, "--compact", "--json"]))
        #expect((merged["compacted"] as? [[String: Any]])?.count == 1 && merged["segmentsAfterCompaction"] as? Int == 3)
        // Trust files: the groups' keys only, and the groups' and the merger's.
        func publicKey(_ keyFile: String) throws -> String {
            let o = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: keyFile))) as! [String: Any]
            return o["publicKey"] as! String
        }
        let groups = work + "/trust-groups", all = work + "/trust-all"
        try [a.key, b.key].map(publicKey).joined(separator: "\n").write(toFile: groups, atomically: true, encoding: .utf8)
        try [a.key, b.key, merger].map(publicKey).joined(separator: "\n").write(toFile: all, atomically: true, encoding: .utf8)
        let reference = try answers(plain)
        #expect(try answers(shared, ["--trust", groups]) == reference)
        #expect(try answers(shared, ["--trust", all]) == reference)
        #expect(try answers(shared) == reference)
        let verify = try json(try CLI.run(["verify", shared, "--recompute", "--json"]))
        #expect(verify["ok"] as? Bool == true && verify["compactionsRecomputed"] as? Int == 1)
        // The compacted index is one DAG: car export reaches every block from the root.
        let manifest = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: shared + "/manifest.json"))) as! [String: Any]
        let car = try CLI.run(["car", "export", manifest["root"] as! String, "--store", shared, "-o", work + "/shared.car"])
        #expect(car.status == 0 && car.stderr.contains("wrote "), "\(car.stderr)")
    }
}
