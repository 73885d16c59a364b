import Foundation
import Testing
import TextTestSupport

/// Peer-to-peer views over three sites in two groups, with replies and mentions across sites:
/// authors (`from:`), threads, `--sort date`, facets, and `diff --since` against an index
/// served by stock nginx. Every answer is asserted exactly.
@Suite(.serialized) struct PeerToPeerTests {
    let work = CLI.temp("p2p")

    /// Alice and Carol (group A), Bob (group B). Thread: alice/1 ← bob/b1 (naming alice's post
    /// with http://, the site is https) ← carol/c1 ← alice/2.
    init() throws {
        func site(_ name: String, _ profile: String, _ posts: [String: String]) throws {
            let dir = "\(work)/\(name)"
            try FileManager.default.createDirectory(atPath: dir + "/posts", withIntermediateDirectories: true)
            try #"{"baseURL": "https://\#(name).example/"}"#.write(toFile: dir + "/site.json", atomically: true, encoding: .utf8)
            try profile.write(toFile: dir + "/profile.json", atomically: true, encoding: .utf8)
            for (file, json) in posts { try json.write(toFile: "\(dir)/posts/\(file)", atomically: true, encoding: .utf8) }
        }
        try site(
            "alice", #"{"name": "Alice Moreau", "handle": "alice", "bio": "Beekeeper. #bees"}"#,
            [
                "1.json": #"{"text": "Honey harvest today #bees #honey", "createdAt": "2025-01-01T10:00:00Z"}"#,
                "2.json":
                    #"{"text": "Thanks @carol, agreed #bees", "createdAt": "2025-01-03T09:00:00Z", "threadParent": "https://carol.example/posts/c1.json"}"#,
            ])
        try site(
            "bob", #"{"name": "Bob Okafor", "handle": "@bob", "bio": "Librarian"}"#,
            [
                "b1.json":
                    #"{"text": "@alice lovely #honey", "createdAt": "2025-01-02T08:00:00Z", "threadParent": "http://alice.example/posts/1.json"}"#,
                "b2.json": #"{"text": "Telescope night #stars", "createdAt": "2024-12-20T20:00:00Z"}"#,
            ])
        try site(
            "carol", #"{"name": "Carol Diaz", "handle": "carol", "bio": "Gardener"}"#,
            [
                "c1.json":
                    #"{"text": "@bob @alice linden #honey is best #bees", "createdAt": "2025-01-02T12:00:00Z", "threadParent": "https://bob.example/posts/b1.json"}"#
            ])
        try CLI.run(["keygen", "--out", work + "/a.key"])
        try CLI.run(["keygen", "--out", work + "/b.key"])
        try build(["alice", "carol"], out: "A", key: "a.key")
        try build(["bob"], out: "B", key: "b.key")
    }

    func build(_ sites: [String], out: String, key: String, base: Bool = false) throws {
        let r = try CLI.run(
            ["build"] + sites.map { "\(work)/\($0)" } + ["--out", "\(work)/\(out)", "--key", "\(work)/\(key)"]
                + (base ? ["--base", "\(work)/\(out)"] : []))
        #expect(r.status == 0, "\(r.stderr)")
    }

    var indexes: [String] { ["--index", work + "/A", "--index", work + "/B"] }

    func json(_ args: [String]) throws -> [String: Any] {
        let r = try CLI.run(args)
        guard r.status == 0, let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] else {
            throw CLIError(message: "\(args): \(r.status) \(r.stderr) \(r.stdout.prefix(300))")
        }
        return o
    }

    func urls(_ o: [String: Any], _ key: String = "results") -> [String] {
        (o[key] as? [[String: Any]] ?? []).map { $0["url"] as? String ?? "" }
    }

    @Test func fromFindsASitesAuthorByHandleOrHandleAtHost() throws {
        let bob = try json(["search", "from:bob", "--sort", "date", "--json"] + indexes)
        #expect(urls(bob) == ["https://bob.example/posts/b1.json", "https://bob.example/posts/b2.json", "https://bob.example/profile.json"])
        let first = (bob["results"] as? [[String: Any]])?.first
        #expect(first?["author"] as? String == "bob@bob.example")
        #expect(first?["authorName"] as? String == "Bob Okafor")
        #expect(first?["parent"] as? String == "http://alice.example/posts/1.json")
        let carol = try json(["search", "from:carol@carol.example #honey", "--json"] + indexes)
        #expect(urls(carol) == ["https://carol.example/posts/c1.json"])
        #expect(urls(try json(["search", "from:carol@bob.example", "--json"] + indexes)).isEmpty)
        #expect(urls(try json(["search", "from:nobody", "--json"] + indexes)).isEmpty)
    }

    @Test func threadHoldsTheRootAndEveryReplyFromAnyGroupByDate() throws {
        let expected = [
            "https://alice.example/posts/1.json", "https://bob.example/posts/b1.json", "https://carol.example/posts/c1.json",
            "https://alice.example/posts/2.json",
        ]
        // From the root, or from the deepest reply (the walk goes up first).
        #expect(urls(try json(["search", "thread:https://alice.example/posts/1.json", "--json"] + indexes)) == expected)
        #expect(urls(try json(["search", "thread:https://alice.example/posts/2.json", "--json"] + indexes)) == expected)
        // With another filter: the thread's posts by Bob's site only.
        #expect(urls(try json(["search", "thread:https://alice.example/posts/2.json from:bob", "--json"] + indexes)) == [expected[1]])
        let tree = try json(["thread", "https://carol.example/posts/c1.json", "--json"] + indexes)
        #expect(tree["root"] as? String == expected[0])
        let posts = tree["posts"] as? [[String: Any]] ?? []
        #expect(posts.map { $0["url"] as? String ?? "" } == expected)
        #expect(posts.map { $0["depth"] as? Int ?? -1 } == [0, 1, 2, 3])
        let text = try CLI.run(["thread", "https://alice.example/posts/1.json"] + indexes).stdout
        #expect(text.contains("\n        2025-01-02 12:00  Carol Diaz (@carol@carol.example)  https://carol.example/posts/c1.json\n"), "\(text)")
    }

    @Test func facetsCountTagsMentionsAndGroupsSinceADay() throws {
        func values(_ o: [String: Any]) -> [String] {
            (o["values"] as? [[String: Any]] ?? []).map { "\($0["value"] as? String ?? "")=\($0["count"] as? Int ?? -1)" }
        }
        #expect(values(try json(["facets", "tag", "--json"] + indexes)) == ["bees=4", "honey=3", "stars=1"])
        #expect(values(try json(["facets", "tag", "--since", "2025-01-02", "--json"] + indexes)) == ["bees=2", "honey=2"])
        #expect(values(try json(["facets", "mention", "--json", "--limit", "2"] + indexes)) == ["alice=2", "bob=1"])
        #expect(values(try json(["facets", "mention", "--query", "from:carol", "--json"] + indexes)) == ["alice=1", "bob=1"])
        let a = try groupID("A"), b = try groupID("B")
        #expect(Set(values(try json(["facets", "group", "--since", "2025-01-02", "--json"] + indexes))) == ["\(a)=2", "\(b)=1"])
        #expect(Set(values(try json(["facets", "group", "--json"] + indexes))) == ["\(a)=5", "\(b)=3"])
        #expect(values(try json(["facets", "site", "--since", "2025-01-03", "--json"] + indexes)) == ["alice.example=1"])
    }

    /// The group of index `out` (A or B), from `stats --json`'s batches (`group/batch`).
    func groupID(_ out: String) throws -> String {
        let r = try CLI.run(["stats", work + "/" + out, "--json"])
        let s = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let batch = ((s?["segments"] as? [[String: Any]])?.first?["batches"] as? [String])?.first ?? "?"
        return String(batch.prefix { $0 != "/" })
    }

    /// What is new since I last looked, over two groups' indexes read as one (no merge): each
    /// is compared with the version of it last looked at, so a new post in B is the only news,
    /// and an index named for the first time adds all its matches.
    @Test func diffSinceLastOverSeveralIndexes() throws {
        let cache = work + "/cache-several"
        func look(_ locations: [String]) throws -> [String: Any] {
            try json(["diff", "--since", "last"] + locations + ["--query", "@alice", "--json", "--cache-dir", cache])
        }
        let both = [work + "/A", work + "/B"]
        let first = try look(both)
        #expect(Set(urls(first, "added")) == ["https://bob.example/posts/b1.json", "https://carol.example/posts/c1.json"])
        #expect((first["roots"] as? [String])?.count == 2)
        #expect(urls(try look(both), "added").isEmpty, "nothing new since the first look")

        try #"{"text": "@alice see you Saturday", "createdAt": "2025-01-05T09:00:00Z"}"#
            .write(toFile: work + "/bob/posts/b3.json", atomically: true, encoding: .utf8)
        try build(["bob"], out: "B", key: "b.key", base: true)
        let second = try look(both)
        #expect(urls(second, "added") == ["https://bob.example/posts/b3.json"])
        #expect(urls(second, "changed").isEmpty && urls(second, "removed").isEmpty)
        #expect(second["batchesRead"] as? Int == 1, "only B's new batch is read")

        // B alone was looked at under its own name too: its mark is the one the pair left.
        #expect(urls(try look([work + "/B"]), "added").isEmpty)
        // Several NEW only with `last`.
        let r = try CLI.run(["diff", "--since", "bafyfoo"] + both)
        #expect(r.status != 0 && r.stderr.contains("several NEW only with --since last"), "\(r.stderr)")
    }

    /// What is new since I last looked, on an index served by nginx: the first look lists every
    /// match; after Bob adds a reply and edits a post, only those, marked added and changed;
    /// the blocks fetched are the new ones and those the two manifests name, nothing else.
    /// The CIDs B's manifest and the cached manifests name as text. The cache also keeps each
    /// manifest's bootstrap.car (binary) beside it, so files are decoded leniently.
    private func namedCIDs(_ cache: String) throws -> [String] {
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache + "/manifests")
        let paths = [work + "/B/manifest.json"] + cached.map { cache + "/manifests/" + $0 }
        return paths.flatMap { path -> [String] in
            let text = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
            return text.matches(of: /bafy[a-z2-7]+/).map { String($0.output) }
        }
    }

    @Test(.tags(.nginx), .needsExternalTools) func diffSinceLastOverHTTPReadsOnlyWhatDiffers() throws {
        let nginx = try NginxServer(root: work + "/B")
        defer { nginx.stop() }
        let cache = work + "/cache"
        let look = ["diff", "--since", "last", nginx.base, "--query", "@alice", "--json", "--cache-dir", cache]
        let first = try json(look)
        #expect(urls(first, "added") == ["https://bob.example/posts/b1.json"])
        #expect((first["added"] as? [[String: Any]])?.first?["date"] as? String == "2025-01-02T08:00:00Z")
        #expect((first["added"] as? [[String: Any]])?.first?["snippet"] as? String == "@alice lovely #honey")

        let before = Set(try blockNames(work + "/B"))
        // The first version's manifest, kept beside the index as a published folder keeps it.
        try FileManager.default.createDirectory(atPath: work + "/B/versions", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: work + "/B/manifest.json", toPath: work + "/B/versions/1.json")
        try #"{"text": "@alice see you Saturday", "createdAt": "2025-01-05T09:00:00Z", "threadParent": "https://alice.example/posts/2.json"}"#
            .write(toFile: work + "/bob/posts/b3.json", atomically: true, encoding: .utf8)
        try #"{"text": "@alice lovely #honey, thank you", "createdAt": "2025-01-02T08:00:00Z", "threadParent": "http://alice.example/posts/1.json"}"#
            .write(toFile: work + "/bob/posts/b1.json", atomically: true, encoding: .utf8)
        try #"{"text": "Telescope night, cloudy #stars", "createdAt": "2024-12-20T20:00:00Z"}"#
            .write(toFile: work + "/bob/posts/b2.json", atomically: true, encoding: .utf8)
        try build(["bob"], out: "B", key: "b.key", base: true)
        let new = Set(try blockNames(work + "/B")).subtracting(before)

        try FileManager.default.removeItem(atPath: cache + "/blocks")
        let logStart = nginx.accessLog.count
        let second = try json(look)
        #expect(urls(second, "added") == ["https://bob.example/posts/b3.json"])
        #expect(urls(second, "changed") == ["https://bob.example/posts/b1.json"])
        #expect(urls(second, "removed").isEmpty)
        // Read: only new blocks, and those the manifests name (roots, versions, segment roots, tree headers).
        let named = try namedCIDs(cache)
        let fetched = String(nginx.accessLog.dropFirst(logStart)).matches(of: /GET \/blocks\/(?:[a-z2-7]{2}\/)?(bafy[a-z2-7]+)/).map {
            String($0.output.1)
        }
        // Besides: the records of the two documents the update tombstones (b1's and b2's old
        // versions), here one leaf of the unchanged segment's docs tree.
        #expect(fetched.filter { !new.contains($0) && !named.contains($0) }.count <= 1, "read a block of what did not change")
        // The new segment's nodes came fetched or in the new manifest's bootstrap (which, for
        // an index this small, carries every node a query reads: then nothing is fetched).
        let manifest = try String(contentsOfFile: work + "/B/manifest.json", encoding: .utf8)
        #expect(fetched.contains { new.contains($0) && !named.contains($0) } || manifest.contains("\"bootstrapCAR\""), "read the new segment's nodes")

        // A compaction moves both batches into one new segment: the same documents, so nothing
        // is new, and no block beyond those the manifests name is read.
        let compact = try CLI.run(["compact", work + "/B", "--key", work + "/b.key", "--all"])
        #expect(compact.status == 0, "\(compact.stderr)")
        try FileManager.default.removeItem(atPath: cache + "/blocks")
        let compactedStart = nginx.accessLog.count
        let afterCompaction = try json(look)
        #expect(urls(afterCompaction, "added").isEmpty && urls(afterCompaction, "changed").isEmpty && urls(afterCompaction, "removed").isEmpty)
        #expect(afterCompaction["batchesRead"] as? Int == 0)
        let namedNow = try namedCIDs(cache)
        let fetchedNow = String(nginx.accessLog.dropFirst(compactedStart)).matches(of: /GET \/blocks\/(?:[a-z2-7]{2}\/)?(bafy[a-z2-7]+)/).map {
            String($0.output.1)
        }
        #expect(fetchedNow.filter { !namedNow.contains($0) } == [])

        // Without the query, b2's edit shows too; against the first version's manifest.
        let all = try json(["diff", "--since", (first["root"] as? String) ?? "", nginx.base, "--json", "--cache-dir", cache])
        #expect(Set(urls(all, "changed")) == ["https://bob.example/posts/b1.json", "https://bob.example/posts/b2.json"])
        #expect(urls(all, "added") == ["https://bob.example/posts/b3.json"])
        // The same, naming that version by its manifest's URL.
        let byURL = try json(["diff", "--since", nginx.base + "/versions/1.json", nginx.base, "--json", "--cache-dir", cache])
        #expect(Set(urls(byURL, "changed")) == Set(urls(all, "changed")) && urls(byURL, "added") == urls(all, "added"))
        #expect(byURL["sinceRoot"] as? String == first["root"] as? String)
    }
}
