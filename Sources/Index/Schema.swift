import Blocks
import ProllyTree

/// The searchable fields. The raw value is the first byte of every postings key, so a field's
/// postings are one contiguous key range.
public enum Field: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case body = 1, title, url, site, tag, mention, lang, date
    /// Peer-to-peer fields (segment format 2): the author of a site's documents (`from:`), the
    /// post a reply answers (`thread:`), and tags, mentions and sites per day (`yyyymmdd` then
    /// the value), so facets over recent days are key ranges counted from internal nodes.
    case author, parent, tagDay, mentionDay, siteDay

    public var description: String {
        switch self {
        case .body: "body"
        case .title: "title"
        case .url: "url"
        case .site: "site"
        case .tag: "tag"
        case .mention: "mention"
        case .lang: "lang"
        case .date: "date"
        case .author: "author"
        case .parent: "parent"
        case .tagDay: "tagDay"
        case .mentionDay: "mentionDay"
        case .siteDay: "siteDay"
        }
    }

    /// Fields whose postings are scored by BM25; the others filter.
    public var isScored: Bool { self == .body || self == .title }

    /// Whether only segments of format 2 hold this field's postings.
    public var needsFormat2: Bool { rawValue >= Field.author.rawValue }

    /// The per-day field of a facet field (`tag` → `tagDay`), if it has one.
    public var daily: Field? {
        switch self {
        case .tag: .tagDay
        case .mention: .mentionDay
        case .site: .siteDay
        default: nil
        }
    }
}

/// Key layouts of a segment's trees (see docs/FORMAT.md).
public enum ShardKeys {
    /// `field ‖ term ‖ 0x00 ‖ DocRef`: each term's postings are contiguous, and within them each
    /// group's and batch's. Terms never contain 0x00 (the analyzer emits UTF-8 text).
    public static func posting(_ field: Field, _ term: [UInt8], _ doc: DocRef) -> [UInt8] {
        var k = termPrefix(field, term)
        doc.append(to: &k)
        return k
    }

    /// The key prefix shared by every posting of `term` in `field`.
    public static func termPrefix(_ field: Field, _ term: [UInt8]) -> [UInt8] {
        var k: [UInt8] = []
        k.reserveCapacity(term.count + 2 + DocRef.byteCount)
        appendTermPrefix(field, term, to: &k)
        return k
    }

    /// `termPrefix` appended to `out` (the builder writes keys straight into its run buffer).
    @inline(__always)
    public static func appendTermPrefix(_ field: Field, _ term: some Collection<UInt8>, to out: inout [UInt8]) {
        out.append(field.rawValue)
        out.append(contentsOf: term)
        out.append(0)
    }

    /// The first key after every key starting with `prefix`, or nil if there is none.
    public static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var p = prefix
        while let last = p.last {
            if last < 0xff {
                p[p.count - 1] = last + 1
                return p
            }
            p.removeLast()
        }
        return nil
    }

    /// Splits a postings key into field, term and DocRef; nil if it is not one.
    public static func parsePosting(_ key: [UInt8]) -> (field: Field, term: ArraySlice<UInt8>, doc: DocRef)? {
        guard key.count >= 2 + DocRef.byteCount, let field = Field(rawValue: key[0]),
            key[key.count - DocRef.byteCount - 1] == 0,
            let doc = DocRef(bytes: key[(key.count - DocRef.byteCount)...])
        else { return nil }
        return (field, key[1..<(key.count - DocRef.byteCount - 1)], doc)
    }
}

/// Document lengths in one byte, as Lucene's norms: exact below 32, then 8 steps per power of
/// two. BM25 everywhere (exhaustive, pruned, bounds) uses the decoded value, so pruning is exact.
public enum LengthCode {
    public static func encode(_ n: Int) -> UInt8 {
        if n < 32 { return UInt8(max(0, n)) }
        let e = Int.bitWidth - 1 - n.leadingZeroBitCount  // floor(log2 n) ≥ 5
        let mantissa = (n >> (e - 3)) & 7
        return UInt8(min(255, 32 + (e - 5) * 8 + mantissa))
    }

    /// The smallest length with this code.
    public static func decode(_ c: UInt8) -> Int {
        if c < 32 { return Int(c) }
        let e = (Int(c) - 32) / 8 + 5, mantissa = (Int(c) - 32) % 8
        return (8 + mantissa) << (e - 3)
    }
}

/// A postings value: term frequency and the quantized length of the field in that document.
public struct PostingValue: Equatable, Sendable {
    public var tf: UInt32
    public var lengthCode: UInt8

    public init(tf: UInt32, lengthCode: UInt8) {
        self.tf = tf
        self.lengthCode = lengthCode
    }

    public var encoded: [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }

    /// Appends the encoded value (the builder writes it straight into its run buffer).
    public func append(to out: inout [UInt8]) {
        Varint.append(UInt64(tf), to: &out)
        out.append(lengthCode)
    }

    public init?(_ bytes: [UInt8]) {
        guard let v = bytes.withUnsafeBytes({ PostingValue($0) }) else { return nil }
        self = v
    }

    /// Decodes bytes in place (the build's merge reads its runs' values where they lie).
    public init?(_ bytes: UnsafeRawBufferPointer) {
        var o = 0
        guard let tf = Varint.read(bytes, &o), tf >= 1, tf <= UInt64(UInt32.max), o + 1 == bytes.count else { return nil }
        self.tf = UInt32(tf)
        lengthCode = bytes[o]
    }
}

/// Positions of a term in a field of one document: delta-coded varints.
public enum PositionList {
    public static func encode(_ positions: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        append(positions, to: &out)
        return out
    }

    /// Appends the encoded list (the builder writes it straight into its run buffer).
    public static func append(_ positions: some Collection<UInt32>, to out: inout [UInt8]) {
        var previous: UInt32 = 0
        for p in positions {
            Varint.append(UInt64(p &- previous), to: &out)
            previous = p
        }
    }

    /// nil on malformed input; at most `limit` positions.
    public static func decode(_ bytes: [UInt8], limit: Int = 1 << 20) -> [UInt32]? {
        var out: [UInt32] = []
        var o = 0, current: UInt64 = 0
        while o < bytes.count {
            guard let d = Varint.read(bytes, &o), out.count < limit else { return nil }
            current += d
            guard current <= UInt64(UInt32.max) else { return nil }
            out.append(UInt32(current))
        }
        return out
    }
}

/// The four trees of a segment, in the order they are built and listed. The raw value is the
/// tree's name in the manifest (`IndexInfo.trees`). Postings are scanned in ranges (16 KiB
/// nodes); docs and text are read a few random keys per result page (4 KiB nodes).
public enum ShardTree: String, CaseIterable, Sendable {
    /// (field, term, DocRef) → term frequency and length code; in format 4, (field, term, last
    /// DocRef) → a `PostingBlock` of up to 128 postings.
    case postings
    /// The same keys → positions, for phrases; in format 4, (field, term, last DocRef) → a
    /// `PositionBlock`.
    case positions
    /// DocRef → `DocRecord`.
    case docs
    /// `DocRef ‖ chunk` → one chunk of the extracted text (`TextChunks`; format 3), or in
    /// older segments DocRef → the whole text.
    case text

    public var name: String { rawValue }

    /// Position in `allCases`, for per-tree arrays (a switch, not a search: the builder asks
    /// for every document).
    public var index: Int {
        switch self {
        case .postings: 0
        case .positions: 1
        case .docs: 2
        case .text: 3
        }
    }

    /// Whether format 4 stores this tree's postings in blocks (`PostingBlock`, `PositionBlock`).
    public var isBlocked: Bool { self == .postings || self == .positions }

    /// Bytes of a key after its DocRef: the text tree's chunk number (format 3).
    public var keyTrailer: Int { self == .text ? 2 : 0 }

    public var parameters: TreeParameters {
        switch self {
        // Format 4: `PostingBlock` values (1 to 128 postings) weighed by their bytes; inline
        // always (a block is at most about 1.4 KB). 8 KiB: a cold remote query fetched 17–21%
        // fewer bytes than with 16 KiB at the same round trips; 4 KiB saved 2–6% more but
        // added round trips (bench `remote`, session 10).
        // Format 5: internal nodes of 2 KiB. A lookup reads one level-1 node per term and
        // segment, and the levels above it fit the bootstrap: a cold page over 4 segments
        // fetched 15% fewer bytes (linux-doc 184 → 156 KiB) and over one 3–6% fewer, at the
        // same round trips; 1 KiB added a round trip, 4 KiB leaves more than they saved
        // (session 12, Pipelines/read_breakdown.py).
        case .postings:
            TreeParameters(
                targetSize: 8 << 10, valueHint: 0, inlineLimit: 2048, aggregator: BlockImpactAggregator.name, weighsValues: true,
                innerTargetSize: 2 << 10)
        // Format 4: `PositionBlock` values, weighed by their bytes; a block of one long list
        // over 4 KiB is stored out of line.
        case .positions: TreeParameters(targetSize: 16 << 10, valueHint: 0, inlineLimit: 4096, weighsValues: true)
        // Docs: about 23 records a leaf (the hint, not the records' bytes, cuts leaves). Format 7's
        // slimmer records kept these (they are in the tree's header, so older segments keep theirs
        // anyway): leaves are lighter at the same count, a cold top-10 page 81.2 -> 74.1 KiB on
        // rust-doc, 92.9 -> 86.8 on linux-doc (read_breakdown). Other leaf targets were not
        // measured. Its internal nodes are cut at 2 KiB (format 7), as the postings tree's: a
        // query reads a docs L1 node per few candidates where the bootstrap does not hold that
        // level (rust-doc), and the level above, larger, travels once in the bootstrap: rust-doc
        // 72.5 -> 71.0 KiB (docs internal 8.8 -> 6.1, bootstrap 14.3 -> 16.1), linux-doc 84.8 ->
        // 84.7 (its whole docs L1 is in the bootstrap either way).
        case .docs:
            TreeParameters(
                targetSize: 4 << 10, valueHint: 160, inlineLimit: 4096, aggregator: LengthAggregator.name, innerTargetSize: 2 << 10)
        case .text: TreeParameters(targetSize: 4 << 10, valueHint: 40, inlineLimit: 256)
        }
    }

    /// The postings tree of segments before format 4: one entry per posting (`PostingValue`),
    /// `Impacts` per child. Still read; never written.
    public static let postingsBeforeBlocks = TreeParameters(
        targetSize: 16 << 10, valueHint: 3, inlineLimit: 64, aggregator: ImpactAggregator.name)
    /// The postings tree of format 4: 8 KiB internal nodes as well. Still read; never written
    /// (a compaction re-cuts it).
    public static let postingsFormat4 = TreeParameters(
        targetSize: 8 << 10, valueHint: 0, inlineLimit: 2048, aggregator: BlockImpactAggregator.name, weighsValues: true)
    /// The docs tree before format 7's 2 KiB internal nodes. Still read; never written.
    public static let docsBeforeFormat7 = TreeParameters(
        targetSize: 4 << 10, valueHint: 160, inlineLimit: 4096, aggregator: LengthAggregator.name)
    /// The positions tree before format 4: one `PositionList` per posting.
    public static let positionsBeforeBlocks = TreeParameters(targetSize: 16 << 10, valueHint: 4, inlineLimit: 1024)

    /// Whether `params` are this tree's, in the current layout or (postings and positions)
    /// the one before blocks (and postings: format 4's).
    public func accepts(_ params: TreeParameters) -> Bool {
        switch self {
        case .postings:
            params.sameShape(as: parameters) || params.sameShape(as: ShardTree.postingsFormat4)
                || params.sameShape(as: ShardTree.postingsBeforeBlocks)
        case .positions: params.sameShape(as: parameters) || params.sameShape(as: ShardTree.positionsBeforeBlocks)
        case .docs: params.sameShape(as: parameters) || params.sameShape(as: ShardTree.docsBeforeFormat7)
        case .text: params.sameShape(as: parameters)
        }
    }

    #if !hasFeature(Embedded)  // builders aggregate; readers decode aggregates directly
        public var aggregator: TreeAggregator {
            switch self {
            case .postings: BlockImpactAggregator()
            case .docs: LengthAggregator()
            case .positions, .text: CountOnly()
            }
        }
    #endif
}
