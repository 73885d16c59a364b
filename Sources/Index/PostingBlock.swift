import Blocks
import ProllyTree

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
        Varint.append(UInt64(ordinals.count), to: &out)
        for i in ordinals.indices.dropLast() { Varint.append(UInt64(ordinals[i + 1] - ordinals[i] - 1), to: &out) }
        for tf in tfs { Varint.append(UInt64(tf), to: &out) }
        out.append(contentsOf: codes)
    }

    /// Decodes the block whose last ordinal is `last`, appending to the arrays; false (and
    /// nothing appended) when the bytes are not a block.
    public static func decode(
        _ bytes: [UInt8], last: UInt32, ordinals: inout [UInt32], tfs: inout [UInt32], codes: inout [UInt8]
    ) -> Bool {
        let base = ordinals.count
        func fail() -> Bool {
            ordinals.removeSubrange(base...)
            tfs.removeSubrange(min(base, tfs.count)...)
            return false
        }
        var o = 0
        guard let n64 = Varint.read(bytes, &o), n64 >= 1, n64 <= UInt64(capacity) else { return false }
        let n = Int(n64)
        // Offsets from the first ordinal, then shifted once the span is known.
        var span: UInt64 = 0
        ordinals.append(0)
        for _ in 1..<n {
            guard let g = Varint.read(bytes, &o), span + g + 1 <= UInt64(last) else { return fail() }
            span += g + 1
            ordinals.append(UInt32(span))
        }
        let first = last - UInt32(span)
        for i in base..<ordinals.count { ordinals[i] += first }
        for _ in 0..<n {
            guard let tf = Varint.read(bytes, &o), tf >= 1, tf <= UInt64(UInt32.max) else { return fail() }
            tfs.append(UInt32(tf))
        }
        guard o + n == bytes.count else { return fail() }
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
        guard let (key, value) = entry, key.count == prefix.count + DocRef.byteCount, key.starts(with: prefix),
            let last = DocRef(bytes: key[prefix.count...]), last.batchID == doc.batchID, last.ordinal >= doc.ordinal
        else { return false }
        var ordinals: [UInt32] = [], tfs: [UInt32] = [], codes: [UInt8] = []
        return decode(value, last: last.ordinal, ordinals: &ordinals, tfs: &tfs, codes: &codes) && ordinals.contains(doc.ordinal)
    }

    /// The number of postings in a block (its first varint), nil when malformed.
    public static func count(_ bytes: [UInt8]) -> Int? {
        var o = 0
        guard let n = Varint.read(bytes, &o), n >= 1, n <= UInt64(capacity) else { return nil }
        return Int(n)
    }
}

#if !hasFeature(Embedded)  // builders only
    /// Cuts a stream of postings, in key order, into `PostingBlock`s: the builder's finish phase
    /// and compaction feed it every posting and get the tree's entries.
    public struct PostingBlocker {
        /// `field ‖ term ‖ 0x00 ‖ group ‖ batch` of the postings held.
        private var prefix: [UInt8] = []
        private var ordinals: [UInt32] = []
        private var tfs: [UInt32] = []
        private var codes: [UInt8] = []
        /// Postings taken and blocks given, for summaries.
        public private(set) var postings: UInt64 = 0
        public private(set) var blocks: UInt64 = 0

        public init() {
            ordinals.reserveCapacity(PostingBlock.capacity)
            tfs.reserveCapacity(PostingBlock.capacity)
            codes.reserveCapacity(PostingBlock.capacity)
        }

        /// Takes the posting whose full key is `key` (its last 4 bytes the ordinal); `emit` gets
        /// each finished block's key and value.
        public mutating func add(
            key: some Collection<UInt8>, tf: UInt32, lengthCode: UInt8, emit: ([UInt8], [UInt8]) throws -> Void
        ) rethrows {
            let head = key.dropLast(4)
            if !ordinals.isEmpty && !prefix.elementsEqual(head) { try flush(emit) }
            if ordinals.isEmpty {
                prefix.removeAll(keepingCapacity: true)
                prefix.append(contentsOf: head)
            }
            ordinals.append(key.suffix(4).reduce(0) { $0 << 8 | UInt32($1) })
            tfs.append(tf)
            codes.append(lengthCode)
            postings += 1
            if ordinals.count == PostingBlock.capacity { try flush(emit) }
        }

        /// Emits the block being filled, if any (at the end of the stream).
        public mutating func flush(_ emit: ([UInt8], [UInt8]) throws -> Void) rethrows {
            guard let last = ordinals.last else { return }
            var key = prefix
            DocRef.append(last, &key)
            var value: [UInt8] = []
            value.reserveCapacity(1 + 3 * ordinals.count)
            PostingBlock.append(ordinals: ordinals, tfs: tfs, codes: codes, to: &value)
            ordinals.removeAll(keepingCapacity: true)
            tfs.removeAll(keepingCapacity: true)
            codes.removeAll(keepingCapacity: true)
            blocks += 1
            try emit(key, value)
        }
    }
#endif
