import Blocks
import ProllyTree

#if canImport(Glibc)
    import Glibc
#endif

/// Format 4's postings: one tree entry per **block** of up to 128 postings of one term in one
/// batch, keyed by the block's *last* posting (`field ‖ term ‖ 0x00 ‖ DocRef`), so the first
/// key ≥ `term ‖ DocRef d` is the block that holds d or follows it (a seek needs no step
/// back, and a node's last key is its last posting). Per posting the key was 25–40 bytes
/// through the build and the trees; in a block a posting is a delta, a tf and a length code.
///
/// A term's postings in a batch are cut into blocks every 128 from its first: a function of
/// the postings alone, so a build cut into key ranges at term boundaries, a compaction that
/// drops documents and re-cuts, and a one-thread build all give the same blocks.
///
/// Value: `n` (varint, 1…128) ‖ `n − 1` gaps (varint: next ordinal − ordinal − 1) ‖ `n` tfs
/// (varint, ≥ 1) ‖ `n` length codes (one byte each). The last ordinal is the key's; the
/// others count back from it.
public enum PostingBlock {
    public static let capacity = 128

    /// Appends the block of `ordinals` (strictly increasing, the last the key's), `tfs` and
    /// `codes` (as many).
    public static func append(ordinals: [UInt32], tfs: [UInt32], codes: [UInt8], to out: inout [UInt8]) {
        appendHeader(ordinals, to: &out)
        for tf in tfs { Varint.append(UInt64(tf), to: &out) }
        out.append(contentsOf: codes)
    }

    /// `n` and the gaps: the head every block (postings or positions) starts with.
    static func appendHeader(_ ordinals: [UInt32], to out: inout [UInt8]) {
        Varint.append(UInt64(ordinals.count), to: &out)
        for i in ordinals.indices.dropLast() { Varint.append(UInt64(ordinals[i + 1] - ordinals[i] - 1), to: &out) }
    }

    /// Reads a block's head at `o`, appending its ordinals (the last is `last`); nil (nothing
    /// appended) when malformed.
    static func readHeader(_ bytes: [UInt8], _ o: inout Int, last: UInt32, into ordinals: inout [UInt32]) -> Int? {
        guard let n64 = Varint.read(bytes, &o), n64 >= 1, n64 <= UInt64(capacity) else { return nil }
        let n = Int(n64), base = ordinals.count
        // Offsets from the first ordinal, then shifted once the span is known.
        var span: UInt64 = 0
        ordinals.append(0)
        for _ in 1..<n {
            guard let g = Varint.read(bytes, &o), span + g + 1 <= UInt64(last) else {
                ordinals.removeSubrange(base...)
                return nil
            }
            span += g + 1
            ordinals.append(UInt32(span))
        }
        let first = last - UInt32(span)
        for i in base..<ordinals.count { ordinals[i] += first }
        return n
    }

    /// Decodes the block whose last ordinal is `last`, appending to the arrays; false (and
    /// nothing appended) when the bytes are not a block.
    public static func decode(
        _ bytes: [UInt8], last: UInt32, ordinals: inout [UInt32], tfs: inout [UInt32], codes: inout [UInt8]
    ) -> Bool {
        let base = ordinals.count, tfBase = tfs.count
        var o = 0
        guard let n = readHeader(bytes, &o, last: last, into: &ordinals) else { return false }
        for _ in 0..<n {
            guard let tf = Varint.read(bytes, &o), tf >= 1, tf <= UInt64(UInt32.max) else { break }
            tfs.append(UInt32(tf))
        }
        guard tfs.count == tfBase + n, o + n == bytes.count else {
            ordinals.removeSubrange(base...)
            tfs.removeSubrange(tfBase...)
            return false
        }
        codes.append(contentsOf: bytes[o...])
        return true
    }

    /// Counts postings, not blocks: a block weighs its count, a subtree its aggregate's.
    /// A malformed block or aggregate weighs 0 (a cursor reaching it throws).
    public static let weight = Tree.Weight(
        entry: { _, value in UInt64(count(value) ?? 0) },
        subtree: { BlockImpactAggregator.decode($0.aggregate)?.postings ?? 0 })

    /// Whether `entry` (the first entry at or after `prefix ‖ doc`) is a block of `prefix`'s
    /// postings in `doc`'s batch holding `doc`.
    public static func holds(_ doc: DocRef, prefix: [UInt8], entry: (key: [UInt8], value: [UInt8])?) -> Bool {
        guard let (key, value) = entry, let last = lastOrdinal(ofBlock: key, holding: doc, prefix: prefix) else { return false }
        var ordinals: [UInt32] = [], tfs: [UInt32] = [], codes: [UInt8] = []
        return decode(value, last: last, ordinals: &ordinals, tfs: &tfs, codes: &codes) && ordinals.contains(doc.ordinal)
    }

    /// The last ordinal of the block keyed `key` when it is one of `prefix`'s (a term's) in
    /// `doc`'s batch that may hold `doc`: what a lookup at `prefix ‖ doc`'s ceiling must check
    /// before reading the block (postings or positions).
    public static func lastOrdinal(ofBlock key: [UInt8], holding doc: DocRef, prefix: [UInt8]) -> UInt32? {
        guard key.count == prefix.count + DocRef.byteCount, key.starts(with: prefix),
            let last = DocRef(bytes: key[prefix.count...]), last.batchID == doc.batchID, last.ordinal >= doc.ordinal
        else { return nil }
        return last.ordinal
    }

    /// The number of postings in a block (its first varint), nil when malformed.
    public static func count(_ bytes: [UInt8]) -> Int? {
        var o = 0
        guard let n = Varint.read(bytes, &o), n >= 1, n <= UInt64(capacity) else { return nil }
        return Int(n)
    }
}

/// Format 4's positions: as `PostingBlock`, one entry per block of the postings (with
/// positions) of one term in one batch, keyed by its last; a block also ends once its lists
/// reach `listBytes`, so a block of long lists stays small. Value: `n` and the gaps (as a
/// postings block) ‖ `n` list lengths (varint bytes) ‖ the `PositionList`s end to end.
public enum PositionBlock {
    public static let listBytes = 1024

    public static func append(ordinals: [UInt32], lengths: [Int], lists: [UInt8], to out: inout [UInt8]) {
        PostingBlock.appendHeader(ordinals, to: &out)
        for n in lengths { Varint.append(UInt64(n), to: &out) }
        out.append(contentsOf: lists)
    }

    public enum Lookup: Equatable {
        case found([UInt8])
        case absent
        case malformed
    }

    /// The encoded `PositionList` of `ordinal` in the block whose last ordinal is `last`.
    public static func list(of ordinal: UInt32, in bytes: [UInt8], last: UInt32) -> Lookup {
        var ordinals: [UInt32] = []
        var o = 0
        guard let n = PostingBlock.readHeader(bytes, &o, last: last, into: &ordinals) else { return .malformed }
        var start = 0, length = 0, total = 0
        var index: Int? = nil
        for i in 0..<n {
            guard let l = Varint.read(bytes, &o), l <= UInt64(bytes.count) else { return .malformed }
            if ordinals[i] == ordinal {
                index = i
                start = total
                length = Int(l)
            }
            total += Int(l)
        }
        guard o + total == bytes.count else { return .malformed }
        guard index != nil else { return .absent }
        return .found(Array(bytes[(o + start)..<(o + start + length)]))
    }

    /// Every posting's ordinal and list, appended; false (nothing appended) when malformed.
    public static func decode(_ bytes: [UInt8], last: UInt32, ordinals: inout [UInt32], lists: inout [[UInt8]]) -> Bool {
        let base = ordinals.count
        var o = 0
        guard let n = PostingBlock.readHeader(bytes, &o, last: last, into: &ordinals) else { return false }
        var lengths: [Int] = []
        for _ in 0..<n {
            guard let l = Varint.read(bytes, &o), l <= UInt64(bytes.count) else { break }
            lengths.append(Int(l))
        }
        guard lengths.count == n, o + lengths.reduce(0, +) == bytes.count else {
            ordinals.removeSubrange(base...)
            return false
        }
        for l in lengths {
            lists.append(Array(bytes[o..<(o + l)]))
            o += l
        }
        return true
    }
}

#if !hasFeature(Embedded)  // builders only
    /// What the blockers share: the postings of the block being filled, all of one term and
    /// batch (`prefix`: `field ‖ term ‖ 0x00 ‖ group ‖ batch`), by ordinal.
    struct BlockFill {
        var prefix: [UInt8] = []
        var ordinals: [UInt32] = []

        init() { ordinals.reserveCapacity(PostingBlock.capacity) }

        /// Whether a posting of `term ‖ batch` (`field ‖ term ‖ 0x00`, `group ‖ batch`) belongs
        /// to another term or batch than those held.
        func breaks(term: UnsafeRawBufferPointer, batch: UnsafeRawBufferPointer) -> Bool {
            guard !ordinals.isEmpty else { return false }
            guard prefix.count == term.count + batch.count else { return true }
            return prefix.withUnsafeBytes { p in
                (term.count > 0 && memcmp(p.baseAddress!, term.baseAddress!, term.count) != 0)
                    || (batch.count > 0 && memcmp(p.baseAddress! + term.count, batch.baseAddress!, batch.count) != 0)
            }
        }

        mutating func take(term: UnsafeRawBufferPointer, batch: UnsafeRawBufferPointer, ordinal: UInt32) {
            if ordinals.isEmpty {
                prefix.removeAll(keepingCapacity: true)
                prefix.append(contentsOf: term)
                prefix.append(contentsOf: batch)
            }
            ordinals.append(ordinal)
        }

        /// The key of the block held: its prefix and last posting's ordinal.
        var key: [UInt8] {
            var k = prefix
            DocRef.append(ordinals.last!, &k)
            return k
        }
    }

    /// A posting's full key cut as the blockers take it: term prefix, `group ‖ batch`, ordinal.
    @inline(__always)
    func postingParts(_ key: UnsafeRawBufferPointer) -> (term: UnsafeRawBufferPointer, batch: UnsafeRawBufferPointer, ordinal: UInt32) {
        let n = key.count
        return (
            UnsafeRawBufferPointer(rebasing: key[..<(n - DocRef.byteCount)]),
            UnsafeRawBufferPointer(rebasing: key[(n - DocRef.byteCount)..<(n - 4)]), DocRef.readUInt32(key, n - 4)
        )
    }

    /// Cuts a stream of postings, in key order, into `PostingBlock`s: the builder's finish phase
    /// and compaction feed it every posting and get the tree's entries.
    public struct PostingBlocker {
        private var fill = BlockFill()
        private var tfs: [UInt32] = []
        private var codes: [UInt8] = []
        /// Postings taken and blocks given, for summaries.
        public private(set) var postings: UInt64 = 0
        public private(set) var blocks: UInt64 = 0

        public init() {}

        /// Takes the posting whose full key is `key`; `emit` gets each finished block's key and value.
        public mutating func add(key: [UInt8], tf: UInt32, lengthCode: UInt8, emit: ([UInt8], [UInt8]) throws -> Void) rethrows {
            try key.withUnsafeBytes { k in
                let (term, batch, ordinal) = postingParts(k)
                try add(term: term, batch: batch, ordinal: ordinal, tf: tf, lengthCode: lengthCode, emit: emit)
            }
        }

        /// Takes the posting `term ‖ batch ‖ ordinal` (the build's finish phase has the parts,
        /// not the key).
        public mutating func add(
            term: UnsafeRawBufferPointer, batch: UnsafeRawBufferPointer, ordinal: UInt32, tf: UInt32, lengthCode: UInt8,
            emit: ([UInt8], [UInt8]) throws -> Void
        ) rethrows {
            if fill.breaks(term: term, batch: batch) { try flush(emit) }
            fill.take(term: term, batch: batch, ordinal: ordinal)
            tfs.append(tf)
            codes.append(lengthCode)
            postings += 1
            if fill.ordinals.count == PostingBlock.capacity { try flush(emit) }
        }

        /// Emits the block being filled, if any (at the end of the stream).
        public mutating func flush(_ emit: ([UInt8], [UInt8]) throws -> Void) rethrows {
            guard !fill.ordinals.isEmpty else { return }
            var value: [UInt8] = []
            value.reserveCapacity(1 + 3 * tfs.count)
            PostingBlock.append(ordinals: fill.ordinals, tfs: tfs, codes: codes, to: &value)
            let key = fill.key
            fill.ordinals.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            codes.removeAll(keepingCapacity: true)
            blocks += 1
            try emit(key, value)
        }
    }

    /// Cuts a stream of position lists, in key order, into `PositionBlock`s.
    public struct PositionBlocker {
        private var fill = BlockFill()
        private var lengths: [Int] = []
        private var lists: [UInt8] = []

        public init() {}

        /// Takes the encoded `PositionList` of the posting whose full key is `key`.
        public mutating func add(key: [UInt8], list: [UInt8], emit: ([UInt8], [UInt8]) throws -> Void) rethrows {
            try key.withUnsafeBytes { k in
                try list.withUnsafeBytes { l in
                    let (term, batch, ordinal) = postingParts(k)
                    try add(term: term, batch: batch, ordinal: ordinal, list: l, emit: emit)
                }
            }
        }

        /// Takes the list of the posting `term ‖ batch ‖ ordinal`.
        public mutating func add(
            term: UnsafeRawBufferPointer, batch: UnsafeRawBufferPointer, ordinal: UInt32, list: UnsafeRawBufferPointer,
            emit: ([UInt8], [UInt8]) throws -> Void
        ) rethrows {
            if fill.breaks(term: term, batch: batch) { try flush(emit) }
            fill.take(term: term, batch: batch, ordinal: ordinal)
            lengths.append(list.count)
            lists.append(contentsOf: list)
            if fill.ordinals.count == PostingBlock.capacity || lists.count >= PositionBlock.listBytes { try flush(emit) }
        }

        public mutating func flush(_ emit: ([UInt8], [UInt8]) throws -> Void) rethrows {
            guard !fill.ordinals.isEmpty else { return }
            var value: [UInt8] = []
            value.reserveCapacity(2 * lengths.count + lists.count + 2)
            PositionBlock.append(ordinals: fill.ordinals, lengths: lengths, lists: lists, to: &value)
            let key = fill.key
            fill.ordinals.removeAll(keepingCapacity: true)
            lengths.removeAll(keepingCapacity: true)
            lists.removeAll(keepingCapacity: true)
            try emit(key, value)
        }
    }
#endif
