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

extension PythonChecker {
    /// Reads a CAR file (argv[1]) with `libipld` and recomputes every block's CID with
    /// `multiformats`; prints {"roots", "version", "blocks": {cid: {"canonical", "cid"}}}.
    public static let carScript = #"""
        import json, sys, libipld
        from multiformats import CID, multihash
        data = open(sys.argv[1], "rb").read()
        header, blocks = libipld.decode_car(data)
        out = {"roots": [CID.decode(bytes(r)).encode("base32") for r in header["roots"]], "version": header["version"], "blocks": {}}
        # libipld hands links and byte strings back alike (bytes), and re-encodes any byte string
        # that parses as a CID as a link (a Prolly key starting 0x01 may). Such a block is still
        # canonical if its CBOR items equal the re-encoding's but for those links.
        def items(b):
            out, i = [], 0
            while i < len(b):
                major, info = b[i] >> 5, b[i] & 31; i += 1
                n = info
                if info >= 24:
                    k = 1 << (info - 24); n = int.from_bytes(b[i:i + k], "big"); i += k
                if major in (2, 3):
                    out.append((major, b[i:i + n])); i += n
                else:
                    out.append((major, n, info))
            return out
        def same_but_links(raw, again):
            a, b = items(raw), items(again)
            i = j = 0
            while i < len(a) and j < len(b):
                if a[i] == b[j]:
                    i += 1; j += 1
                elif b[j][0] == 6 and b[j][1] == 42 and j + 1 < len(b) and a[i][0] == 2 and b[j + 1] == (2, b"\x00" + a[i][1]):
                    i += 1; j += 2
                else:
                    return False
            return i == len(a) and j == len(b)
        # decode_car drops the raw bytes, so walk the sections again to get them.
        def varint(b, i):
            v = s = 0
            while True:
                c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
                if c < 0x80: return v, i
        n, i = varint(data, 0); i += n
        while i < len(data):
            n, i = varint(data, i); section = data[i:i + n]; i += n
            cid = CID.decode(section[:38]); raw = section[38:]
            value = blocks[bytes(cid)]
            mine = CID("base32", 1, "dag-cbor", multihash.digest(raw, "blake2b-256"))
            again = libipld.encode_dag_cbor(value)
            out["blocks"][cid.encode("base32")] = {"canonical": again == raw or same_but_links(raw, again), "cid": mine.encode("base32")}
        print(json.dumps(out))
        """#
}
