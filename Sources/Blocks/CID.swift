import Sodium
import Support

/// A CIDv1: version, content codec and multihash, kept as its binary form.
///
/// Blocks we write are DAG-CBOR (0x71) hashed with BLAKE2b-256 (multihash 0xb220). We read
/// and verify SHA-256 (0x12) and identity (0x00) CIDs too, so blocks from other IPLD tools
/// can be imported. CIDv0 (base58 `Qm…`) is not accepted.
public struct CID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let dagCBOR: UInt64 = 0x71
    public static let raw: UInt64 = 0x55
    public static let blake2b256: UInt64 = 0xb220
    public static let sha256: UInt64 = 0x12
    public static let identity: UInt64 = 0x00
    /// Longest CID we accept: identity CIDs could otherwise embed arbitrarily large blocks.
    public static let maxBytes = 128

    /// The binary CID: varint version, varint codec, varint hash code, varint length, digest.
    public let bytes: [UInt8]
    public let codec: UInt64
    public let hashCode: UInt64
    let digestOffset: Int

    public var digest: ArraySlice<UInt8> { bytes[digestOffset...] }

    /// The CID of `block` as we name our own blocks: CIDv1, given codec, BLAKE2b-256.
    public init(of block: UnsafeRawBufferPointer, codec: UInt64 = CID.dagCBOR) {
        var b: [UInt8] = [0x01]
        Varint.append(codec, to: &b)
        Varint.append(CID.blake2b256, to: &b)
        b.append(32)
        let offset = b.count
        b.append(contentsOf: Sodium.blake2b256(block))
        self.bytes = b
        self.codec = codec
        self.hashCode = CID.blake2b256
        self.digestOffset = offset
    }

    public init(of block: [UInt8], codec: UInt64 = CID.dagCBOR) {
        self = block.withUnsafeBytes { CID(of: $0, codec: codec) }
    }

    /// Parses a binary CIDv1, rejecting trailing bytes.
    public init(bytes: some Collection<UInt8>) throws(ReadFailure) {
        let b = Array(bytes)
        var offset = 0
        guard let parsed = CID.parse(b, &offset), offset == b.count else {
            throw BlockError.badCID("0x" + Hex.encode(b.prefix(48)))
        }
        self = parsed
    }

    /// Parses a CIDv1 that starts at `offset` and advances past it; nil if malformed.
    public static func parse(_ b: [UInt8], _ offset: inout Int) -> CID? {
        var o = offset
        guard let version = Varint.read(b, &o), version == 1,
            let codec = Varint.read(b, &o),
            let hashCode = Varint.read(b, &o),
            let length = Varint.read(b, &o), length <= 64,
            o + Int(length) <= b.count, o + Int(length) - offset <= maxBytes
        else { return nil }
        switch hashCode {
        case blake2b256, sha256: guard length == 32 else { return nil }
        case identity: break
        default: return nil
        }
        let end = o + Int(length)
        let cid = CID(bytes: Array(b[offset..<end]), codec: codec, hashCode: hashCode, digestOffset: o - offset)
        offset = end
        return cid
    }

    private init(bytes: [UInt8], codec: UInt64, hashCode: UInt64, digestOffset: Int) {
        self.bytes = bytes
        self.codec = codec
        self.hashCode = hashCode
        self.digestOffset = digestOffset
    }

    /// Parses the multibase text form: `b` + base32 (as IPFS prints CIDv1).
    public init(_ text: String) throws(ReadFailure) {
        guard let first = text.first, first == "b" || first == "B",
            let raw = Base32.decode(text.dropFirst())
        else { throw BlockError.badCID(text) }
        do { try self.init(bytes: raw) } catch { throw BlockError.badCID(text) }
    }

    public var description: String { "b" + Base32.encode(bytes) }

    /// True when `block` hashes to this CID.
    public func matches(_ block: UnsafeRawBufferPointer) -> Bool {
        switch hashCode {
        case CID.blake2b256: return Sodium.blake2b256(block)[...] == digest
        case CID.sha256: return Sodium.sha256(block)[...] == digest
        case CID.identity: return block.count == digest.count && zip(block, digest).allSatisfy { $0 == $1 }
        default: return false
        }
    }

    public func matches(_ block: [UInt8]) -> Bool { block.withUnsafeBytes { matches($0) } }

    /// Throws unless `block` hashes to this CID; `source` names where the bytes came from.
    public func verify(_ block: [UInt8], source: String) throws(ReadFailure) {
        guard matches(block) else { throw BlockError.mismatch(cid: self, source: source) }
    }

    public static func < (a: CID, b: CID) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
    public static func == (a: CID, b: CID) -> Bool { a.bytes == b.bytes }
    /// Hashes 8 bytes of the digest (uniformly random for real hashes) plus the length:
    /// feeding all 38 bytes through `Hasher` one by one dominated node-cache lookups.
    public func hash(into h: inout Hasher) {
        var x: UInt64 = UInt64(bytes.count)
        let n = bytes.count
        for i in max(0, n - 8)..<n { x = (x << 8) | UInt64(bytes[i]) }
        h.combine(x)
    }
}
