import Foundation
import Testing

/// `build`'s live line on a terminal names the phase it is in, from reading to publishing.
/// `script` gives the build a pseudo-terminal for stderr and copies what it drew to stdout.
@Suite struct BuildProgressTests {
    @Test func theLiveLineNamesEveryPhase() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let space = try CLI.Workspace("progress", notes: 400, seed: 5)
        let command = [
            try CLI.binary, "build", space.site, "--out", space.work + "/idx", "--key", space.key,
            "--base-url", "https://notes.example/", "--threads", "2",
        ].map { "'" + $0 + "'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", command, "/dev/null"]
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CACHE_HOME"] = CLI.cacheHome
        environment["XDG_CONFIG_HOME"] = CLI.configHome
        p.environment = environment
        let out = Pipe()
        p.standardOutput = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("build 1/3, reading: "), "\(text)")
        #expect(text.contains("build 2/3, writing trees: "), "\(text)")
        #expect(text.contains("build 3/3, joining key ranges and publishing"), "\(text)")
        // The phases come in order.
        let first = try #require(text.range(of: "build 1/3")), last = try #require(text.range(of: "build 3/3"))
        #expect(first.lowerBound < last.lowerBound)
    }
}
