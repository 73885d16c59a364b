import Foundation
import Testing

/// Test helpers shared by HTMLTextTests and AnalysisTests.

/// Runs the project venv's Python (`INDEXER_PYTHON`, else `.venv/bin/python` at the package
/// root) as an independent checker. Fails the calling test, rather than skipping it, when no
/// interpreter is found: a checker that silently does not run proves nothing.
public enum PythonChecker {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    public static var interpreter: String? {
        if let env = ProcessInfo.processInfo.environment["INDEXER_PYTHON"], FileManager.default.isExecutableFile(atPath: env) {
            return env
        }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    /// Runs `script` with `input` on stdin; returns stdout, or records an issue and returns nil.
    public static func run(_ script: String, input: Data) -> Data? {
        guard let python = interpreter else {
            Issue.record("no Python: set INDEXER_PYTHON or run `make setup` to create .venv")
            return nil
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        do { try p.run() } catch {
            Issue.record("cannot run \(python): \(error)")
            return nil
        }
        // Write stdin on another thread so a large output cannot deadlock the pipes.
        let writer = Thread { stdin.fileHandleForWriting.write(input); try? stdin.fileHandleForWriting.close() }
        writer.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            Issue.record("python failed: \(String(decoding: err, as: UTF8.self))")
            return nil
        }
        return out
    }
}

/// A small deterministic generator so fuzz runs are reproducible from their seed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
