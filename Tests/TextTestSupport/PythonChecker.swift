import Foundation
import Testing

/// Runs the project venv's Python (`INDEXER_PYTHON`, else `.venv/bin/python` at the package
/// root) as an independent checker or fixture writer: the one copy every test target uses.
/// Tests that call it are tagged `.python`. No interpreter is a failure, not a skip.
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

    /// Why Python could not give an answer.
    public enum Failure: Error, CustomStringConvertible {
        case noInterpreter
        case cannotStart(interpreter: String, reason: String)
        case exited(status: Int32, stderr: String)

        public var description: String {
            switch self {
            case .noInterpreter: "no Python: set INDEXER_PYTHON or run `make setup` to create .venv"
            case .cannotStart(let python, let reason): "cannot run \(python): \(reason)"
            case .exited(let status, let stderr): "python exited with status \(status): \(stderr)"
            }
        }
    }

    /// Runs the interpreter with `arguments` (a script path, or `-c` and code, then its own
    /// arguments) and `input` on stdin; returns stdout. Throws `Failure`.
    public static func output(arguments: [String], input: Data = Data()) throws -> Data {
        guard let python = interpreter else { throw Failure.noInterpreter }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        do { try p.run() } catch { throw Failure.cannotStart(interpreter: python, reason: "\(error)") }
        // Write stdin and drain stderr on other threads so no pipe can fill and deadlock.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input); try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errors = ErrorDrain(stderr.fileHandleForReading)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure.exited(status: p.terminationStatus, stderr: String(decoding: errors.wait(), as: UTF8.self))
        }
        return out
    }

    /// Runs `script` (Python source) with `arguments` after it and `input` on stdin; returns stdout.
    public static func output(_ script: String, arguments: [String] = [], input: Data = Data()) throws -> Data {
        try output(arguments: ["-c", script] + arguments, input: input)
    }

    /// As `output`, but records the failure as an issue of the calling test and returns nil.
    public static func run(_ script: String, arguments: [String] = [], input: Data = Data()) -> Data? {
        do { return try output(script, arguments: arguments, input: input) } catch {
            Issue.record("\(error)")
            return nil
        }
    }
}

/// Reads a pipe to its end on its own thread.
private final class ErrorDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }

    func wait() -> Data {
        done.wait()
        return data
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
