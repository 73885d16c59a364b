import Sodium
import Support

/// A hub's version log (`GET /log`): every version the hub accepted, of every group and of its
/// shared index, in order, each entry naming the hash of the one before, and a checkpoint — the
/// log's size and head hash signed with the hub's key. A reader who remembers a checkpoint sees
/// a rewritten entry, a truncated log or a checkpoint under another key; the hub cannot drop or
/// change a version it once showed without every later checkpoint disagreeing.
public enum HubLog {
    /// `previous` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// One accepted version. `hash` is BLAKE2b-256 of the canonical JSON of the other fields.
    public struct Entry: Sendable, Equatable {
        /// Position in the log, from 1.
        public var sequence: Int
        public var time: String
        /// "group" for a group's version, "shared" for the hub's shared index.
        public var kind: String
        /// The group's key (hex), or the hub's for the shared index.
        public var publicKey: String
        /// The version's number on the hub (`/groups/<group>/versions/<n>.json`).
        public var number: Int
        /// The manifest's root CID.
        public var root: String
        public var previous: String
        public var hash: String

        public init(sequence: Int, time: String, kind: String, publicKey: String, number: Int, root: String, previous: String) {
            self.sequence = sequence
            self.time = time
            self.kind = kind
            self.publicKey = publicKey
            self.number = number
            self.root = root
            self.previous = previous
            hash = ""
            hash = computedHash
        }

        var hashedFields: [String: JSON] {
            [
                "sequence": .int(Int64(sequence)), "time": .string(time), "kind": .string(kind), "publicKey": .string(publicKey),
                "number": .int(Int64(number)), "root": .string(root), "previous": .string(previous),
            ]
        }

        /// The hash the fields give (a served entry's `hash` must equal it).
        public var computedHash: String { Hex.encode(Sodium.blake2b256(JSON.object(hashedFields).canonical)) }

        public var json: JSON {
            var o = hashedFields
            o["hash"] = .string(hash)
            return .object(o)
        }

        /// Reads a served entry as it is (its hash is not checked here: `verify` does).
        public init(json j: JSON) throws(HubLogError) {
            guard let s = j["sequence"]?.int, let time = j["time"]?.string, let kind = j["kind"]?.string,
                let key = j["publicKey"]?.string, let n = j["number"]?.int, let root = j["root"]?.string,
                let previous = j["previous"]?.string, let hash = j["hash"]?.string
            else { throw .malformed("a log entry lacks sequence, time, kind, publicKey, number, root, previous or hash") }
            sequence = Int(s)
            self.time = time
            self.kind = kind
            publicKey = key
            number = Int(n)
            self.root = root
            self.previous = previous
            self.hash = hash
        }
    }

    /// The hub's signature over the log's size and head hash.
    public struct Checkpoint: Sendable, Equatable {
        public var size: Int
        public var head: String
        public var publicKey: String
        public var signature: String

        /// The bytes signed; the prefix keeps them from passing for any other signed message.
        public static func message(size: Int, head: String) -> [UInt8] { Array("indexer-hub/1 checkpoint \(size) \(head)".utf8) }

        public static func signed(size: Int, head: String, publicKey: [UInt8], sign: ([UInt8]) throws -> [UInt8]) rethrows -> Checkpoint {
            Checkpoint(
                size: size, head: head, publicKey: Hex.encode(publicKey), signature: Hex.encode(try sign(message(size: size, head: head))))
        }

        public init(size: Int, head: String, publicKey: String, signature: String) {
            self.size = size
            self.head = head
            self.publicKey = publicKey
            self.signature = signature
        }

        public init(json j: JSON) throws(HubLogError) {
            guard let s = j["size"]?.int, s >= 0, let head = j["head"]?.string, let key = j["publicKey"]?.string,
                let sig = j["signature"]?.string
            else { throw .malformed("the checkpoint lacks size, head, publicKey or signature") }
            self.init(size: Int(s), head: head, publicKey: key, signature: sig)
        }

        public var json: JSON {
            .object(["size": .int(Int64(size)), "head": .string(head), "publicKey": .string(publicKey), "signature": .string(signature)])
        }

        public var signatureIsValid: Bool {
            guard let key = Hex.decode(publicKey), let sig = Hex.decode(signature) else { return false }
            return Ed25519.verify(sig, message: Checkpoint.message(size: size, head: head), publicKey: key)
        }
    }

    /// Checks `entries` (consecutive, from the log's entry `first`) against `checkpoint`:
    /// its signature, under `expectedKey` when given; each entry's hash; each link to the one
    /// before, the first to `previousHash` (the hash of entry `first - 1`, or `genesis`); and
    /// that the last is the checkpoint's head. Returns the problems found, empty when none.
    public static func verify(
        entries: [Entry], first: Int, previousHash: String, checkpoint: Checkpoint, expectedKey: String?
    ) -> [String] {
        var problems: [String] = []
        if !checkpoint.signatureIsValid {
            problems.append("the checkpoint's signature does not verify under its key \(checkpoint.publicKey)")
        }
        if let expectedKey, expectedKey != checkpoint.publicKey {
            problems.append("the checkpoint is signed by \(checkpoint.publicKey), not by the hub's key \(expectedKey)")
        }
        var previous = previousHash
        for (k, e) in entries.enumerated() {
            if e.sequence != first + k {
                problems.append("entry \(first + k) is missing (entry \(e.sequence) is in its place)")
                return problems
            }
            if e.computedHash != e.hash { problems.append("entry \(e.sequence)'s hash does not match its contents") }
            if e.previous != previous { problems.append("entry \(e.sequence) does not follow entry \(e.sequence - 1) (the chain is broken)") }
            previous = e.hash
        }
        let last = first + entries.count - 1
        if last != checkpoint.size {
            problems.append("the checkpoint says \(checkpoint.size) entries, the log served \(last)")
        } else if previous != checkpoint.head {
            problems.append("the checkpoint's head \(checkpoint.head) is not the last entry's hash")
        }
        return problems
    }
}

public enum HubLogError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    public var description: String {
        switch self {
        case .malformed(let r): "malformed hub log: \(r)"
        }
    }
}
