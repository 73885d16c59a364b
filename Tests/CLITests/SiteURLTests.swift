import Foundation
import Testing

/// Site folders' URLs in `build`: `--base-url DIR=URL` pairs, `site.json`, the plain
/// `--base-url`, and the warning for folders left with `file://` URLs.
@Suite struct SiteURLTests {
    let work = CLI.temp("sites")

    /// Folders `a` and `b`, each with a page holding "page" and its own word; `b` also keeps a
    /// profile in a subfolder.
    init() throws {
        for (dir, word) in [("a", "alpha"), ("b", "beta")] {
            try FileManager.default.createDirectory(atPath: "\(work)/\(dir)", withIntermediateDirectories: true)
            try "<title>\(word)</title><p>\(word) page</p>".write(toFile: "\(work)/\(dir)/index.html", atomically: true, encoding: .utf8)
        }
        try FileManager.default.createDirectory(atPath: "\(work)/b/carol", withIntermediateDirectories: true)
        try #"{"name": "Carol", "bio": "zanzibar"}"#.write(toFile: "\(work)/b/carol/profile.json", atomically: true, encoding: .utf8)
    }

    func siteJSON(_ dir: String, _ text: String) throws {
        try text.write(toFile: "\(work)/\(dir)/site.json", atomically: true, encoding: .utf8)
    }

    /// Builds `a` and `b` with `args` into a fresh index under a fresh key.
    func build(_ name: String, _ args: [String]) throws -> (CLI.Result, String) {
        let key = "\(work)/\(name).key"
        try CLI.run(["keygen", "--out", key])
        let out = "\(work)/\(name)"
        return (try CLI.run(["build", "a", "b", "--out", out, "--key", key] + args, cwd: work), out)
    }

    func urls(_ index: String, _ query: String) throws -> Set<String> {
        let r = try CLI.run(["search", query, "--index", index, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        return Set(try searchResults(r.stdout).map(\.0))
    }

    @Test func twoPairsGiveTwoFoldersTheirOwnURLs() throws {
        let (r, out) = try build("pairs", ["--base-url", "a=https://a.example/", "--base-url", "b/=https://b.example/x/", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try urls(out, "page") == ["https://a.example/index.html", "https://b.example/x/index.html"])
        // A profile in a subfolder is indexed, under its folder's URL.
        #expect(try urls(out, "zanzibar") == ["https://b.example/x/carol/profile.json"])
        #expect(!r.stderr.contains("no base URL"))
    }

    @Test func siteJSONIsUsedOverThePlainURLAndAPairOverridesIt() throws {
        try siteJSON("b", #"{"baseURL": "https://b.example/"}"#)
        let (plain, plainOut) = try build("plain", ["--base-url", "https://all.example/"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try urls(plainOut, "page") == ["https://all.example/index.html", "https://b.example/index.html"])
        let (paired, pairedOut) = try build("paired", ["--base-url", "b=https://pair.example/", "--base-url", "a=https://a.example/"])
        #expect(paired.status == 0, "\(paired.stderr)")
        #expect(try urls(pairedOut, "page") == ["https://a.example/index.html", "https://pair.example/index.html"])
    }

    @Test func aMalformedSiteJSONFailsNamingTheFile() throws {
        for (i, text) in [#"{"baseURL": "#, #"{"baseURL": 7}"#, #"{"baseURL": "/relative/"}"#, "[]"].enumerated() {
            try siteJSON("b", text)
            let (r, _) = try build("bad\(i)", ["--base-url", "a=https://a.example/"])
            #expect(r.status == 1, "\(text): \(r.stderr)")
            #expect(r.stderr.contains("failed b/site.json:0: invalid site.json"), "\(text): \(r.stderr)")
        }
        // An oversized one is refused before it is parsed.
        try siteJSON("b", #"{"baseURL": "https://b.example/", "pad": ""# + String(repeating: "x", count: 70_000) + #""}"#)
        let (r, _) = try build("huge", [])
        #expect(r.status == 1 && r.stderr.contains("b/site.json"), "\(r.stderr)")
    }

    @Test func aFolderWithoutABaseURLIsWarnedAboutOnce() throws {
        let (r, out) = try build("none", ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let warnings = r.stderr.split(separator: "\n").filter { $0.contains("has no base URL") }
        #expect(warnings.count == 2, "\(r.stderr)")
        #expect(warnings.contains { $0.hasPrefix("warning: a has") } && warnings.contains { $0.hasPrefix("warning: b has") })
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let notices = summary?["notices"] as? [String] ?? []
        #expect(notices.filter { $0.contains("file:// URLs") }.count == 2, "\(r.stdout)")
        #expect(try urls(out, "alpha").allSatisfy { $0.hasPrefix("file://") })
        // One folder with a URL, one without: only the one without is named.
        let (one, _) = try build("one", ["--base-url", "a=https://a.example/"])
        #expect(one.stderr.components(separatedBy: "has no base URL").count == 2 && one.stderr.contains("warning: b has"), "\(one.stderr)")
    }

    @Test func aPairNamingNoSourceFolderIsAUsageError() throws {
        let (r, _) = try build("nosuch", ["--base-url", "c=https://c.example/"])
        #expect(r.status == 64 && r.stderr.contains("c is not one of the site folders given"), "\(r.stderr)")
    }
}
