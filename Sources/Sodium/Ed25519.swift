import CSodium

/// Ed25519 signatures through libsodium (`crypto_sign_*`), used to sign manifests.
public enum Ed25519 {
    public static let publicKeyBytes = 32
    public static let secretKeyBytes = 64
    public static let signatureBytes = 64

    public struct KeyPair: Sendable {
        public let publicKey: [UInt8]
        /// libsodium's 64-byte secret key (seed followed by the public key).
        public let secretKey: [UInt8]

        public init(publicKey: [UInt8], secretKey: [UInt8]) {
            self.publicKey = publicKey
            self.secretKey = secretKey
        }
    }

    public static func generate() -> KeyPair {
        Sodium.ready()
        var pk = [UInt8](repeating: 0, count: publicKeyBytes)
        var sk = [UInt8](repeating: 0, count: secretKeyBytes)
        _ = crypto_sign_keypair(&pk, &sk)
        return KeyPair(publicKey: pk, secretKey: sk)
    }

    /// Derives the key pair from a 32-byte seed (deterministic; used by tests).
    public static func keyPair(seed: [UInt8]) throws -> KeyPair {
        Sodium.ready()
        guard seed.count == 32 else { throw Error.badKeyLength(seed.count) }
        var pk = [UInt8](repeating: 0, count: publicKeyBytes)
        var sk = [UInt8](repeating: 0, count: secretKeyBytes)
        _ = crypto_sign_seed_keypair(&pk, &sk, seed)
        return KeyPair(publicKey: pk, secretKey: sk)
    }

    public static func sign(_ message: [UInt8], secretKey: [UInt8]) throws -> [UInt8] {
        Sodium.ready()
        guard secretKey.count == secretKeyBytes else { throw Error.badKeyLength(secretKey.count) }
        var sig = [UInt8](repeating: 0, count: signatureBytes)
        let rc = crypto_sign_detached(&sig, nil, message, UInt64(message.count), secretKey)
        guard rc == 0 else { throw Error.signingFailed }
        return sig
    }

    /// True only when `signature` is a valid signature of `message` by `publicKey`.
    /// Wrong lengths are simply invalid, never a trap.
    public static func verify(_ signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        Sodium.ready()
        guard signature.count == signatureBytes, publicKey.count == publicKeyBytes else { return false }
        return crypto_sign_verify_detached(signature, message, UInt64(message.count), publicKey) == 0
    }
}
