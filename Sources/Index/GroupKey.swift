import Blocks
import Sodium
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// A group's signing key, stored as a small JSON file readable only by its owner (mode 0600).
public struct GroupKey: Sendable {
    public let publicKey: [UInt8]
    public let secretKey: [UInt8]
    public var group: GroupID { GroupID(publicKey: publicKey) }

    public static func generate() -> GroupKey {
        let pair = Ed25519.generate()
        return GroupKey(publicKey: pair.publicKey, secretKey: pair.secretKey)
    }

    public init(publicKey: [UInt8], secretKey: [UInt8]) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A deterministic key from a 32-byte seed (tests, reproducible demos).
    public init(seed: [UInt8]) throws {
        let pair = try Ed25519.keyPair(seed: seed)
        self.init(publicKey: pair.publicKey, secretKey: pair.secretKey)
    }

    public func sign(_ message: [UInt8]) throws -> [UInt8] { try Ed25519.sign(message, secretKey: secretKey) }

    /// Writes the key file with mode 0600, refusing to overwrite an existing one.
    public func write(to path: String) throws {
        let json = JSON.object([
            "type": .string("indexer-ed25519-key/1"),
            "group": .string(group.description),
            "publicKey": .string(Hex.encode(publicKey)),
            "secretKey": .string(Hex.encode(secretKey)),
        ]).pretty
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw IndexError.keyFile(path: path, reason: errno == EEXIST ? "already exists; not overwriting a key" : String(cString: strerror(errno)))
        }
        defer { close(fd) }
        let bytes = Array(json.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw IndexError.keyFile(path: path, reason: String(cString: strerror(errno)))
        }
    }

    public static func read(from path: String) throws -> GroupKey {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 16) } catch {
            throw IndexError.keyFile(path: path, reason: "cannot read key file")
        }
        guard let json = try? JSON.parse(bytes), json["type"]?.string == "indexer-ed25519-key/1",
            let pk = json["publicKey"]?.string.flatMap(Hex.decode), pk.count == Ed25519.publicKeyBytes,
            let sk = json["secretKey"]?.string.flatMap(Hex.decode), sk.count == Ed25519.secretKeyBytes
        else { throw IndexError.keyFile(path: path, reason: "not an indexer key file") }
        // The secret half must be the one of this public key: a file pairing a group's public key
        // with another secret would sign what no one can verify.
        guard Array(sk[32...]) == pk, let derived = try? Ed25519.keyPair(seed: Array(sk[..<32])), derived.publicKey == pk else {
            throw IndexError.keyFile(path: path, reason: "its secret key does not belong to its public key")
        }
        return GroupKey(publicKey: pk, secretKey: sk)
    }

    /// The user's config folder for keys: `$XDG_CONFIG_HOME/indexer`, else `~/.config/indexer`.
    public static var configFolder: String {
        let env = { (name: String) -> String? in getenv(name).map { String(cString: $0) } }
        let base = env("XDG_CONFIG_HOME").flatMap { $0.isEmpty ? nil : $0 } ?? ((env("HOME") ?? "/tmp") + "/.config")
        return base + "/indexer"
    }
}
