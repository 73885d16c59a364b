import Foundation
import Testing
import TextTestSupport

@Suite(.serialized) struct BuildSearchTests {
    let work = CLI.temp("build")
    var site: String { work + "/site" }
    var key: String { work + "/key.json" }

    init() throws {
        try CLI.siteFolder(1500, seed: 42, at: work + "/site")
        try CLI.run(["keygen", "--out", work + "/key.json"])
    }

    /// The index's segment roots: content only (the version and manifest also carry the time).
    func segments(_ index: String) throws -> String {
        let o = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: index + "/manifest.json"))) as! [String: Any]
        let versions = (o["index"] as! [String: Any])["versions"] as! [[String: Any]]
        return versions.flatMap { ($0["segments"] as! [[String: Any]]).map { $0["root"] as! String } }.joined(separator: ",")
    }

    func root(_ index: String) throws -> String {
        let o = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: index + "/manifest.json"))) as! [String: Any]
        return o["root"] as! String
    }

    @Test func treesAreTheSameWhateverThreadsAndMemory() throws {
        var roots: Set<String> = []
        for (threads, memory) in [("1", "512"), ("2", "16"), ("2", "512")] {
            let out = work + "/idx-\(threads)-\(memory)"
            let r = try CLI.run([
                "build", site, "--out", out, "--key", key, "--threads", threads, "--memory-mb", memory, "--base-url", "https://notes.example/",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            roots.insert(try segments(out))
        }
        #expect(roots.count == 1)
    }

    @Test func aKilledBuildLeavesThePreviousIndexSearchable() throws {
        let out = work + "/idx-kill"
        let first = try CLI.run(["build", site, "--out", out, "--key", key, "--base-url", "https://notes.example/"])
        #expect(first.status == 0)
        let before = try CLI.run(["search", "honey bread", "--index", out, "--json"]).stdout
        let oldRoot = try root(out)
        let bigger = work + "/bigger"
        try CLI.siteFolder(4000, seed: 7, at: bigger)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<4 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try CLI.binary)
            p.arguments = ["build", bigger, "--out", out, "--key", key, "--memory-mb", "16"]
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 50_000...1_500_000, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            // Whatever the moment, the folder holds a complete, valid index: the old one or the new one.
            let v = try CLI.run(["verify", out])
            #expect(v.status == 0, "\(v.stderr)")
            let after = try CLI.run(["search", "honey bread", "--index", out, "--json"])
            #expect(after.status == 0)
            // Until the new manifest is in place, the old index answers exactly as before.
            if try root(out) == oldRoot { #expect(after.stdout == before) }
        }
    }

    @Test func verifyCatchesAFlippedByteInAnyBlockAndAForgedManifest() throws {
        let out = work + "/idx-verify"
        #expect(try CLI.run(["build", site, "--out", out, "--key", key]).status == 0)
        #expect(try CLI.run(["verify", out]).status == 0)
        let blocks = try blockNames(out).sorted()
        for name in blocks.shuffled().prefix(6) {
            let path = blockFile(out, name)
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            var bytes = [UInt8](original)
            bytes[bytes.count / 2] ^= 0x10
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let r = try CLI.run(["verify", out])
            #expect(r.status != 0)
            #expect(r.stderr.contains(name), "verify should name the block: \(r.stderr)")
            try original.write(to: URL(fileURLWithPath: path))
        }
        let manifest = out + "/manifest.json"
        let original = try String(contentsOfFile: manifest, encoding: .utf8)
        try original.replacingOccurrences(of: "\"documents\":1500", with: "\"documents\":1400").write(
            toFile: manifest, atomically: true, encoding: .utf8)
        let forged = try CLI.run(["verify", out])
        #expect(forged.status != 0)
        #expect(forged.stderr.contains("signature"))
        try original.write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["verify", out]).status == 0)
    }

    @Test func incrementalBuildAnswersLikeAFullBuildAndDiffListsTheNewDocuments() throws {
        let part = work + "/part"
        try FileManager.default.createDirectory(atPath: part, withIntermediateDirectories: true)
        let all = try FileManager.default.contentsOfDirectory(atPath: site).sorted()
        for name in all.prefix(1400) { try FileManager.default.copyItem(atPath: site + "/" + name, toPath: part + "/" + name) }
        let base = work + "/base", inc = work + "/inc", full = work + "/full"
        #expect(try CLI.run(["build", part, "--out", base, "--key", key, "--base-url", "https://notes.example/"]).status == 0)
        // The second build names the full folder; only files absent from the base are new.
        try FileManager.default.moveItem(atPath: part, toPath: work + "/part-moved")
        try FileManager.default.createSymbolicLink(atPath: part, withDestinationPath: site)
        let r = try CLI.run(["build", part, "--base", base, "--out", inc, "--key", key, "--base-url", "https://notes.example/", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try CLI.run(["build", part, "--out", full, "--key", key, "--base-url", "https://notes.example/"]).status == 0)
        #expect(try CLI.run(["search", "honey", "--index", full]).status == 0)
        // Two versions of one group read in turn: the older one only with --accept-older (a
        // reader refuses a version older than one it has seen).
        let older = try CLI.run(["search", "honey", "--index", inc])
        #expect(older.status == 1 && older.stderr.contains("older than version"), "\(older.stderr)")
        for q in ["honey", "bread river", "lantern OR meteor", "\"solar kettle\"", "orchard -winter"] {
            let a = try searchResults(CLI.run(["search", q, "--index", inc, "--json", "--limit", "50", "--accept-older"]).stdout)
            let b = try searchResults(CLI.run(["search", q, "--index", full, "--json", "--limit", "50"]).stdout)
            #expect(a.map(\.0).sorted() == b.map(\.0).sorted(), "query \(q)")
            #expect(a.map(\.1).sorted() == b.map(\.1).sorted(), "query \(q)")
        }
        let diff = try CLI.run(["diff", base, inc, "--accept-older"])
        let added = diff.stdout.split(separator: "\n").filter { $0.hasPrefix("+ ") }
        let expected = Set(all.dropFirst(1400).map { "https://notes.example/" + $0 })
        #expect(Set(added.map { String($0.dropFirst(2).split(separator: "\t")[0]) }) == expected)
        #expect(!diff.stdout.contains("\n- "))
    }

    /// `car export INDEX` writes the whole index as one DAG: importing it elsewhere gives back the
    /// manifest's root and an index that verifies.
    @Test func anIndexFolderExportsAsOneCAR() throws {
        let out = work + "/idx-car", car = work + "/idx.car", copy = work + "/idx-car-copy"
        #expect(try CLI.run(["build", site, "--out", out, "--key", key]).status == 0)
        let export = try CLI.run(["car", "export", out, "-o", car])
        #expect(export.status == 0, "\(export.stderr)")
        let imported = try CLI.run(["car", "import", car, "--store", copy])
        #expect(imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == (try root(out)))
        try FileManager.default.copyItem(atPath: out + "/manifest.json", toPath: copy + "/manifest.json")
        #expect(try CLI.run(["verify", copy]).status == 0)
    }

    @Test func malformedQueriesPointAtTheSpot() throws {
        let out = work + "/idx-q"
        #expect(try CLI.run(["build", site, "--out", out, "--key", key]).status == 0)
        let r = try CLI.run(["search", "after:2024-02-30 honey", "--index", out])
        #expect(r.status == 64, "a malformed query is a malformed argument")
        #expect(r.stderr.contains("2024-02-30") && r.stderr.contains("^") && !r.stderr.contains("Usage:"))
        let bad = try CLI.run(["search", "--index", out, "--", "-honey"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("nothing to search"))
        let unknown = try CLI.run(["search", "honey foo:bar", "--index", out, "--json"])
        #expect(unknown.status == 64)
        let error = try JSONSerialization.jsonObject(with: Data(unknown.stdout.utf8)) as? [String: Any]
        #expect((error?["error"] as? String)?.contains("unknown field foo:") == true && error?["column"] as? Int == 7, "\(unknown.stdout)")
    }

    /// Usage errors print usage and exit 64; runtime failures print one line and exit 1.
    @Test func runtimeFailuresAreNotUsageErrors() throws {
        let out = work + "/idx-status"
        #expect(try CLI.run(["build", site, "--out", out, "--key", key]).status == 0)
        let usage = try CLI.run(["search", "honey", "--index", out, "--limit", "0"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("Usage:"))

        // A base built by another group's key: the flags are fine, the input is not.
        let other = work + "/other.key"
        try CLI.run(["keygen", "--out", other])
        let base = try CLI.run(["build", site, "--base", out, "--out", work + "/idx-other", "--key", other])
        #expect(base.status == 1)
        #expect(base.stderr.contains(out) && !base.stderr.contains("Usage:"), "\(base.stderr)")

        let kv = work + "/bad.kv"
        try "no tab here\n".write(toFile: kv, atomically: true, encoding: .utf8)
        let tree = try CLI.run(["tree", "build", kv, "--store", work + "/store"])
        #expect(tree.status == 1)
        #expect(tree.stderr.contains("bad.kv:1") && !tree.stderr.contains("Usage:"), "\(tree.stderr)")
    }
}
