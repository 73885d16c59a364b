import Sodium
import Support

/// A group: everyone who signs with one Ed25519 key. Its ID is the first 8 bytes of the
/// BLAKE2b-256 of the public key, printed as 16 hex digits.
public struct GroupID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 8
    /// The 8 bytes read big-endian: numeric order is byte order, and a DocRef holding one
    /// is a plain value (no array to allocate or reference-count on the query path).
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    public init(publicKey: [UInt8]) {
        value = GroupID.read(Sodium.blake2b256(publicKey).prefix(GroupID.byteCount))
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == GroupID.byteCount else { return nil }
        value = GroupID.read(bytes)
    }

    public init?(hex: String) {
        guard let b = Hex.decode(hex), b.count == GroupID.byteCount else { return nil }
        value = GroupID.read(b)
    }

    static func read(_ bytes: some Collection<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }

    public var bytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }

    public var description: String { Hex.encode(bytes) }
    public static func < (a: GroupID, b: GroupID) -> Bool { a.value < b.value }
}

/// A document's permanent name: group ‖ batch ‖ ordinal (16 bytes, big-endian so byte order is
/// numeric order). Batches never change once published, so DocRefs never need remapping, and
/// each group's and batch's documents are one contiguous key range in every tree.
public struct DocRef: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = GroupID.byteCount + 8
    public let group: GroupID
    public let batch: UInt32
    public let ordinal: UInt32

    public init(group: GroupID, batch: UInt32, ordinal: UInt32) {
        self.group = group
        self.batch = batch
        self.ordinal = ordinal
    }

    public init?(bytes b: some Collection<UInt8>) {
        guard b.count == DocRef.byteCount else { return nil }
        var g: UInt64 = 0, batch: UInt32 = 0, ordinal: UInt32 = 0
        for (i, x) in b.enumerated() {
            if i < 8 { g = g << 8 | UInt64(x) } else if i < 12 { batch = batch << 8 | UInt32(x) } else { ordinal = ordinal << 8 | UInt32(x) }
        }
        group = GroupID(value: g)
        self.batch = batch
        self.ordinal = ordinal
    }

    /// Reads the 16 bytes at `offset` (the caller checked there are 16).
    @inline(__always)
    public init(_ p: UnsafeRawBufferPointer, at offset: Int) {
        var g: UInt64 = 0
        for i in 0..<8 { g = g << 8 | UInt64(p[offset + i]) }
        group = GroupID(value: g)
        batch = DocRef.readUInt32(p, offset + 8)
        ordinal = DocRef.readUInt32(p, offset + 12)
    }

    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(DocRef.byteCount)
        append(to: &out)
        return out
    }

    public func append(to out: inout [UInt8]) {
        DocRef.append(UInt32(truncatingIfNeeded: group.value >> 32), &out)
        DocRef.append(UInt32(truncatingIfNeeded: group.value), &out)
        DocRef.append(batch, &out)
        DocRef.append(ordinal, &out)
    }

    static func append(_ v: UInt32, _ out: inout [UInt8]) {
        out.append(UInt8(v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16))
        out.append(UInt8(truncatingIfNeeded: v >> 8)); out.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    static func readUInt32(_ a: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(a[i]) << 24 | UInt32(a[i + 1]) << 16 | UInt32(a[i + 2]) << 8 | UInt32(a[i + 3])
    }

    static func readUInt32(_ a: [UInt8], _ i: Int) -> UInt32 {
        UInt32(a[i]) << 24 | UInt32(a[i + 1]) << 16 | UInt32(a[i + 2]) << 8 | UInt32(a[i + 3])
    }

    /// The batch the document belongs to.
    public var batchID: BatchID { BatchID(group: group, batch: batch) }

    /// `group/batch/ordinal`, as `search --json` and errors print it.
    public var description: String { "\(group)/\(batch)/\(ordinal)" }

    public static func < (a: DocRef, b: DocRef) -> Bool {
        (a.group, a.batch, a.ordinal) < (b.group, b.batch, b.ordinal)
    }
}

/// One batch of a group: the contiguous DocRef range a build writes, and the unit segments
/// claim (`group/batch` when printed).
public struct BatchID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let group: GroupID
    public let batch: UInt32

    public init(group: GroupID, batch: UInt32) {
        self.group = group
        self.batch = batch
    }

    /// `group ‖ batch`: the first 12 bytes of every DocRef of the batch, so a key range.
    public var prefix: [UInt8] {
        var p = group.bytes
        DocRef.append(batch, &p)
        return p
    }

    public var description: String { "\(group)/\(batch)" }
    public static func < (a: BatchID, b: BatchID) -> Bool { (a.group, a.batch) < (b.group, b.batch) }
}
