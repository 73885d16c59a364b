// What the shared read path calls in the native modules Sodium and Zstd, provided in the wasm
// module by the same C libraries compiled from Debian's sources (blocks.c): BLAKE2b-256 and
// SHA-256 from libsodium, zstd decompression from libzstd. Only what reading needs: the browser
// verifies and decodes blocks, it never writes them.

@_extern(c, "qc_c_blake2b256")
func cBlake2b256(_ out: UnsafeMutablePointer<UInt8>, _ bytes: UnsafeRawPointer?, _ count: Int)
@_extern(c, "qc_c_sha256")
func cSHA256(_ out: UnsafeMutablePointer<UInt8>, _ bytes: UnsafeRawPointer?, _ count: Int)
@_extern(c, "qc_c_zstd_size")
func cZstdSize(_ bytes: UnsafeRawPointer, _ count: Int, _ limit: Int) -> Int
@_extern(c, "qc_c_zstd_into")
func cZstdInto(_ out: UnsafeMutableRawPointer?, _ size: Int, _ bytes: UnsafeRawPointer, _ count: Int) -> Int
@_extern(c, "qc_c_zstd_problem")
func cZstdProblem(_ code: Int) -> UnsafePointer<CChar>
@_extern(c, "crypto_sign_ed25519_verify_detached")
func cEd25519Verify(_ signature: UnsafePointer<UInt8>, _ message: UnsafePointer<UInt8>?, _ count: UInt64, _ key: UnsafePointer<UInt8>) -> Int32
@_extern(c, "memcmp")
func memcmp(_ a: UnsafeRawPointer?, _ b: UnsafeRawPointer?, _ count: Int) -> Int32
@_extern(c, "log")
func log(_ x: Double) -> Double
@_extern(c, "qc_c_zstd_version")
func cZstdVersion() -> UnsafePointer<CChar>

enum Sodium {
    static func blake2b256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { cBlake2b256($0.baseAddress!, bytes.baseAddress, bytes.count) }
        return out
    }

    static func blake2b256(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { blake2b256($0) } }

    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { cSHA256($0.baseAddress!, bytes.baseAddress, bytes.count) }
        return out
    }
}

/// Version and manifest signatures, checked with libsodium's own Ed25519 as the CLI does.
enum Ed25519 {
    static let publicKeyBytes = 32
    static let signatureBytes = 64
    static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard signature.count == 64, publicKey.count == 32 else { return false }
        return message.withUnsafeBufferPointer { m in cEd25519Verify(signature, m.baseAddress, UInt64(m.count), publicKey) == 0 }
    }
}

/// The page runs searches without a budget (`SearchEngine.budget` nil): no clock is read.
func monotonicSeconds() -> Double { 0 }

/// The browser has no files: indexes come by URL, and a reader there remembers no versions
/// on disk (`ReadPolicy.seen` stays nil).
enum FileSystem {
    static func absolute(_ path: String) -> String { path }
    static func readFile(_ path: String, limit: Int) throws(CoreError) -> [UInt8] { throw .unsupported("reading \(path)") }
    static func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool = false) throws(CoreError) {
        throw .unsupported("writing \(path)")
    }
    static func makeDirectories(_ path: String) throws(CoreError) { throw .unsupported("making \(path)") }
}

enum Zstd {
    static var version: String { String(cString: cZstdVersion()) }

    /// One frame that declares its size, at most `limit` bytes, nothing after it: the native
    /// `Zstd.decompress`'s rules (blocks.c checks them).
    static func decompress(_ input: [UInt8], limit: Int) throws(CoreError) -> [UInt8] {
        let result = input.withUnsafeBytes { (buf: UnsafeRawBufferPointer) -> (bytes: [UInt8], code: Int) in
            guard let base = buf.baseAddress, buf.count > 0 else { return ([], -1) }
            let size = cZstdSize(base, buf.count, limit)
            guard size >= 0 else { return ([], size) }
            var out = [UInt8](repeating: 0, count: size)
            let written = out.withUnsafeMutableBytes { cZstdInto($0.baseAddress, size, base, buf.count) }
            return written == size ? (out, 0) : ([], written < 0 ? written : -6)
        }
        if result.code != 0 { throw .zstd(String(cString: cZstdProblem(result.code))) }
        return result.bytes
    }

    /// Builders compress nodes; the browser only reads, so this is never called there.
    struct Compressor: ~Copyable {
        let level: Int32
        mutating func compress(_ input: UnsafeRawBufferPointer) throws(CoreError) -> [UInt8] {
            throw .unsupported("zstd compression")
        }
    }
}

/// Embedded Synchronization has `Atomic` but no `Mutex` for wasm32 (no threads to block). The
/// module runs on the page's one thread, so a lock is only the value, shared by reference.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(&value)
    }
}

/// The page's module runs on one thread: work meant for several runs in turn.
func concurrentlyPerform(iterations: Int, width: Int = 1, _ body: (Int) -> Void) {
    for i in 0..<iterations { body(i) }
}

extension String {
    /// Whether `other` occurs in this string, by UTF-8 bytes (Foundation's `contains` natively).
    func contains(_ other: String) -> Bool {
        let a = Array(utf8), b = Array(other.utf8)
        guard !b.isEmpty else { return true }
        guard a.count >= b.count else { return false }
        for i in 0...(a.count - b.count) where a[i] == b[0] && Array(a[i..<i + b.count]) == b { return true }
        return false
    }
}
