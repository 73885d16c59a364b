import Foundation
import Testing

/// Signing without `--key`: each new index gets its own key in the user's key ring, and commands on
/// an existing index find its key by the manifest's signer (a single default key made unrelated
/// indexes two versions of one group, the older refused as a replay once the newer was read).
@Suite(.serialized) struct KeyRingTests {
    let work = CLI.temp("keyring")
    /// A config folder of this suite's own, so the ring starts empty.
    var env: [String: String] { ["XDG_CONFIG_HOME": work + "/config"] }
    var ring: String { work + "/config/indexer/keys" }

    init() throws {
        try CLI.siteFolder(20, seed: 1, at: work + "/alice")
        try CLI.siteFolder(20, seed: 2, at: work + "/bob")
    }

    func run(_ args: [String]) throws -> CLI.Result { try CLI.run(args, env: env) }

    func signer(_ index: String) throws -> String {
        let o = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: index + "/manifest.json"))) as! [String: Any]
        return (o["signer"] as! [String: Any])["publicKey"] as! String
    }

    func keys() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: ring).sorted() }

    @Test func twoNewIndexesGetTwoKeysAndBothStayReadable() throws {
        for name in ["alice", "bob"] {
            let r = try run(["build", work + "/" + name, "--out", work + "/idx-" + name, "--base-url", "https://\(name).example/", "-q"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stderr.contains("created a group key for \(work)/idx-\(name)"), "\(r.stderr)")
        }
        #expect(try signer(work + "/idx-alice") != signer(work + "/idx-bob"))
        #expect(try keys().count == 2)
        // Read one after the other with one cache: neither is taken for an older version of the other.
        for name in ["bob", "alice", "bob"] {
            let r = try run(["search", "river", "--index", work + "/idx-" + name, "--json"])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(try searchResults(r.stdout).allSatisfy { $0.0.hasPrefix("https://\(name).example/") })
        }

        // An update (--base), a rebuild into the same folder and a compaction keep the index's key.
        let before = try signer(work + "/idx-alice")
        try CLI.siteFolder(25, seed: 3, at: work + "/alice")
        let update = try run([
            "build", work + "/alice", "--base", work + "/idx-alice", "--out", work + "/idx-alice", "--base-url", "https://alice.example/", "-q",
        ])
        #expect(update.status == 0, "\(update.stderr)")
        let compact = try run(["compact", work + "/idx-alice", "--all"])
        #expect(compact.status == 0, "\(compact.stderr)")
        let rebuild = try run(["build", work + "/alice", "--out", work + "/idx-alice", "--base-url", "https://alice.example/", "-q"])
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(try signer(work + "/idx-alice") == before)
        #expect(try keys().count == 2)

        // A merge gets a merger's key of its own, kept when it merges into the same folder again.
        #expect(try run(["merge", work + "/idx-alice", work + "/idx-bob", "--out", work + "/merged", "-q"]).status == 0)
        let merger = try signer(work + "/merged")
        #expect(try ![signer(work + "/idx-alice"), signer(work + "/idx-bob")].contains(merger))
        #expect(try run(["merge", work + "/merged", work + "/idx-alice", "--out", work + "/merged", "-q"]).status == 0)
        #expect(try signer(work + "/merged") == merger)
        #expect(try keys().count == 3)
    }

    @Test func anIndexWhoseKeyIsNotInTheRingIsRefusedWithAClearMessage() throws {
        try CLI.run(["keygen", "--out", work + "/elsewhere.key"])
        #expect(try run(["build", work + "/alice", "--out", work + "/idx-kept", "--key", work + "/elsewhere.key", "-q"]).status == 0)
        let r = try run(["build", work + "/bob", "--base", work + "/idx-kept", "--out", work + "/idx-kept", "-q"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("whose key is not in \(ring)") && r.stderr.contains("--key"), "\(r.stderr)")
        let partition = try run(["build", work + "/bob", "--partition", "0/2", "--out", work + "/part", "-q"])
        #expect(partition.status == 64 && partition.stderr.contains("--partition needs --key"), "\(partition.stderr)")
    }
}
