import Blocks
import Foundation
import TextTestSupport

/// The query core built as WebAssembly by `make wasm`, run by the toolchain's `wasmkit`: its
/// test build (`querycore-test.wasm`, the page's module plus a WASI driver that calls the same
/// exports) reads framed requests on stdin and answers each on stdout.
struct WasmModule {
    /// One call of an export, as the driver reads it (Wasm/QueryCore/driver.c).
    struct Request {
        var op: UInt8
        var payload: [UInt8]

        /// `qc_analyze(text, mode)`: 0 body with English stemming, 1 no stemming, 2 query words.
        static func analyze(_ text: String, mode: UInt8) -> Request { Request(op: 0x30 + mode, payload: Array(text.utf8)) }
        /// `qc_parse(query)`.
        static func parse(_ query: String) -> Request { Request(op: UInt8(ascii: "p"), payload: Array(query.utf8)) }
        /// `qc_blake2b256(bytes)`.
        static func blake2b(_ bytes: [UInt8]) -> Request { Request(op: UInt8(ascii: "h"), payload: bytes) }
        /// `qc_verify_blake2b256(bytes, digest)`.
        static func verify(_ bytes: [UInt8], digest: [UInt8]) -> Request { Request(op: UInt8(ascii: "v"), payload: digest + bytes) }
        /// `qc_zstd_decompress(frame, limit)`.
        static func zstd(_ frame: [UInt8], limit: Int32) -> Request {
            var payload: [UInt8] = []
            append32(&payload, limit)
            return Request(op: UInt8(ascii: "z"), payload: payload + frame)
        }
        /// `qc_block_add(cid, bytes)`.
        static func addBlock(cid: [UInt8], _ bytes: [UInt8]) -> Request {
            var payload: [UInt8] = []
            append32(&payload, Int32(cid.count))
            return Request(op: UInt8(ascii: "b"), payload: payload + cid + bytes)
        }
        /// `qc_tree_get(header, keys)`: keys framed by varint lengths.
        static func treeGet(header: [UInt8], keys: [[UInt8]]) -> Request {
            var payload: [UInt8] = []
            append32(&payload, Int32(header.count))
            return Request(op: UInt8(ascii: "t"), payload: payload + header + framed(keys))
        }
        /// `qc_search(manifest, query, limit, offset)`.
        static func search(manifest: [UInt8], query: String, limit: Int32 = 10, offset: Int32 = 0, json: Bool = false) -> Request {
            var payload: [UInt8] = []
            append32(&payload, Int32(manifest.count))
            append32(&payload, limit)
            append32(&payload, offset)
            return Request(op: UInt8(ascii: json ? "Q" : "q"), payload: payload + manifest + Array(query.utf8))
        }
        /// `qc_facets(manifest, query, kinds, limit, matchLimit)`: kinds a bit per `FacetKind.allCases` case.
        static func facets(manifest: [UInt8], query: String, kinds: Int32, limit: Int32 = 10, matchLimit: Int32 = 1000) -> Request {
            var payload: [UInt8] = []
            append32(&payload, Int32(manifest.count))
            append32(&payload, kinds)
            append32(&payload, limit)
            append32(&payload, matchLimit)
            return Request(op: UInt8(ascii: "f"), payload: payload + manifest + Array(query.utf8))
        }
        /// `qc_search_order(order)`: 0 default, 1 relevance, 2 newest first, 3 oldest first.
        static func order(_ order: Int32) -> Request {
            var payload: [UInt8] = []
            append32(&payload, order)
            return Request(op: UInt8(ascii: "o"), payload: payload)
        }
        /// `qc_group_names(manifest, names)`.
        static func groupNames(manifest: [UInt8], names: [UInt8]) -> Request {
            var payload: [UInt8] = []
            append32(&payload, Int32(manifest.count))
            return Request(op: UInt8(ascii: "n"), payload: payload + manifest + names)
        }
        /// `qc_trust(keys)`: the page's trust list (none: every signed group).
        static func trust(_ keys: [[UInt8]]) -> Request { Request(op: UInt8(ascii: "T"), payload: framed(keys)) }
        /// `qc_bootstrap(file)`: the `bootstrap.car` the page fetches beside the manifest.
        static func bootstrap(_ file: [UInt8]) -> Request { Request(op: UInt8(ascii: "B"), payload: file) }
        /// `qc_snippet(query, text, columns)`.
        static func snippet(query: String, text: String, columns: Int32) -> Request {
            var payload: [UInt8] = []
            append32(&payload, columns)
            append32(&payload, Int32(query.utf8.count))
            return Request(op: UInt8(ascii: "s"), payload: payload + Array(query.utf8) + Array(text.utf8))
        }
    }

    /// What an export returned and wrote to its output.
    struct Reply: Equatable {
        var result: Int32
        var output: [UInt8]
        var text: String { String(decoding: output, as: UTF8.self) }
    }

    enum Failure: Error, CustomStringConvertible {
        case missing(String)
        case stale(module: String, source: String)
        case noRuntime
        case exited(Int32, String)
        case truncated

        var description: String {
            switch self {
            case .missing(let path): "no wasm module at \(path): run `make wasm` (make test and make check do)"
            case .stale(let module, let source): "\(module) is older than \(source): run `make wasm`"
            case .noRuntime: "no wasmkit on PATH (it ships with the Swift 6.3 toolchain)"
            case .exited(let status, let stderr): "wasmkit exited with status \(status): \(stderr)"
            case .truncated: "wasmkit's output ended inside a reply"
            }
        }
    }

    static let root = PythonChecker.packageRoot
    static let path = root.appendingPathComponent(".build/wasm/querycore-test.wasm").path
    /// What the module is compiled from, as `make wasm` wrote it down when it built the module
    /// (the Makefile's WASM_SWIFT_SOURCES and the C files), so a file of these folders that the
    /// module does not compile (the build's run buffers) does not make it stale.
    static let sourceList = root.appendingPathComponent(".build/wasm/sources.txt").path
    /// Without that list (a module built before it), everything in these folders.
    static let sourceFolders = [
        "Sources/Analysis", "Sources/Query", "Sources/Snippets", "Sources/Blocks", "Sources/ProllyTree", "Sources/Index", "Sources/Search",
        "Wasm/QueryCore",
    ]

    /// Fails unless the module exists and is newer than every source it is built from, so a
    /// parity failure never comes from a stale build.
    static func checkBuilt() throws {
        let fm = FileManager.default
        guard let built = try? fm.attributesOfItem(atPath: path)[.modificationDate] as? Date else {
            throw Failure.missing(path)
        }
        var sources: [String] = []
        if let list = try? String(contentsOfFile: sourceList, encoding: .utf8) {
            sources = list.split(separator: "\n").map { root.appendingPathComponent(String($0)).path }
        } else {
            sources = [root.appendingPathComponent("Sources/Support/ISODate.swift").path]
            for folder in sourceFolders {
                let dir = root.appendingPathComponent(folder)
                for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] {
                    sources.append(dir.appendingPathComponent(name).path)
                }
            }
        }
        for source in sources {
            if let m = try? fm.attributesOfItem(atPath: source)[.modificationDate] as? Date, m > built {
                throw Failure.stale(module: path, source: source)
            }
        }
    }

    static var runtime: String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return paths.map { "\($0)/wasmkit" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs every request through one `wasmkit run`; the replies come back in order.
    static func run(_ requests: [Request]) throws -> [Reply] {
        try checkBuilt()
        guard let wasmkit = runtime else { throw Failure.noRuntime }
        var input: [UInt8] = []
        for r in requests {
            input.append(r.op)
            append32(&input, Int32(r.payload.count))
            input += r.payload
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: wasmkit)
        p.arguments = ["run", path]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        (p.standardInput, p.standardOutput, p.standardError) = (stdin, stdout, stderr)
        try p.run()
        // Feed stdin on another thread so neither pipe can fill and deadlock.
        let data = Data(input)
        let writer = Thread {
            stdin.fileHandleForWriting.write(data)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()  // a trap's few lines
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure.exited(p.terminationStatus, String(decoding: err, as: UTF8.self))
        }
        let bytes = [UInt8](out)
        var replies: [Reply] = []
        var i = 0
        func read32() throws -> Int32 {
            guard i + 4 <= bytes.count else { throw Failure.truncated }
            defer { i += 4 }
            return Int32(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
        while i < bytes.count {
            let result = try read32()
            let length = Int(try read32())
            guard length >= 0, i + length <= bytes.count else { throw Failure.truncated }
            replies.append(Reply(result: result, output: Array(bytes[i..<i + length])))
            i += length
        }
        return replies
    }

    /// One `wasmkit run` answering requests one at a time, keeping the module's state (its
    /// blocks and node cache) between them, as the page does across round trips.
    final class Session {
        let process = Process()
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()

        init() throws {
            try WasmModule.checkBuilt()
            guard let wasmkit = WasmModule.runtime else { throw Failure.noRuntime }
            process.executableURL = URL(fileURLWithPath: wasmkit)
            process.arguments = ["run", WasmModule.path]
            (process.standardInput, process.standardOutput, process.standardError) = (stdin, stdout, stderr)
            try process.run()
        }

        func call(_ r: Request) throws -> Reply {
            var input: [UInt8] = [r.op]
            append32(&input, Int32(r.payload.count))
            stdin.fileHandleForWriting.write(Data(input + r.payload))
            func read(_ n: Int) throws -> [UInt8] {
                var out: [UInt8] = []
                while out.count < n {
                    let chunk = stdout.fileHandleForReading.readData(ofLength: n - out.count)
                    if chunk.isEmpty {
                        let err = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
                        throw Failure.exited(-1, "reply ended early; \(err)")
                    }
                    out += chunk
                }
                return out
            }
            func int(_ b: [UInt8]) -> Int32 {
                Int32(bitPattern: UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
            }
            let head = try read(8)
            let result = int(Array(head[0..<4])), length = Int(int(Array(head[4..<8])))
            return Reply(result: result, output: try read(length))
        }

        func close() {
            try? stdin.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }

    /// Items framed as varint length, then bytes (the module's list format).
    static func framed(_ items: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for item in items {
            Varint.append(UInt64(item.count), to: &out)
            out += item
        }
        return out
    }

    /// The items of a framed list (a reply that does not parse ends the list early, and the
    /// caller's comparison fails).
    static func unframed(_ bytes: [UInt8]) -> [[UInt8]] {
        var items: [[UInt8]] = []
        var i = 0
        while i < bytes.count, let n = Varint.read(bytes, &i), n <= UInt64(bytes.count - i) {
            items.append(Array(bytes[i..<i + Int(n)]))
            i += Int(n)
        }
        return items
    }

    static func append32(_ data: inout [UInt8], _ v: Int32) {
        let u = UInt32(bitPattern: v)
        data.append(contentsOf: [UInt8(u & 0xFF), UInt8(u >> 8 & 0xFF), UInt8(u >> 16 & 0xFF), UInt8(u >> 24)])
    }
}
