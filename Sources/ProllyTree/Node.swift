import Blocks
import Zstd

/// A child pointer in an internal node, with the summary the parent keeps about it.
public struct ChildRef: Sendable, Equatable {
    public var cid: CID
    /// The level of the node `cid` names (0 = leaf).
    public var level: Int
    public var firstKey: [UInt8]
    public var lastKey: [UInt8]
    /// Entries in the subtree.
    public var count: UInt64
    /// Blocks in the subtree, this node and out-of-line values included.
    public var blocks: UInt64
    /// The tree's `TreeAggregator` summary of the subtree.
    public var aggregate: [UInt8]

    public init(cid: CID, level: Int, firstKey: [UInt8], lastKey: [UInt8], count: UInt64, blocks: UInt64, aggregate: [UInt8]) {
        self.cid = cid
        self.level = level
        self.firstKey = firstKey
        self.lastKey = lastKey
        self.count = count
        self.blocks = blocks
        self.aggregate = aggregate
    }
}

/// A leaf value: inline bytes, or a link to a block holding a long value.
public enum LeafValue: Sendable, Equatable {
    case inline([UInt8])
    case blob(CID, length: Int)
}

/// A decoded tree node. Leaves hold keys and values; internal nodes hold child pointers.
public struct Node: Sendable {
    public let level: Int
    /// Leaf keys (empty for internal nodes).
    public let keys: [[UInt8]]
    public let values: [LeafValue]
    public let children: [ChildRef]

    public var isLeaf: Bool { level == 0 }
    public var count: Int { isLeaf ? keys.count : children.count }
    public var firstKey: [UInt8] { isLeaf ? keys[0] : children[0].firstKey }
    public var lastKey: [UInt8] { isLeaf ? keys[keys.count - 1] : children[children.count - 1].lastKey }

    /// About the memory the decoded node holds: its bytes plus an array header (32 bytes) per
    /// key, value and child key, for caches sized in bytes (nodes of one tree differ tenfold).
    public var memoryCost: Int {
        var n = 64
        for k in keys { n += k.count + 32 }
        for v in values {
            if case .inline(let b) = v { n += b.count + 32 } else { n += 64 }
        }
        for c in children { n += c.firstKey.count + c.lastKey.count + c.aggregate.count + 160 }
        return n
    }

    public init(leafKeys: [[UInt8]], values: [LeafValue]) {
        level = 0
        keys = leafKeys
        self.values = values
        children = []
    }

    public init(level: Int, children: [ChildRef]) {
        self.level = level
        keys = []
        values = []
        self.children = children
    }
}

// MARK: - Encoding

/// The canonical block encoding of nodes.
///
/// A node block is DAG-CBOR `{"l": [links…], "z": zstd(payload)}`: links are the children
/// (internal) or the out-of-line values (leaf), in order, so any IPLD tool can walk the DAG.
/// The payload is: format byte 1, varint level, varint entry count, then
/// - leaf: each key as (shared prefix with the previous key, suffix length, suffix); then each
///   value as varint (length << 1 | isLink) followed by the bytes when inline;
/// - internal: each child's first key (prefix shared with the previous child's last key) and
///   last key (prefix shared with its own first key); then each child's count, block count,
///   aggregate length and aggregate bytes.
/// Prefixes are always maximal, so identical content gives identical payload bytes.
enum NodeCodec {
    static let format: UInt8 = 1
    /// Decoding limits for untrusted blocks.
    static let maxPayload = 16 << 20
    static let maxEntries = 1 << 20
    static let maxLevel = 48
    static let maxAggregate = 1 << 16

    static func payload(_ node: Node) -> [UInt8] {
        var out: [UInt8] = [format]
        out.reserveCapacity(1 << 14)
        Varint.append(UInt64(node.level), to: &out)
        Varint.append(UInt64(node.count), to: &out)
        if node.isLeaf {
            var previous: [UInt8] = []
            for key in node.keys {
                appendKey(key, after: previous, &out)
                previous = key
            }
            for value in node.values {
                switch value {
                case .inline(let bytes):
                    Varint.append(UInt64(bytes.count) << 1, to: &out)
                    out.append(contentsOf: bytes)
                case .blob(_, let length):
                    Varint.append(UInt64(length) << 1 | 1, to: &out)
                }
            }
        } else {
            var previous: [UInt8] = []
            for child in node.children {
                appendKey(child.firstKey, after: previous, &out)
                appendKey(child.lastKey, after: child.firstKey, &out)
                previous = child.lastKey
            }
            for child in node.children {
                Varint.append(child.count, to: &out)
                Varint.append(child.blocks, to: &out)
                Varint.append(UInt64(child.aggregate.count), to: &out)
                out.append(contentsOf: child.aggregate)
            }
        }
        return out
    }

    @inline(__always)
    static func sharedPrefix(_ a: [UInt8], _ b: [UInt8]) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n && a[i] == b[i] { i += 1 }
        return i
    }

    static func appendKey(_ key: [UInt8], after previous: [UInt8], _ out: inout [UInt8]) {
        let shared = sharedPrefix(previous, key)
        Varint.append(UInt64(shared), to: &out)
        Varint.append(UInt64(key.count - shared), to: &out)
        out.append(contentsOf: key[shared...])
    }

    static func links(_ node: Node) -> [CID] {
        if node.isLeaf {
            return node.values.compactMap { if case .blob(let c, _) = $0 { c } else { nil } }
        }
        return node.children.map { $0.cid }
    }

    /// The block bytes of `node`.
    static func encode(_ node: Node, compressor: inout Zstd.Compressor) throws(ReadFailure) -> [UInt8] {
        let raw = payload(node)
        let compressed = try raw.withBytes { (buf) throws(ReadFailure) in try compressor.compress(buf) }
        return block(links: links(node), compressed: compressed)
    }

    static func block(links: [CID], compressed: [UInt8]) -> [UInt8] {
        // {"l": [...], "z": bytes}: keys of equal length sort bytewise, "l" < "z".
        var out: [UInt8] = [0xa2, 0x61, UInt8(ascii: "l")]
        DagCBOR.head(4, UInt64(links.count), &out)
        for link in links { DagCBOR.link(link).encode(into: &out) }
        out.append(contentsOf: [0x61, UInt8(ascii: "z")])
        DagCBOR.head(2, UInt64(compressed.count), &out)
        out.append(contentsOf: compressed)
        return out
    }

    /// A block holding one long value: `{"l": [], "z": zstd(0x02 ‖ value)}`.
    static func encodeBlob(_ value: [UInt8], compressor: inout Zstd.Compressor) throws(ReadFailure) -> [UInt8] {
        var raw: [UInt8] = [2]
        raw.append(contentsOf: value)
        let compressed = try raw.withBytes { (buf) throws(ReadFailure) in try compressor.compress(buf) }
        return block(links: [], compressed: compressed)
    }

    // MARK: - Decoding untrusted bytes

    /// Splits a node or blob block into its links and decompressed payload.
    static func open(_ bytes: [UInt8], cid: CID) throws(ReadFailure) -> (links: [CID], payload: [UInt8]) {
        func fail(_ r: String) -> TreeError { .corruptNode(cid: cid, reason: r) }
        let value: DagCBOR
        do { value = try DagCBOR.decode(bytes) } catch { throw fail("\(error)") }
        guard case .map(let entries) = value, entries.count == 2,
            entries[0].0 == "l", case .array(let linkValues) = entries[0].1,
            entries[1].0 == "z", case .bytes(let compressed) = entries[1].1
        else { throw fail("not a {l, z} node block") }
        var links: [CID] = []
        links.reserveCapacity(linkValues.count)
        for v in linkValues {
            guard case .link(let c) = v else { throw fail("a link is not a CID") }
            links.append(c)
        }
        do {
            return (links, try Zstd.decompress(compressed, limit: maxPayload))
        } catch {
            throw fail("\(error)")
        }
    }

    static func decodeBlob(_ bytes: [UInt8], cid: CID, expectedLength: Int) throws(ReadFailure) -> [UInt8] {
        let (links, payload) = try open(bytes, cid: cid)
        guard links.isEmpty, payload.first == 2, payload.count - 1 == expectedLength else {
            throw TreeError.corruptNode(cid: cid, reason: "not a value block of \(expectedLength) bytes")
        }
        return Array(payload[1...])
    }

    /// Decodes and validates a node: sizes, counts, key order, prefix canonicality, links.
    /// Throws `TreeError.corruptNode`; never traps on any input.
    static func decode(_ bytes: [UInt8], cid: CID) throws(ReadFailure) -> Node {
        let (links, payload) = try open(bytes, cid: cid)
        return try payload.withBytes { (p) throws(ReadFailure) in try decodePayload(p, links: links, cid: cid) }
    }

    static func decodePayload(_ p: UnsafeRawBufferPointer, links: [CID], cid: CID) throws(ReadFailure) -> Node {
        func fail(_ r: String) -> TreeError { .corruptNode(cid: cid, reason: r) }
        var o = 0
        func varint(_ what: String) throws(ReadFailure) -> UInt64 {
            guard let v = Varint.read(p, &o) else { throw fail("bad varint for \(what) at payload byte \(o)") }
            return v
        }
        func key(after previous: [UInt8]) throws(ReadFailure) -> [UInt8] {
            let shared = try varint("key prefix"), suffix = try varint("key length")
            guard shared <= UInt64(previous.count) else { throw fail("key prefix \(shared) longer than the previous key") }
            guard suffix <= UInt64(p.count - o) else { throw fail("key runs past the payload") }
            var k = Array(previous[0..<Int(shared)])
            k.append(contentsOf: p[o..<o + Int(suffix)])
            o += Int(suffix)
            guard sharedPrefix(previous, k) == Int(shared) else { throw fail("key prefix is not maximal") }
            return k
        }

        guard p.count >= 3, p[0] == format else { throw fail("unknown node format") }
        o = 1
        let level = try varint("level")
        guard level <= UInt64(maxLevel) else { throw fail("level \(level) too deep") }
        let n = try varint("count")
        guard n >= 1, n <= UInt64(maxEntries), n <= UInt64(p.count) else { throw fail("entry count \(n) out of range") }
        let count = Int(n)

        if level == 0 {
            var keys: [[UInt8]] = []
            keys.reserveCapacity(count)
            var previous: [UInt8] = []
            for i in 0..<count {
                let k = try key(after: previous)
                if i > 0 && !previous.lexicographicallyPrecedes(k) { throw fail("keys out of order at entry \(i)") }
                keys.append(k)
                previous = k
            }
            var values: [LeafValue] = []
            values.reserveCapacity(count)
            var nextLink = 0
            for _ in 0..<count {
                let tag = try varint("value")
                let length = tag >> 1
                if tag & 1 == 1 {
                    guard nextLink < links.count else { throw fail("more linked values than links") }
                    guard length <= UInt64(Int32.max) else { throw fail("linked value length out of range") }
                    values.append(.blob(links[nextLink], length: Int(length)))
                    nextLink += 1
                } else {
                    guard length <= UInt64(p.count - o) else { throw fail("value runs past the payload") }
                    values.append(.inline(Array(p[o..<o + Int(length)])))
                    o += Int(length)
                }
            }
            guard nextLink == links.count else { throw fail("\(links.count - nextLink) unused links") }
            guard o == p.count else { throw fail("\(p.count - o) trailing payload bytes") }
            return Node(leafKeys: keys, values: values)
        }

        guard links.count == count else { throw fail("\(links.count) links for \(count) children") }
        var firsts: [[UInt8]] = [], lasts: [[UInt8]] = []
        firsts.reserveCapacity(count)
        lasts.reserveCapacity(count)
        var previous: [UInt8] = []
        for i in 0..<count {
            let first = try key(after: previous)
            if i > 0 && !previous.lexicographicallyPrecedes(first) { throw fail("child \(i) overlaps its left sibling") }
            let last = try key(after: first)
            if last.lexicographicallyPrecedes(first) { throw fail("child \(i) has last key before first key") }
            firsts.append(first)
            lasts.append(last)
            previous = last
        }
        var children: [ChildRef] = []
        children.reserveCapacity(count)
        for i in 0..<count {
            let entries = try varint("child count"), blocks = try varint("child blocks")
            let aggLength = try varint("aggregate length")
            guard entries >= 1, blocks >= 1, entries <= UInt64(Int64.max) / 2 else { throw fail("child \(i) counts out of range") }
            guard aggLength <= UInt64(maxAggregate), aggLength <= UInt64(p.count - o) else { throw fail("child \(i) aggregate out of range") }
            let agg = Array(p[o..<o + Int(aggLength)])
            o += Int(aggLength)
            children.append(
                ChildRef(
                    cid: links[i], level: Int(level) - 1, firstKey: firsts[i], lastKey: lasts[i],
                    count: entries, blocks: blocks, aggregate: agg))
        }
        guard o == p.count else { throw fail("\(p.count - o) trailing payload bytes") }
        return Node(level: Int(level), children: children)
    }
}
