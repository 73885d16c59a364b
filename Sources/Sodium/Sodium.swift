import CSodium

/// The one Swift owner of libsodium: hashing (BLAKE2b, SHA-256), Ed25519 signatures, randomness.
///
/// libsodium needs `sodium_init()` once per process; every entry point here calls
/// `Sodium.ready` first, which runs it exactly once.
public enum Sodium {
    /// Runs `sodium_init()` once. It is thread-safe and idempotent in libsodium itself.
    private static let initialised: Bool = sodium_init() >= 0
    static func ready() {
        precondition(initialised, "libsodium failed to initialise")
    }

    /// BLAKE2b with a 32-byte digest (`crypto_generichash`, no key): the hash behind our CIDs.
    public static func blake2b256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        ready()
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { o in
            _ = crypto_generichash(
                o.baseAddress!.assumingMemoryBound(to: UInt8.self), 32,
                bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                UInt64(bytes.count), nil, 0)
        }
        return out
    }

    public static func blake2b256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { blake2b256($0) }
    }

    /// SHA-256 (`crypto_hash_sha256`), for formats that name it (WACZ, CIDs from other tools).
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        ready()
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { o in
            _ = crypto_hash_sha256(
                o.baseAddress!.assumingMemoryBound(to: UInt8.self),
                bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                UInt64(bytes.count))
        }
        return out
    }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { sha256($0) }
    }
}

/// Incremental SHA-256 for streams too large to hold (WACZ members, whole archives).
public struct SHA256Hasher: ~Copyable {
    private var state = crypto_hash_sha256_state()

    public init() {
        Sodium.ready()
        crypto_hash_sha256_init(&state)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    public consuming func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { o in
            _ = crypto_hash_sha256_final(&state, o.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        return out
    }
}

/// Incremental BLAKE2b-256, for content digests of documents assembled piece by piece.
/// libsodium's state is an over-aligned opaque struct, so it lives in memory we allocate.
public struct Blake2bHasher: ~Copyable {
    private let state: UnsafeMutableRawPointer

    public init() {
        Sodium.ready()
        state = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
        crypto_generichash_init(OpaquePointer(state), nil, 0, 32)
    }

    deinit { state.deallocate() }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        crypto_generichash_update(OpaquePointer(state), base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    public consuming func finish() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { o in
            _ = crypto_generichash_final(OpaquePointer(state), o.baseAddress!.assumingMemoryBound(to: UInt8.self), 32)
        }
        return out
    }
}
