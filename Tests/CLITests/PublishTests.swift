import Foundation
import Testing
import TextTestSupport

/// A process started from the built binary whose first stdout line is its URL (`indexer hub`).
final class Server {
    let process = Process()
    let url: String

    init(_ args: [String]) throws {
        process.executableURL = URL(fileURLWithPath: try CLI.binary)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        let handle = out.fileHandleForReading
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty || byte.first == 0x0A { break }
            line.append(byte.first!)
        }
        url = String(decoding: line, as: UTF8.self)
        guard url.hasPrefix("http://") else {
            process.terminate()
            throw CLIError(message: "server printed no URL: \(url)")
        }
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

@Suite(.serialized) struct PublishCLITests {
    let work = CLI.temp("publish")
    var key: String { work + "/key.json" }

    init() throws {
        try CLI.siteFolder(300, seed: 5, at: work + "/site")
        try CLI.siteFolder(40, seed: 6, at: work + "/more")
        try CLI.run(["keygen", "--out", key])
        let r = try CLI.run(["build", work + "/site", "--out", work + "/idx", "--key", key, "--base-url", "https://notes.example/"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    func json(_ s: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
    }

    @Test func publishToAFolderSearchesAndVerifiesLikeTheIndexAndPrunes() throws {
        let site = work + "/www/idx"
        let first = try CLI.run(["publish", work + "/idx", site, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let sent = try json(first.stdout)
        let blocks = try blockNames(site).count
        #expect(sent["published"] as? Bool == true && sent["blocksSent"] as? Int == blocks && blocks > 10)
        // The static search page goes with the index, as build writes it.
        #expect(sent["searchPage"] as? String == site + "/search/index.html")
        for name in ["querycore.wasm", "querycore.wasm.lzma"] { #expect(FileManager.default.fileExists(atPath: site + "/search/" + name)) }
        #expect(try CLI.run(["verify", site]).status == 0)
        let query = ["search", "honey bread", "--json", "--index"]
        let local = try searchResults(try CLI.run(query + [work + "/idx"]).stdout)
        let published = try searchResults(try CLI.run(query + [site]).stdout)
        #expect(!local.isEmpty && local.map(\.0) == published.map(\.0))

        try FileManager.default.copyItem(atPath: work + "/idx", toPath: work + "/idx-v1")
        // An update: only its new blocks go; the old version's own blocks go with --keep 1.
        let update = try CLI.run(["build", work + "/more", "--base", work + "/idx", "--out", work + "/idx", "--key", key])
        #expect(update.status == 0, "\(update.stderr)")
        let second = try json(try CLI.run(["publish", work + "/idx", site, "--keep", "1", "--json"]).stdout)
        #expect((second["blocksSent"] as? Int ?? 0) < blocks / 2 && (second["blocksSent"] as? Int ?? 0) > 0)
        let pruned = try #require(second["pruned"] as? [String: Any])
        #expect(pruned["blocksRemoved"] as? Int ?? 0 > 0 && (pruned["missing"] as? [Any])?.isEmpty == true)
        #expect(try CLI.run(["verify", site]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: site + "/versions") == ["2.json"])

        // The older version is refused now; nothing is written.
        let manifest = try Data(contentsOf: URL(fileURLWithPath: site + "/manifest.json"))
        let refused = try CLI.run(["publish", work + "/idx-v1", site])
        #expect(refused.status == 1 && refused.stderr.contains("newer than the version"), "\(refused.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: site + "/manifest.json")) == manifest)
    }

    @Test func hubProcessRegistersPublishesAndServesTheGroupToSearch() throws {
        let hub = try Server(["hub", "--data", work + "/hub", "--port", "0"])
        defer { hub.stop() }
        let base = String(hub.url.dropLast())
        let unregistered = try CLI.run(["publish", work + "/idx", base, "--key", key])
        #expect(unregistered.status == 1 && unregistered.stderr.contains("unregistered"), "\(unregistered.stderr)")
        let reg = try CLI.run(["hub", "register", base, "--key", key, "--name", "Notes", "--json"])
        #expect(reg.status == 0, "\(reg.stderr)")
        let group = try #require(try json(reg.stdout)["group"] as? String)
        let pub = try CLI.run(["publish", work + "/idx", base, "--key", key, "--json"])
        #expect(pub.status == 0, "\(pub.stderr)")
        #expect(try json(pub.stdout)["published"] as? Bool == true)

        let remote = try CLI.run(["search", "honey bread", "--json", "--index", base + "/groups/" + group])
        #expect(remote.status == 0, "\(remote.stderr)")
        let local = try searchResults(try CLI.run(["search", "honey bread", "--json", "--index", work + "/idx"]).stdout)
        let viaHub = try searchResults(remote.stdout)
        #expect(!local.isEmpty && viaHub.map(\.0) == local.map(\.0))
        #expect(try CLI.run(["verify", base + "/groups/" + group]).status == 0)

        // The admin command lowers the quota; the next publish (an update) is refused with the reason.
        let quota = try CLI.run(["hub", "quota", "Notes", "--data", work + "/hub", "--bytes", "1000"])
        #expect(quota.status == 0, "\(quota.stderr)")
        try CLI.siteFolder(30, seed: 77, at: work + "/third")
        #expect(try CLI.run(["build", work + "/third", "--base", work + "/idx", "--out", work + "/idx", "--key", key]).status == 0)
        let over = try CLI.run(["publish", work + "/idx", base, "--key", key])
        #expect(over.status == 1 && over.stderr.contains("413") && over.stderr.contains("quota-bytes"), "\(over.stderr)")
        let groups = try CLI.run(["hub", "groups", "--data", work + "/hub", "--json"])
        #expect(groups.stdout.contains("Notes"))
    }
}
