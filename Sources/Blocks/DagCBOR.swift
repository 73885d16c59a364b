/// A DAG-CBOR value: the IPLD data model subset of CBOR.
///
/// Canonical form (what `encode` writes and `decode` insists on): shortest integer and
/// length heads, definite lengths, map keys are text sorted by length then bytes, no
/// duplicate keys, links as tag 42 over a byte string holding 0x00 + the binary CID,
/// floats only as 64-bit. `decode` rejects anything else, so one value has one encoding.
public indirect enum DagCBOR: Equatable, Sendable {
    case unsigned(UInt64)
    /// The negative integer -1 - n.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([DagCBOR])
    /// Entries in canonical order (`map(_:)` sorts them).
    case map([(String, DagCBOR)])
    case link(CID)
    case bool(Bool)
    case null
    case float(Double)

    public static func == (a: DagCBOR, b: DagCBOR) -> Bool {
        switch (a, b) {
        case (.unsigned(let x), .unsigned(let y)), (.negative(let x), .negative(let y)): x == y
        case (.bytes(let x), .bytes(let y)): x == y
        case (.text(let x), .text(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.map(let x), .map(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.link(let x), .link(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        case (.float(let x), .float(let y)): x.bitPattern == y.bitPattern
        default: false
        }
    }

    /// A map with its entries put in canonical key order.
    public static func map(sorting entries: [(String, DagCBOR)]) -> DagCBOR {
        .map(entries.sorted { keyPrecedes($0.0, $1.0) })
    }

    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        let x = a.utf8, y = b.utf8
        if x.count != y.count { return x.count < y.count }
        return x.lexicographicallyPrecedes(y)
    }

    public subscript(key: String) -> DagCBOR? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.0 == key }?.1
    }

    public var uint: UInt64? { if case .unsigned(let v) = self { v } else { nil } }
    public var int: Int? {
        switch self {
        case .unsigned(let v): v <= UInt64(Int.max) ? Int(v) : nil
        case .negative(let v): v < UInt64(Int.max) ? -1 - Int(v) : nil
        default: nil
        }
    }
    public var byteString: [UInt8]? { if case .bytes(let v) = self { v } else { nil } }
    public var string: String? { if case .text(let v) = self { v } else { nil } }
    public var array: [DagCBOR]? { if case .array(let v) = self { v } else { nil } }
    public var cid: CID? { if case .link(let v) = self { v } else { nil } }

    /// Every link in this value, depth first in encoding order.
    public func links(into out: inout [CID]) {
        switch self {
        case .link(let c): out.append(c)
        case .array(let items): for i in items { i.links(into: &out) }
        case .map(let entries): for (_, v) in entries { v.links(into: &out) }
        default: break
        }
    }
}

// MARK: - Encoding

extension DagCBOR {
    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        switch self {
        case .unsigned(let v): DagCBOR.head(0, v, &out)
        case .negative(let v): DagCBOR.head(1, v, &out)
        case .bytes(let b):
            DagCBOR.head(2, UInt64(b.count), &out)
            out.append(contentsOf: b)
        case .text(let s):
            DagCBOR.head(3, UInt64(s.utf8.count), &out)
            out.append(contentsOf: s.utf8)
        case .array(let items):
            DagCBOR.head(4, UInt64(items.count), &out)
            for i in items { i.encode(into: &out) }
        case .map(let entries):
            DagCBOR.head(5, UInt64(entries.count), &out)
            for (k, v) in entries {
                DagCBOR.text(k).encode(into: &out)
                v.encode(into: &out)
            }
        case .link(let cid):
            out.append(contentsOf: [0xd8, 42])
            DagCBOR.head(2, UInt64(cid.bytes.count + 1), &out)
            out.append(0)
            out.append(contentsOf: cid.bytes)
        case .bool(let b): out.append(b ? 0xf5 : 0xf4)
        case .null: out.append(0xf6)
        case .float(let d):
            out.append(0xfb)
            let bits = d.bitPattern
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        }
    }

    /// Writes a CBOR head (major type + argument) in its shortest form.
    @inline(__always)
    public static func head(_ major: UInt8, _ value: UInt64, _ out: inout [UInt8]) {
        let m = major << 5
        switch value {
        case 0..<24: out.append(m | UInt8(value))
        case 24...0xff: out.append(m | 24); out.append(UInt8(value))
        case 0x100...0xffff:
            out.append(m | 25)
            out.append(UInt8(value >> 8)); out.append(UInt8(truncatingIfNeeded: value))
        case 0x1_0000...0xffff_ffff:
            out.append(m | 26)
            for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(s))) }
        default:
            out.append(m | 27)
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(s))) }
        }
    }
}

// MARK: - Decoding

extension DagCBOR {
    public static let maxDepth = 64

    /// Decodes exactly one canonical DAG-CBOR value filling `bytes`; throws on anything else.
    public static func decode(_ bytes: [UInt8]) throws(ReadFailure) -> DagCBOR {
        try bytes.withBytes { (buf) throws(ReadFailure) -> DagCBOR in
            var reader = Reader(buf: buf)
            let value = try reader.value(depth: 0)
            guard reader.offset == buf.count else {
                throw BlockError.badCBOR(offset: reader.offset, reason: "\(buf.count - reader.offset) trailing bytes")
            }
            return value
        }
    }

    /// The links of the one canonical DAG-CBOR value filling `bytes`, depth first in encoding
    /// order: `decode(bytes).links(into:)`, with the same checks and errors, without building
    /// the value (walking a DAG reads every block; copying each payload was most of the decode).
    public static func links(of bytes: [UInt8], into out: inout [CID]) throws(ReadFailure) {
        try bytes.withBytes { (buf) throws(ReadFailure) in
            var reader = Reader(buf: buf)
            try reader.skim(depth: 0, links: &out)
            guard reader.offset == buf.count else {
                throw BlockError.badCBOR(offset: reader.offset, reason: "\(buf.count - reader.offset) trailing bytes")
            }
        }
    }

    /// A bounds-checked cursor over untrusted CBOR.
    public struct Reader {
        public let buf: UnsafeRawBufferPointer
        public var offset = 0

        public init(buf: UnsafeRawBufferPointer) { self.buf = buf }

        func fail(_ message: String) -> BlockError { .badCBOR(offset: offset, reason: message) }

        /// Reads a head, checking that its argument is in shortest form.
        public mutating func head() throws(ReadFailure) -> (major: UInt8, value: UInt64, info: UInt8) {
            guard offset < buf.count else { throw fail("truncated") }
            let first = buf[offset]
            offset += 1
            let major = first >> 5, info = first & 31
            let value: UInt64
            switch info {
            case 0..<24: value = UInt64(info)
            case 24, 25, 26, 27:
                let n = 1 << Int(info - 24)
                guard offset + n <= buf.count else { throw fail("truncated head") }
                var v: UInt64 = 0
                for i in 0..<n { v = (v << 8) | UInt64(buf[offset + i]) }
                offset += n
                let minimum: UInt64 =
                    switch info {
                    case 24: 24;
                    case 25: 0x100;
                    case 26: 0x1_0000;
                    default: 0x1_0000_0000
                    }
                if major != 7 && v < minimum { throw fail("non-minimal integer") }
                value = v
            default: throw fail("indefinite length or reserved head")
            }
            return (major, value, info)
        }

        public mutating func take(_ n: UInt64) throws(ReadFailure) -> UnsafeRawBufferPointer {
            guard n <= UInt64(buf.count - offset) else { throw fail("length \(n) runs past the end") }
            let slice = UnsafeRawBufferPointer(rebasing: buf[offset..<offset + Int(n)])
            offset += Int(n)
            return slice
        }

        public mutating func value(depth: Int) throws(ReadFailure) -> DagCBOR {
            guard depth <= DagCBOR.maxDepth else { throw fail("nested too deeply") }
            let h = try head()
            switch h.major {
            case 0: return .unsigned(h.value)
            case 1: return .negative(h.value)
            case 2: return .bytes(Array(try take(h.value)))
            case 3: return .text(try text(h.value))
            case 4:
                guard h.value <= UInt64(buf.count - offset) else { throw fail("array count \(h.value) exceeds the input") }
                var items: [DagCBOR] = []
                items.reserveCapacity(Int(h.value))
                for _ in 0..<h.value { items.append(try value(depth: depth + 1)) }
                return .array(items)
            case 5:
                guard h.value <= UInt64(buf.count - offset) / 2 else { throw fail("map count \(h.value) exceeds the input") }
                var entries: [(String, DagCBOR)] = []
                entries.reserveCapacity(Int(h.value))
                for _ in 0..<h.value {
                    guard case .text(let key) = try value(depth: depth + 1) else { throw fail("map key is not text") }
                    if let previous = entries.last?.0, !DagCBOR.keyPrecedes(previous, key) {
                        throw fail("map keys out of canonical order or duplicated (\(key))")
                    }
                    entries.append((key, try value(depth: depth + 1)))
                }
                return .map(entries)
            case 6: return .link(try link(tag: h.value))
            default: return try simple(h)
            }
        }

        /// Checks what `value(depth:)` checks and appends the links, building nothing: a
        /// byte string (a node's compressed payload) is stepped over, not copied.
        mutating func skim(depth: Int, links: inout [CID]) throws(ReadFailure) {
            guard depth <= DagCBOR.maxDepth else { throw fail("nested too deeply") }
            let h = try head()
            switch h.major {
            case 0, 1: return
            case 2: _ = try take(h.value)
            case 3: _ = try text(h.value)
            case 4:
                guard h.value <= UInt64(buf.count - offset) else { throw fail("array count \(h.value) exceeds the input") }
                for _ in 0..<h.value { try skim(depth: depth + 1, links: &links) }
            case 5:
                guard h.value <= UInt64(buf.count - offset) / 2 else { throw fail("map count \(h.value) exceeds the input") }
                var previous: String? = nil
                for _ in 0..<h.value {
                    guard depth + 1 <= DagCBOR.maxDepth else { throw fail("nested too deeply") }
                    let k = try head()
                    guard k.major == 3 else { throw fail("map key is not text") }
                    let key = try text(k.value)
                    if let previous, !DagCBOR.keyPrecedes(previous, key) {
                        throw fail("map keys out of canonical order or duplicated (\(key))")
                    }
                    previous = key
                    try skim(depth: depth + 1, links: &links)
                }
            case 6: links.append(try link(tag: h.value))
            default: _ = try simple(h)
            }
        }

        mutating func text(_ count: UInt64) throws(ReadFailure) -> String {
            let raw = try take(count)
            guard let s = String(validating: raw, as: UTF8.self) else { throw fail("invalid UTF-8 in text") }
            return s
        }

        /// The CID of a link (tag 42), its head read.
        mutating func link(tag: UInt64) throws(ReadFailure) -> CID {
            guard tag == 42 else { throw fail("tag \(tag) is not allowed in DAG-CBOR") }
            let inner = try head()
            guard inner.major == 2 else { throw fail("tag 42 does not hold a byte string") }
            let raw = try take(inner.value)
            guard raw.count >= 2, raw[0] == 0 else { throw fail("CID link lacks the 0x00 multibase prefix") }
            let cidBytes = Array(raw[1...])
            var o = 0
            guard let cid = CID.parse(cidBytes, &o), o == cidBytes.count else { throw fail("malformed CID in link") }
            return cid
        }

        /// Major type 7: the simple values and 64-bit floats DAG-CBOR allows.
        func simple(_ h: (major: UInt8, value: UInt64, info: UInt8)) throws(ReadFailure) -> DagCBOR {
            switch (h.info, h.value) {
            case (20, _): return .bool(false)
            case (21, _): return .bool(true)
            case (22, _): return .null
            case (27, let bits):
                let d = Double(bitPattern: bits)
                guard d.isFinite else { throw fail("NaN or infinity") }
                return .float(d)
            default: throw fail("simple value or float width not allowed in DAG-CBOR")
            }
        }
    }
}
