import Foundation
import TextTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `indexer serve DIR... --port 0` as a child process; `base` is the URL it printed.
final class IndexerServer: Sendable {
    let child: ChildProcess
    let base: String

    init(_ directories: [String], extra: [String] = []) throws {
        child = try ChildProcess(try indexerBinary(), ["serve"] + directories + ["--port", "0", "--quiet"] + extra)
        var line = try child.firstLine(within: 30)
        while line.hasSuffix("/") { line.removeLast() }
        base = line
    }

    /// SIGTERM, then the exit status (nil if it did not exit within `seconds`).
    func terminate(within seconds: Double) -> Int32? {
        kill(child.process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while child.process.isRunning && Date() < deadline { usleep(20_000) }
        return child.process.isRunning ? nil : child.process.terminationStatus
    }
}
