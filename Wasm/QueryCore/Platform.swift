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
@_extern(c, "qc_c_zstd_version")
func cZstdVersion() -> UnsafePointer<CChar>

enum Sodium {
    static func blake2b256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { cBlake2b256($0.baseAddress!, bytes.baseAddress, bytes.count) }
        return out
    }

    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { cSHA256($0.baseAddress!, bytes.baseAddress, bytes.count) }
        return out
    }
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
        init(level: Int32) { self.level = level }
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
