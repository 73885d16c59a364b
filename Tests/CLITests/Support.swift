import Foundation
import Testing

/// Runs the built `indexer` binary (the tests drive the real command line, as users do).
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        get throws {
            for config in ["debug", "release"] {
                let p = packageRoot.appendingPathComponent(".build/\(config)/indexer").path
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
            throw CLIError(message: "indexer binary not built: run `swift build` first (make test does)")
        }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let cacheHome = temp("cache-home")
    static let configHome = temp("config-home")

    @discardableResult
    static func run(_ args: [String], cwd: String? = nil, env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var environment = ProcessInfo.processInfo.environment
        // The block cache and the versions seen stay inside the test run's own folder, not the user's.
        environment["XDG_CACHE_HOME"] = cacheHome
        // So are the keys made for indexes built without --key.
        environment["XDG_CONFIG_HOME"] = configHome
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func temp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(name)-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A temporary folder holding a site folder of `notes` text files (`site`) and a group key.
    struct Workspace {
        let work: String
        var site: String { work + "/site" }
        var key: String { work + "/key.json" }

        init(_ name: String, notes: Int, seed: UInt64) throws {
            work = CLI.temp(name)
            try CLI.siteFolder(notes, seed: seed, at: work + "/site")
            try CLI.run(["keygen", "--out", work + "/key.json"])
        }
    }

    /// A site folder of `n` text files with a skewed random vocabulary, written directly.
    static func siteFolder(_ n: Int, seed: UInt64, at dir: String) throws {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let words = [
            "river", "bread", "honey", "lantern", "bicycle", "garden", "compost", "library", "meteor", "solar",
            "workshop", "volunteer", "repair", "kettle", "orchard", "winter", "summer", "harvest", "market", "bridge",
        ]
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for i in 0..<n {
            let count = 20 + Int(next() % 200)
            var text = "Note \(i)\n\n"
            for _ in 0..<count {
                let r = Double(next() % 10_000) / 10_000
                text += words[min(words.count - 1, Int(r * r * Double(words.count)))] + " "
            }
            try text.write(toFile: dir + "/note-\(i).txt", atomically: false, encoding: .utf8)
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The `results` of `search --json` as (url, score) pairs.
func searchResults(_ json: String) throws -> [(String, Double)] {
    guard let o = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
        let results = o["results"] as? [[String: Any]]
    else { throw CLIError(message: "not search JSON: \(json.prefix(200))") }
    return results.map { ($0["url"] as? String ?? "", $0["score"] as? Double ?? .nan) }
}
