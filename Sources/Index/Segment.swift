import Blocks
import ProllyTree
import Support

/// What a segment is: one group's batch of documents (or, compacted, several batches) as four
/// trees with their statistics, stored as the segment's root block (DAG-CBOR). It never changes
/// once written and holds nothing time- or signer-dependent, so the same content always has the
/// same CID. A segment is signed by being listed in a signed `GroupVersion` (see docs/FORMAT.md).
public struct SegmentInfo: Equatable, Sendable {
    /// The format segments are written in. `indexer-segment/2` adds the peer-to-peer fields
    /// (`author`, `parent`, and the per-day `tagDay`/`mentionDay`/`siteDay` terms) to the
    /// postings and `author` to the records; `/1` segments stay readable, but queries and facets
    /// that need those fields refuse them by name (`SocialFields`).
    /// `indexer-segment/3` stores the text in chunks (`TextChunks`): text tree keys
    /// `DocRef ‖ chunk`, and each record lists its chunks, so a result page reads them without
    /// the text tree.
    /// `indexer-segment/4` stores postings in blocks (`PostingBlock`). The postings tree's
    /// parameters say which layout it has, so a compaction's output (blocks, whatever its
    /// inputs) keeps its inputs' lowest number for what the number says about fields and texts.
    /// `indexer-segment/5` cuts the postings tree's internal nodes at 2 KiB (its parameters
    /// say so: `innerTarget`), so a lookup per term and segment reads less; nothing else changed.
    /// `indexer-segment/6` stores a document's later text chunks in groups of about 8 KiB, one
    /// value each (`TextChunks.groups`); a head lists a grouped chunk with its range.
    /// `indexer-segment/7` slims the records a query reads for every candidate: a record's
    /// digest is 8 bytes (`DocRecord.digestLength`; digests compare on that prefix across
    /// formats) and its `recordID` is in the text head (`TextChunks.Head.recordID`).
    public static let format = "indexer-segment/7"
    /// Versions a reader accepts.
    public static let readableVersions: ClosedRange<Int> = 1...7
    public var analyzer: String
    /// 3 for segments with chunked text, 2 for the peer-to-peer fields, 1 for older ones. A
    /// compaction takes the lowest of its inputs': it unions their postings, so it has the
    /// fields only if all do; its texts are read per record (chunks when the record lists them).
    public var formatVersion = 7
    /// Tree name (`ShardTree.name`) → tree header CID.
    public var trees: [String: CID]
    /// Documents in the trees and their length totals.
    public var documents: UInt64
    public var bodyLength: UInt64
    public var titleLength: UInt64
    /// The (group, batch) ranges of DocRefs this segment holds, in DocRef order. Nothing outside
    /// them is ever read from its trees.
    public var batches: [Batch]
    /// Documents of earlier segments of the same group(s) that this one removes (edited or
    /// deleted), with their lengths so statistics subtract them without reading them.
    public var tombstones: [Tombstone]
    /// For a compacted segment: the segments it replaces, so anyone can recompute it.
    public var compactedFrom: [CID]

    public struct Batch: Equatable, Sendable {
        public var group: GroupID
        public var batch: UInt32
        public var documents: UInt64
        public var sources: [Source]
        public var id: BatchID { BatchID(group: group, batch: batch) }
        public init(group: GroupID, batch: UInt32, documents: UInt64, sources: [Source]) {
            self.group = group
            self.batch = batch
            self.documents = documents
            self.sources = sources
        }
    }

    public struct Source: Equatable, Sendable {
        public var name: String
        public var bytes: UInt64
        public var documents: UInt64
        public init(name: String, bytes: UInt64, documents: UInt64) {
            self.name = name
            self.bytes = bytes
            self.documents = documents
        }
    }

    public struct Tombstone: Equatable, Hashable, Sendable {
        public var doc: DocRef
        public var bodyLength: UInt32
        public var titleLength: UInt32
        public init(doc: DocRef, bodyLength: UInt32, titleLength: UInt32) {
            self.doc = doc
            self.bodyLength = bodyLength
            self.titleLength = titleLength
        }
    }

    public init(
        analyzer: String, trees: [String: CID], documents: UInt64, bodyLength: UInt64, titleLength: UInt64,
        batches: [Batch], tombstones: [Tombstone] = [], compactedFrom: [CID] = []
    ) {
        self.analyzer = analyzer
        self.trees = trees
        self.documents = documents
        self.bodyLength = bodyLength
        self.titleLength = titleLength
        self.batches = batches
        self.tombstones = tombstones
        self.compactedFrom = compactedFrom
    }

    /// The groups whose documents the segment holds.
    public var groups: [GroupID] { Array(Set(batches.map { $0.group })).sorted() }

    /// Which of `segments` holds each batch; two holding one is a conflict, named by `cids`.
    static func owners(_ segments: [SegmentInfo], cids: [CID]) throws(ReadFailure) -> [BatchID: Int] {
        var owner: [BatchID: Int] = [:]
        for (i, s) in segments.enumerated() {
            for b in s.batches {
                if let j = owner[b.id] { throw IndexError.conflict("segments \(cids[j]) and \(cids[i]) both hold batch \(b.id)") }
                owner[b.id] = i
            }
        }
        return owner
    }

    /// The tombstones of `segments` that count, by the one rule readers, compaction and its
    /// policy share: a segment's tombstone counts for a document of its own groups that another
    /// segment holds (`target`, by `owner`) or that none of them holds (`target` nil: it may
    /// remove a document of a segment outside them); one for its own batches never counts.
    static func tombstones(
        of segments: [SegmentInfo], owner: [BatchID: Int]
    ) -> [(source: Int, target: Int?, tombstone: Tombstone)] {
        var out: [(source: Int, target: Int?, tombstone: Tombstone)] = []
        for (i, s) in segments.enumerated() {
            let groups = Set(s.groups)
            for t in s.tombstones where groups.contains(t.doc.group) {
                let j = owner[t.doc.batchID]
                if j != i { out.append((i, j, t)) }
            }
        }
        return out
    }

    // MARK: DAG-CBOR (the root block)

    public var cbor: DagCBOR {
        .map(sorting: [
            ("format", .text("indexer-segment/\(formatVersion)")),
            ("analyzer", .text(analyzer)),
            ("trees", .map(sorting: trees.map { ($0.key, .link($0.value)) })),
            ("documents", .unsigned(documents)),
            ("bodyLength", .unsigned(bodyLength)),
            ("titleLength", .unsigned(titleLength)),
            (
                "batches",
                .array(
                    batches.map { b in
                        .map(sorting: [
                            ("group", .bytes(b.group.bytes)), ("batch", .unsigned(UInt64(b.batch))),
                            ("documents", .unsigned(b.documents)),
                            (
                                "sources",
                                .array(
                                    b.sources.map { s in
                                        .map(sorting: [("name", .text(s.name)), ("bytes", .unsigned(s.bytes)), ("documents", .unsigned(s.documents))])
                                    })
                            ),
                        ])
                    })
            ),
            (
                "tombstones",
                .array(
                    tombstones.map { t in
                        .array([.bytes(t.doc.bytes), .unsigned(UInt64(t.bodyLength)), .unsigned(UInt64(t.titleLength))])
                    })
            ),
            ("compactedFrom", .array(compactedFrom.map { .link($0) })),
        ])
    }

    public init(cbor v: DagCBOR) throws(ReadFailure) {
        func bad(_ r: String) -> IndexError { .corrupt("segment root block: \(r)") }
        guard let format = v["format"]?.string, let version = SegmentInfo.readableVersions.first(where: { "indexer-segment/\($0)" == format })
        else { throw bad("unknown format \(v["format"]?.string ?? "(none)") (this reader knows \(SegmentInfo.format) and older)") }
        formatVersion = version
        guard let analyzer = v["analyzer"]?.string, case .map(let t)? = v["trees"],
            let documents = v["documents"]?.uint, let bl = v["bodyLength"]?.uint, let tl = v["titleLength"]?.uint,
            let batches = v["batches"]?.array, let tombstones = v["tombstones"]?.array, let compacted = v["compactedFrom"]?.array
        else { throw bad("missing fields") }
        self.analyzer = analyzer
        var trees: [String: CID] = [:]
        for (k, link) in t {
            guard let c = link.cid else { throw bad("tree \(k) is not a link") }
            trees[k] = c
        }
        self.trees = trees
        self.documents = documents
        bodyLength = bl
        titleLength = tl
        self.batches = try batches.map { (b) throws(ReadFailure) in
            guard let id = b["group"]?.byteString.flatMap({ GroupID(bytes: $0) }), let n = b["batch"]?.uint, n <= UInt64(UInt32.max),
                let d = b["documents"]?.uint, let sources = b["sources"]?.array
            else { throw bad("malformed batch") }
            return Batch(
                group: id, batch: UInt32(n), documents: d,
                sources: try sources.map { (s) throws(ReadFailure) in
                    guard let name = s["name"]?.string, let bytes = s["bytes"]?.uint, let docs = s["documents"]?.uint else {
                        throw bad("malformed source")
                    }
                    return Source(name: name, bytes: bytes, documents: docs)
                })
        }
        guard zip(self.batches, self.batches.dropFirst()).allSatisfy({ $0.id < $1.id }) else {
            throw bad("batches out of order or repeated")
        }
        self.tombstones = try tombstones.map { (t) throws(ReadFailure) in
            guard let a = t.array, a.count == 3, let doc = a[0].byteString.flatMap({ DocRef(bytes: $0) }),
                let b = a[1].uint, b <= UInt64(UInt32.max), let ti = a[2].uint, ti <= UInt64(UInt32.max)
            else { throw bad("malformed tombstone") }
            return Tombstone(doc: doc, bodyLength: UInt32(b), titleLength: UInt32(ti))
        }
        compactedFrom = try compacted.map { (l) throws(ReadFailure) in
            guard let c = l.cid else { throw bad("compactedFrom entry is not a link") }
            return c
        }
    }
}

/// One segment opened for reading: its root block decoded, its four trees opened. Works the
/// same over any `BlockStore` (a local folder, HTTP, a cache), since every block is verified.
///
/// Reads are confined to the segment's own (group, batch) ranges: a segment's trees are
/// whatever its writer put there, and a key under another group's DocRef must not answer for
/// that group.
public final class Segment: Sendable {
    public let cid: CID
    public let info: SegmentInfo
    public let reader: NodeReader
    public let postings: Tree
    public let positions: Tree
    public let docs: Tree
    public let text: Tree
    /// `group ‖ batch` (12 bytes) of each batch the segment holds, in order.
    public let batchPrefixes: [[UInt8]]
    private let batchIDs: Set<BatchID>

    public func tree(_ tree: ShardTree) -> Tree {
        switch tree {
        case .postings: postings
        case .positions: positions
        case .docs: docs
        case .text: text
        }
    }
    public var store: BlockStore { reader.store }

    /// `blocks`: blocks already read (tree headers fetched with the root); the others are
    /// fetched in one batch.
    public init(cid: CID, info: SegmentInfo, reader: NodeReader, fetched: [CID: [UInt8]] = [:]) throws(ReadFailure) {
        self.cid = cid
        self.info = info
        self.reader = reader
        var headers: [CID] = []
        for tree in ShardTree.allCases {
            guard let header = info.trees[tree.name] else { throw IndexError.missingTree(tree.name) }
            headers.append(header)
        }
        let missing = headers.filter { fetched[$0] == nil }
        var known = fetched
        for (c, bytes) in zip(missing, try reader.store.getMany(missing)) { known[c] = bytes }
        func open(_ tree: ShardTree) throws(ReadFailure) -> Tree {
            let i = tree.index
            let t = try Tree.open(headers[i], bytes: known[headers[i]]!, reader: reader)
            guard tree.accepts(t.params) else {
                throw IndexError.treeParameters(tree: tree.name, found: "\(t.params)")
            }
            return t
        }
        postings = try open(.postings)
        positions = try open(.positions)
        docs = try open(.docs)
        text = try open(.text)
        batchPrefixes = info.batches.map { $0.id.prefix }
        batchIDs = Set(info.batches.map { $0.id })
        blockedPostings = postings.params.weighsValues
        blockedPositions = positions.params.weighsValues
    }

    /// Whether the positions tree holds `PositionBlock`s (format 4).
    public let blockedPositions: Bool

    /// Whether `tree` holds blocks of postings (format 4) rather than one entry per posting.
    public func isBlocked(_ tree: ShardTree) -> Bool {
        switch tree {
        case .postings: blockedPostings
        case .positions: blockedPositions
        case .docs, .text: false
        }
    }

    /// Whether the postings tree holds `PostingBlock`s (format 4), not one entry per posting.
    public let blockedPostings: Bool

    /// The impacts in a postings child's aggregate (after its posting count in format 4).
    public func impacts(_ aggregate: [UInt8]) -> Impacts? {
        BlockImpactAggregator.impacts(aggregate, blocked: blockedPostings)
    }

    /// The header CIDs of the four trees, in `ShardTree` order (for batched opening).
    public static func headers(of info: SegmentInfo) -> [CID] { ShardTree.allCases.compactMap { info.trees[$0.name] } }

    /// Whether `doc` lies in one of the segment's batches.
    public func owns(_ doc: DocRef) -> Bool { batchIDs.contains(doc.batchID) }

    // MARK: Reads, confined to the segment's batches

    /// The key ranges of `term`'s postings in this segment: one per batch.
    public func postingRanges(_ field: Field, _ term: [UInt8]) -> [(from: [UInt8], to: [UInt8]?)] {
        let prefix = ShardKeys.termPrefix(field, term)
        return batchPrefixes.map { b in
            let p = prefix + b
            return (p, ShardKeys.successor(ofPrefix: p))
        }
    }

    /// Documents of this segment containing `term` in `field` (tombstones not subtracted): counts
    /// from internal nodes, O(height) nodes per batch.
    public func documentFrequency(_ field: Field, _ term: [UInt8]) throws(ReadFailure) -> UInt64 {
        var total: UInt64 = 0
        let weight = blockedPostings ? PostingBlock.weight : nil
        for r in postingRanges(field, term) { total += try postings.count(from: r.from, to: r.to, weight: weight) }
        return total
    }

    /// A cursor over `term`'s postings in each of the segment's batches, in DocRef order,
    /// from the first posting ≥ `start` when given.
    public func postingCursors(_ field: Field, _ term: [UInt8], gate: LeafGate? = nil, from start: DocRef? = nil) throws(ReadFailure)
        -> [PostingCursor]
    {
        let prefix = ShardKeys.termPrefix(field, term)
        return try batchPrefixes.map { (b) throws(ReadFailure) in
            try PostingCursor(tree: postings, prefix: prefix, scope: b, gate: gate, from: start)
        }
    }

    /// Terms of `field` starting with `prefix`, in order, at most `limit` (for `prefix*`). Each
    /// term costs one seek; postings of a term are skipped, not read. A term counts only when it
    /// has postings in one of the segment's batches.
    public func terms(_ field: Field, prefix: [UInt8], limit: Int) throws(ReadFailure) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var from = [field.rawValue] + prefix
        let end = ShardKeys.successor(ofPrefix: from)
        while out.count < limit {
            var c = postings.scan(from: from, to: end)
            guard let (k, _) = try c.nextEntry(), let parsed = ShardKeys.parsePosting(k) else { break }
            let term = Array(parsed.term)
            if try documentFrequency(field, term) > 0 { out.append(term) }
            from = ShardKeys.termPrefix(field, term) + [0xff]  // after every DocRef of this term
        }
        return out
    }

    public func positions(_ field: Field, _ term: [UInt8], in doc: DocRef) throws(ReadFailure) -> [UInt32] {
        guard owns(doc) else { return [] }
        let key = ShardKeys.posting(field, term, doc)
        var list: [UInt8]
        if blockedPositions {
            // The block at the key's ceiling, if it is this term's in this batch.
            guard let (k, v) = try Tree.ceilingMany([(positions, [key])])[0][0],
                let last = PostingBlock.lastOrdinal(ofBlock: k, holding: doc, prefix: ShardKeys.termPrefix(field, term))
            else { return [] }
            switch PositionBlock.list(of: doc.ordinal, in: v, last: last) {
            case .found(let l): list = l
            case .absent: return []
            case .malformed: throw IndexError.malformedValue(tree: .positions, document: doc)
            }
        } else {
            guard let v = try positions.get(key) else { return [] }
            list = v
        }
        guard let p = PositionList.decode(list) else { throw IndexError.malformedValue(tree: .positions, document: doc) }
        return p
    }

    /// Calls `body` for every document in DocRef order. A missing block, a malformed record or
    /// a key outside the segment's batches throws: a silently shortened walk would pass for a
    /// complete one.
    public func forEachDocument(_ body: (DocRef, DocRecord) throws(ReadFailure) -> Void) throws(ReadFailure) {
        var cursor = docs.scan()
        while let (k, v) = try cursor.nextEntry() {
            guard let ref = DocRef(bytes: k) else { throw IndexError.malformedKey(tree: .docs, key: k) }
            guard owns(ref) else { throw IndexError.corrupt("segment \(cid) holds document \(ref) outside its batches") }
            try body(ref, try DocRecord(encoded: v))
        }
    }

    /// Calls `body` for every document of one of the segment's batches, in DocRef order: one
    /// key range of the docs tree, so only its nodes are read.
    public func forEachDocument(in batch: BatchID, _ body: (DocRef, DocRecord) throws(ReadFailure) -> Void) throws(ReadFailure) {
        guard batchIDs.contains(batch) else { return }
        var cursor = docs.scan(from: batch.prefix, to: ShardKeys.successor(ofPrefix: batch.prefix))
        while let (k, v) = try cursor.nextEntry() {
            guard let ref = DocRef(bytes: k) else { throw IndexError.malformedKey(tree: .docs, key: k) }
            try body(ref, try DocRecord(encoded: v))
        }
    }

    /// Opens the segment whose root block is `cid`.
    public static func open(_ cid: CID, reader: NodeReader) throws(ReadFailure) -> Segment {
        let info = try SegmentInfo(cbor: try DagCBOR.decode(try reader.store.get(cid)))
        return try Segment(cid: cid, info: info, reader: reader)
    }
}
