import Analysis
import Blocks
import ProllyTree
import Support
import Synchronization

/// What a reader accepts: keys it trusts (nil: every validly signed group) and the versions it
/// has seen before (a lower sequence number than one seen is a replay and is refused).
public struct ReadPolicy: Sendable {
    /// Ed25519 public keys, compared whole (never by the 8-byte group ID).
    public var trustedKeys: [[UInt8]]?
    #if !hasFeature(Embedded)  // the browser keeps no file of versions seen
        public var seen: SeenVersions?
        public init(trustedKeys: [[UInt8]]? = nil, seen: SeenVersions? = nil) {
            self.trustedKeys = trustedKeys
            self.seen = seen
        }
    #else
        public init(trustedKeys: [[UInt8]]? = nil) { self.trustedKeys = trustedKeys }
    #endif

    func trusts(_ key: [UInt8]) -> Bool { trustedKeys.map { $0.contains(key) } ?? true }
}

/// An index opened for reading: the manifest and every group version verified, the segments a
/// reader's policy accepts opened, tombstones gathered, and the statistics of exactly those
/// segments. Every query, `verify`, `stats`, `diff` and `merge` reads an index through this.
///
/// Several indexes (`--index` given more than once) open as one view, composed exactly as a
/// merge by reference would compose them.
public final class IndexView: Sendable {
    /// The manifests read, in the order given (one per index opened).
    public let manifests: [Manifest]
    /// The group versions read: validly signed, accepted by the policy, the newest of each
    /// group among the inputs; by public key order.
    public let versions: [(cid: CID, version: GroupVersion)]
    /// For each of `versions`, the index (of the sources opened) it was read from, which holds
    /// its whole DAG.
    public let origins: [Int]
    /// The segments searched: those of the versions accepted, or a compaction of them whose
    /// compactor is trusted.
    public let segments: [Segment]
    /// What was left out, and why (an untrusted key, a replayed version, a bad signature).
    public let excluded: [Exclusion]

    public struct Exclusion: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            /// Not trusted by the reader's policy: a choice, not a fault.
            case untrusted
            /// An older version than another input holds: a merge's normal case.
            case replaced
            /// Forged, replayed or inconsistent: someone tampered with the index.
            case invalid
        }
        public var kind: Kind
        public var reason: String
        public var description: String { reason }
    }
    public let reader: NodeReader
    /// Tombstoned documents (of segments in the view), with their lengths.
    public let tombstones: [DocRef: SegmentInfo.Tombstone]
    /// Live documents and length totals: the segments' minus the tombstoned ones'.
    public let documentCount: UInt64
    public let bodyLength: UInt64
    public let titleLength: UInt64
    /// Which segment holds each batch: index in `segments`.
    let owner: [BatchID: Int]
    /// The key that vouches for each segment (its group's, or a trusted compactor's).
    public let vouchers: [[UInt8]]

    public let analyzer: String
    /// The index's blocks: its own store (so copies can hard-link from a folder), or for several
    /// indexes one routing among theirs. Queries read through `reader`, which also answers from
    /// the manifests' bootstrap blocks.
    public let store: BlockStore
    /// `store` when it routes among several indexes' stores: blocks linked from inside a value
    /// (text heads and chunks) are routed to where the value was read (`UnionStore.follow`).
    let union: UnionStore?
    /// Document frequencies computed so far: a view never changes, and each costs a count
    /// walk per segment (plus tombstone lookups), so a term's is computed once per view.
    private let frequencies = Mutex<[FrequencyKey: UInt64]>([:])
    struct FrequencyKey: Hashable {
        let field: Field
        let term: [UInt8]
    }
    /// Entries `frequencies` keeps at most (a few MB with long terms); past it, it starts over.
    static let maxFrequencies = 16_384
    /// Records decoded so far: a warm result page skips the docs tree's descent and the
    /// DAG-CBOR decoding (together 25% of a warm query on linux-doc, measured).
    private let decodedRecords = Mutex<[DocRef: DocRecord]>([:])
    /// Records `decodedRecords` keeps at most (about 1 MB of URLs and titles).
    static let maxRecords = 4096

    /// The single manifest of a view of one index.
    public var manifest: Manifest { manifests[0] }

    init(
        manifests: [Manifest], versions: [(cid: CID, version: GroupVersion)], origins: [Int], segments: [Segment], vouchers: [[UInt8]],
        excluded: [Exclusion],
        reader: NodeReader, store: BlockStore, analyzer: String, union: UnionStore? = nil
    ) throws(ReadFailure) {
        self.store = store
        self.union = union
        self.manifests = manifests
        self.versions = versions
        self.origins = origins
        self.segments = segments
        self.vouchers = vouchers
        self.excluded = excluded
        self.reader = reader
        self.analyzer = analyzer
        let infos = segments.map { $0.info }
        owner = try SegmentInfo.owners(infos, cids: segments.map { $0.cid })
        var tombstones: [DocRef: SegmentInfo.Tombstone] = [:]
        for (_, target, t) in SegmentInfo.tombstones(of: infos, owner: owner) where target != nil { tombstones[t.doc] = t }
        self.tombstones = tombstones
        // Tombstones are a signer's claims, not facts about the trees (one may name an ordinal
        // its batch never had): statistics saturate rather than trap on a hostile segment.
        func less(_ total: UInt64, _ removed: UInt64) -> UInt64 { total > removed ? total - removed : 0 }
        documentCount = less(segments.reduce(0) { $0 + $1.info.documents }, UInt64(tombstones.count))
        bodyLength = less(segments.reduce(0) { $0 + $1.info.bodyLength }, tombstones.values.reduce(0) { $0 + UInt64($1.bodyLength) })
        titleLength = less(segments.reduce(0) { $0 + $1.info.titleLength }, tombstones.values.reduce(0) { $0 + UInt64($1.titleLength) })
    }

    /// The segment holding `doc`'s batch, if any in the view.
    public func segment(owning doc: DocRef) -> Segment? { owner[doc.batchID].map { segments[$0] } }

    /// The key that vouches for `doc` (its group's, or the compactor's), if the view holds it.
    public func voucher(of doc: DocRef) -> [UInt8]? { owner[doc.batchID].map { vouchers[$0] } }

    public func isLive(_ doc: DocRef) -> Bool { tombstones[doc] == nil && segment(owning: doc) != nil }

    // MARK: Opening

    /// One index to open: its manifest's bytes, where they came from (for messages) and the
    /// store its blocks come from.
    public struct Source: Sendable {
        public var manifestBytes: [UInt8]
        public var path: String
        public var store: BlockStore
        /// `bootstrap.car` as read beside the manifest, if it was; used only when its hash is
        /// the one the manifest signs.
        public var bootstrapFile: [UInt8]?
        public init(manifestBytes: [UInt8], path: String, store: BlockStore, bootstrapFile: [UInt8]? = nil) {
            self.manifestBytes = manifestBytes
            self.path = path
            self.store = store
            self.bootstrapFile = bootstrapFile
        }
    }

    #if !hasFeature(Embedded)  // the browser has no folders
        /// Opens the index folder `directory` (manifest.json and blocks/).
        public static func open(directory: String, policy: ReadPolicy = .init(), cacheBytes: Int = NodeReader.defaultCacheBytes) throws(ReadFailure)
            -> IndexView
        {
            try open([try localSource(directory)], policy: policy, cacheBytes: cacheBytes)
        }

        /// The manifest of the index folder `directory`, read once: a second read could see a
        /// manifest renamed into place in between.
        public static func localSource(_ directory: String) throws(ReadFailure) -> Source {
            let path = directory + "/" + Manifest.fileName
            let bytes: [UInt8]
            do { bytes = try FileSystem.readFile(path, limit: Manifest.maxBytes) } catch {
                throw IndexError.badManifest(path: path, reason: "cannot read it (is \(directory) an index folder?)")
            }
            // The layout from the manifest just read, not read again by `BlockLayout.detect`.
            let store = try DirectoryStore(root: directory, create: false, layout: BlockLayout(manifestBytes: bytes))
            // A missing or stale bootstrap file only means the blocks are read one by one.
            let bootstrap = try? FileSystem.readFile(directory + "/" + Bootstrap.fileName, limit: Manifest.maxBytes)
            return Source(manifestBytes: bytes, path: path, store: store, bootstrapFile: bootstrap)
        }
    #endif

    /// Opens one or more indexes as one view. Every manifest's signature, every version's
    /// signature and every block are verified; `policy` decides which versions count. Throws
    /// when two inputs hold different versions of one group under one sequence number, when two
    /// segments claim one (group, batch), and when the policy leaves nothing to read.
    public static func open(_ sources: [Source], policy: ReadPolicy = .init(), cacheBytes: Int = NodeReader.defaultCacheBytes) throws(ReadFailure)
        -> IndexView
    {
        precondition(!sources.isEmpty)
        // Each index's bootstrap blocks (carried in its manifest) answer before its store.
        var sourceStores: [BlockStore] = []
        var parsed: [Manifest] = []
        for source in sources {
            let manifest = try Manifest.parse(source.manifestBytes, path: source.path)
            parsed.append(manifest)
            if !manifest.bootstrap.isEmpty {
                guard let blocks = Bootstrap.decode(manifest.bootstrap) else {
                    throw IndexError.badManifest(path: source.path, reason: "malformed bootstrap")
                }
                sourceStores.append(BootstrapStore(source.store, blocks: blocks))
            } else if let file = source.bootstrapFile, let blocks = Bootstrap.decode(file: file, hash: manifest.bootstrapHash) {
                sourceStores.append(BootstrapStore(source.store, blocks: blocks))
            } else {
                sourceStores.append(source.store)
            }
        }
        #if hasFeature(Embedded)  // the page opens one index: no union of stores in the module
            precondition(sources.count == 1)
            let union: UnionStore? = nil
        #else
            let union = sources.count == 1 ? nil : UnionStore(sourceStores)
        #endif
        let store: BlockStore = union ?? sourceStores[0]
        let reader = NodeReader(store: store, cacheBytes: cacheBytes)
        var manifests: [Manifest] = []
        var analyzer: String? = nil
        var excluded: [Exclusion] = []
        func exclude(_ kind: Exclusion.Kind, _ reason: String) { excluded.append(Exclusion(kind: kind, reason: reason)) }
        // Per group key: the newest version seen among the inputs and the input that had it.
        var chosen: [[UInt8]: (cid: CID, version: GroupVersion, path: String, source: Int)] = [:]
        var compactions: [(IndexRoot.Compaction, signer: [UInt8], path: String)] = []
        var segmentInfos: [CID: SegmentInfo] = [:]
        var known: [CID: [UInt8]] = [:]

        for (sourceIndex, source) in sources.enumerated() {
            let manifest = parsed[sourceIndex]
            let sourceStore = sourceStores[sourceIndex]
            manifests.append(manifest)
            // The blocks the manifest names, from this index's own store, in one batch.
            let wanted = [manifest.root] + manifest.namedBlocks
            for (c, b) in zip(wanted, try sourceStore.getMany(wanted)) {
                known[c] = b
                union?.learn(c, b, from: manifests.count - 1)
            }
            func block(_ c: CID) throws(ReadFailure) -> [UInt8] {
                if let b = known[c] { return b }
                let b = try sourceStore.get(c)
                known[c] = b
                return b
            }
            let root = try IndexRoot(cbor: try DagCBOR.decode(try block(manifest.root)))
            if let a = analyzer, a != root.analyzer {
                throw IndexError.otherAnalyzer(input: source.path, found: root.analyzer, expected: a)
            }
            analyzer = root.analyzer
            var versions: [(cid: CID, version: GroupVersion)] = []
            for c in root.versions {
                let v = try GroupVersion(cbor: try DagCBOR.decode(try block(c)))
                versions.append((c, v))
            }
            for (_, v) in versions {
                for s in v.segments where segmentInfos[s] == nil {
                    segmentInfos[s] = try SegmentInfo(cbor: try DagCBOR.decode(try block(s)))
                }
            }
            for c in root.compacted where segmentInfos[c.segment] == nil {
                segmentInfos[c.segment] = try SegmentInfo(cbor: try DagCBOR.decode(try block(c.segment)))
            }
            // The readable summary must say what the blocks say.
            guard Manifest.summary(root: root, versions: versions, segments: segmentInfos) == manifest.summary else {
                throw IndexError.badManifest(path: source.path, reason: "readable summary differs from the root block \(manifest.root)")
            }
            for (cid, v) in versions {
                let who = "group \(v.group) (key \(Hex.encode(v.publicKey).prefix(16))…) in \(source.path)"
                guard v.signatureIsValid else {
                    exclude(.invalid, "\(who): version \(v.sequence) is not signed by its key; ignored")
                    continue
                }
                guard v.analyzer == root.analyzer else { throw IndexError.otherAnalyzer(input: who, found: v.analyzer, expected: root.analyzer) }
                if let earlier = chosen[v.publicKey] {
                    if earlier.version.sequence == v.sequence && earlier.cid != cid {
                        throw IndexError.conflict(
                            "\(earlier.path) and \(source.path) hold two different versions of group \(v.group) with sequence number \(v.sequence)"
                        )
                    }
                    if earlier.version.sequence >= v.sequence {
                        if earlier.version.sequence > v.sequence {
                            exclude(.replaced, "\(who): version \(v.sequence) replaced by version \(earlier.version.sequence) from \(earlier.path)")
                        }
                        continue
                    }
                    exclude(
                        .replaced,
                        "group \(v.group) in \(earlier.path): version \(earlier.version.sequence) replaced by version \(v.sequence) from \(source.path)"
                    )
                }
                chosen[v.publicKey] = (cid, v, source.path, sourceIndex)
            }
            compactions += root.compacted.map { ($0, manifest.signer, source.path) }
        }

        // The policy: trust, then replays.
        var accepted: [(cid: CID, version: GroupVersion)] = []
        #if !hasFeature(Embedded)
            var acceptedFrom: [String] = []
        #endif
        var origins: [Int] = []
        var groupIDs: [GroupID: [UInt8]] = [:]
        for key in chosen.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let (cid, v, path, origin) = chosen[key]!
            let who = "group \(v.group) (key \(Hex.encode(v.publicKey).prefix(16))…) in \(path)"
            guard policy.trusts(v.publicKey) else {
                exclude(.untrusted, "\(who): key not in the trust list; ignored")
                continue
            }
            #if !hasFeature(Embedded)
                if let seen = policy.seen, let before = seen.sequence(of: v.publicKey) {
                    if before.sequence > v.sequence {
                        exclude(
                            .invalid,
                            "\(who): version \(v.sequence) is older than version \(before.sequence) seen before\(before.location.map { " in \($0)" } ?? "") (a replay, or two collections built with one key: each needs its own, `indexer keygen`); ignored (--accept-older reads it)"
                        )
                        continue
                    }
                    if before.sequence == v.sequence && before.version != cid {
                        throw IndexError.conflict(
                            "\(who): version \(v.sequence) differs from the version \(before.sequence) seen before (\(before.version)): the group signed two versions with one sequence number"
                        )
                    }
                }
            #endif
            if let other = groupIDs[v.group], other != v.publicKey {
                throw IndexError.conflict("two keys share group ID \(v.group): \(Hex.encode(other)) and \(Hex.encode(v.publicKey))")
            }
            groupIDs[v.group] = v.publicKey
            accepted.append((cid, v))
            #if !hasFeature(Embedded)
                // A later refusal names this place from wherever it runs: local paths absolute.
                acceptedFrom.append(path.contains("://") ? path : FileSystem.absolute(path))
            #endif
            origins.append(origin)
        }

        // Segments: each accepted version's, checked to hold only its group's batches, unless a
        // trusted compactor replaced some of them.
        var use: [(CID, voucher: [UInt8])] = []
        var bySegment: [CID: [UInt8]] = [:]
        for (_, v) in accepted {
            for s in v.segments {
                guard let info = segmentInfos[s] else { continue }
                guard info.analyzer == analyzer else {
                    throw IndexError.otherAnalyzer(input: "segment \(s)", found: info.analyzer, expected: analyzer ?? "")
                }
                if let wrong = info.batches.first(where: { $0.group != v.group }) {
                    exclude(.invalid, "group \(v.group): segment \(s) holds batch \(wrong.id) of another group; ignored")
                    continue
                }
                bySegment[s] = v.publicKey
            }
        }
        var replaced = Set<CID>()
        for (c, signer, path) in compactions {
            guard policy.trusts(signer), c.inputs.allSatisfy({ bySegment[$0] != nil }), let info = segmentInfos[c.segment] else {
                if !policy.trusts(signer) {
                    exclude(.untrusted, "compacted segment \(c.segment) in \(path): compactor not trusted; its inputs are used")
                }
                continue
            }
            let inputGroups = Set(c.inputs.flatMap { segmentInfos[$0]?.groups ?? [] })
            guard Set(info.groups).isSubset(of: inputGroups), info.analyzer == analyzer else {
                exclude(.invalid, "compacted segment \(c.segment) in \(path) holds groups its inputs do not; ignored")
                continue
            }
            replaced.formUnion(c.inputs)
            use.append((c.segment, signer))
        }
        for (_, v) in accepted {
            for s in v.segments where bySegment[s] != nil && !replaced.contains(s) { use.append((s, v.publicKey)) }
        }
        if use.isEmpty && !excluded.isEmpty && (policy.trustedKeys != nil || !chosen.isEmpty) {
            throw IndexError.nothingTrusted(reasons: excluded.map { $0.reason })
        }

        // Tree headers of every segment in one batch.
        let headers = use.flatMap { Segment.headers(of: segmentInfos[$0.0]!) }.filter { known[$0] == nil }
        for (c, b) in zip(headers, try store.getMany(headers)) { known[c] = b }
        var segments: [Segment] = []
        for (cid, _) in use { segments.append(try Segment(cid: cid, info: segmentInfos[cid]!, reader: reader, fetched: known)) }

        let view = try IndexView(
            manifests: manifests, versions: accepted, origins: origins, segments: segments, vouchers: use.map { $0.voucher }, excluded: excluded,
            reader: reader, store: union ?? sources[0].store,
            analyzer: analyzer ?? "", union: union)
        #if !hasFeature(Embedded)
            if let seen = policy.seen { try seen.remember(zip(accepted, acceptedFrom).map { ($0.cid, $0.version, $1) }) }
        #endif
        return view
    }

    // MARK: Statistics

    public func averageLength(_ field: Field) -> Double {
        guard documentCount > 0 else { return 1 }
        return max(1, Double(field == .title ? titleLength : bodyLength) / Double(documentCount))
    }

    /// Live documents containing `term` in `field`: counts from internal nodes of every
    /// segment, less the tombstoned documents that have the posting (looked up together);
    /// computed once per view and term.
    public func documentFrequency(_ field: Field, _ term: [UInt8]) throws(ReadFailure) -> UInt64 {
        let key = FrequencyKey(field: field, term: term)
        if let known = frequencies.withLock({ $0[key] }) { return known }
        let df = try countFrequency(field, term)
        frequencies.withLock {
            if $0.count >= IndexView.maxFrequencies { $0.removeAll() }
            $0[key] = df
        }
        return df
    }

    private func countFrequency(_ field: Field, _ term: [UInt8]) throws(ReadFailure) -> UInt64 {
        var total: UInt64 = 0
        for s in segments { total += try s.documentFrequency(field, term) }
        guard !tombstones.isEmpty else { return total }
        // Postings are looked up by key; in format 4, the block that would hold each (its
        // ceiling) is, and searched.
        var lookups = Lookups(), blocks = Lookups()
        var inBlocks: [(at: (request: Int, index: Int), doc: DocRef)] = []
        for d in tombstones.keys {
            guard let s = segment(owning: d) else { continue }
            let key = ShardKeys.posting(field, term, d)
            if s.blockedPostings { inBlocks.append((blocks.add(key, in: s.postings), d)) } else { _ = lookups.add(key, in: s.postings) }
        }
        var found = try Tree.getMany(lookups.requests).reduce(0) { $0 + $1.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
        let ceilings = try Tree.ceilingMany(blocks.requests)
        let prefix = ShardKeys.termPrefix(field, term)
        for (at, d) in inBlocks where PostingBlock.holds(d, prefix: prefix, entry: ceilings[at.request][at.index]) { found += 1 }
        return total > UInt64(found) ? total - UInt64(found) : 0
    }

    // MARK: Reads

    /// Terms of `field` starting with `prefix` in any segment, in order, at most `limit`.
    public func terms(_ field: Field, prefix: [UInt8], limit: Int) throws(ReadFailure) -> [[UInt8]] {
        var all = Set<[UInt8]>()
        for s in segments { all.formUnion(try s.terms(field, prefix: prefix, limit: limit)) }
        return Array(all.sorted { $0.lexicographicallyPrecedes($1) }.prefix(limit))
    }

    public func positions(_ field: Field, _ term: [UInt8], in doc: DocRef) throws(ReadFailure) -> [UInt32] {
        try segment(owning: doc)?.positions(field, term, in: doc) ?? []
    }

    /// Records and texts of several documents at once: every segment's docs tree (and, before
    /// format 3, text tree) descended together, one batch per level (one round trip per level
    /// remotely); then, for records that link a text head (format 3), the heads in one batch,
    /// and the chunks that best hold the query's `terms` (none: chunk 0, in the head) where
    /// that is not chunk 0, in one more. So a text is the
    /// whole text of an older segment's document, else one chunk of it. `recordIDs` go with
    /// `texts`: the record's, or (format 7) its head's. With `heads` false only the texts that
    /// come in the records' batches are read (older segments'); a chunked text stays nil.
    /// Tombstoned documents and documents of no segment in the view come back nil.
    public func recordsAndTexts(
        records: [DocRef], texts: [DocRef], terms: TextChunks.QueryTerms = TextChunks.QueryTerms(), heads: Bool = true
    ) throws(ReadFailure) -> (records: [DocRecord?], texts: [String?], recordIDs: [String?]) {
        var lookups = Lookups()
        func place(_ d: DocRef, _ tree: ShardTree) -> (request: Int, index: Int)? {
            guard isLive(d), let s = segment(owning: d) else { return nil }
            return lookups.add(d.bytes, in: s.tree(tree))
        }
        // A text needs its record (which lists its chunks), read in the same batch.
        var wanted = records
        var recordAt: [DocRef: Int] = [:]
        for (i, d) in records.enumerated() where recordAt[d] == nil { recordAt[d] = i }
        for d in texts where recordAt[d] == nil {
            recordAt[d] = wanted.count
            wanted.append(d)
        }
        let cached: [DocRecord?] = decodedRecords.withLock { c in wanted.map { isLive($0) ? c[$0] : nil } }
        var recordSlots: [(request: Int, index: Int)?] = []
        // `case .none`, not `== nil`: that compiled to DocRecord's == (5 KB of the wasm page).
        for (i, d) in wanted.enumerated() {
            if case .none = cached[i], recordAt[d] == i { recordSlots.append(place(d, .docs)) } else { recordSlots.append(nil) }
        }
        // Older segments' texts are the text tree's values under the DocRef.
        let textSlots = texts.map { d in (segment(owning: d)?.info.formatVersion ?? 3) < 3 ? place(d, .text) : nil }
        let found = lookups.requests.isEmpty ? [] : try Tree.getMany(lookups.requests)
        var recs = [DocRecord?](repeating: nil, count: wanted.count)
        var decoded: [(DocRef, DocRecord)] = []
        for i in wanted.indices {
            if let c = cached[i] {
                recs[i] = c
            } else if let slot = recordSlots[i], let v = found[slot.request][slot.index] {
                let r = try DocRecord(encoded: v)
                recs[i] = r
                decoded.append((wanted[i], r))
            }
        }
        for i in wanted.indices where recordAt[wanted[i]] != i {
            if case .none = recs[i] { recs[i] = recs[recordAt[wanted[i]]!] }
        }
        if !decoded.isEmpty {
            decodedRecords.withLock { c in
                if c.count + decoded.count > IndexView.maxRecords { c.removeAll() }
                for (d, r) in decoded { c[d] = r }
            }
        }
        var txts: [String?] = textSlots.map { $0.flatMap { found[$0.request][$0.index] }.map { String(decoding: $0, as: UTF8.self) } }
        var recordIDs = texts.map { recs[recordAt[$0]!]?.recordID }
        // Chunked texts: the hits' heads in one batch, then the chunks holding the terms that
        // chunk 0 does not hold, in one more.
        let headed = texts.indices.compactMap { i -> (Int, TextChunks.Stored)? in
            guard heads, txts[i] == nil, let head = recs[recordAt[texts[i]]!]?.text else { return nil }
            return (i, head)
        }
        if !headed.isEmpty {
            // Heads and chunks are linked from inside values: ask the host that holds their segment.
            for (i, head) in headed {
                if case .block(let c, _) = head, let s = segment(owning: texts[i]) { union?.follow(c, from: s.cid) }
            }
            let stemmedTerms = terms.forDocument(stemmed: true), allTerms = terms.forDocument(stemmed: false)
            var later: [(Int, TextChunks.Chunk)] = []
            for ((i, link), bytes) in zip(headed, try reader.values(headed.map { $0.1.leafValue })) {
                let head = try TextChunks.Head(encoded: bytes)
                recordIDs[i] = recordIDs[i] ?? head.recordID
                let lang = recs[recordAt[texts[i]]!]?.lang
                let k = head.pick(terms: Analyzer.Stemming(language: lang) == .english ? stemmedTerms : allTerms)
                guard k > 0 else {
                    txts[i] = String(decoding: head.text, as: UTF8.self)
                    continue
                }
                let chunk = head.chunks[k - 1]
                if case .block(let c, _) = chunk.stored, case .block(let h, _) = link { union?.follow(c, from: h) }
                later.append((i, chunk))
            }
            for ((i, chunk), v) in zip(later, try reader.values(later.map { $0.1.stored.leafValue })) {
                txts[i] = String(decoding: try chunk.text(in: v), as: UTF8.self)
            }
        }
        return (Array(recs.prefix(records.count)), txts, recordIDs)
    }

    /// Keys to look up, grouped by tree for `Tree.getMany` (every segment's trees share the
    /// view's reader, so all of them descend together, a level per batch).
    struct Lookups {
        var requests: [(tree: Tree, keys: [[UInt8]])] = []
        private var byTree: [CID: Int] = [:]

        /// Adds `key` to `tree`'s lookups; returns where its value will be in the answer.
        mutating func add(_ key: [UInt8], in tree: Tree) -> (request: Int, index: Int) {
            let r = byTree[tree.headerCID] ?? requests.count
            if r == requests.count {
                byTree[tree.headerCID] = r
                requests.append((tree, []))
            }
            requests[r].keys.append(key)
            return (r, requests[r].keys.count - 1)
        }
    }

    public func documents(_ refs: [DocRef]) throws(ReadFailure) -> [DocRecord?] { try recordsAndTexts(records: refs, texts: []).records }
    /// Texts for snippets: see `recordsAndTexts` (a chunked text's chunk holding `terms`).
    public func texts(_ refs: [DocRef], terms: TextChunks.QueryTerms = TextChunks.QueryTerms()) throws(ReadFailure) -> [String?] {
        try recordsAndTexts(records: [], texts: refs, terms: terms).texts
    }
    public func document(_ doc: DocRef) throws(ReadFailure) -> DocRecord? { try documents([doc])[0] }
    public func text(_ doc: DocRef) throws(ReadFailure) -> String? { try texts([doc])[0] }

    /// Calls `body` for every live document, segment by segment, each in DocRef order.
    public func forEachDocument(_ body: (DocRef, DocRecord) throws(ReadFailure) -> Void) throws(ReadFailure) {
        for s in segments {
            try s.forEachDocument { (ref, r) throws(ReadFailure) in if tombstones[ref] == nil { try body(ref, r) } }
        }
    }

    #if !hasFeature(Embedded)  // copying an index is for the command line
        /// Every block the view's segments reach, its version blocks and the root blocks of its
        /// manifests: what a self-contained index folder must hold.
        public func reachableBlocks(_ visit: (CID, [UInt8]) throws(ReadFailure) -> Void) throws(ReadFailure) {
            var seen = Set<CID>()
            for m in manifests {
                try CAR.reachable(from: m.root, in: store) { c, b in if seen.insert(c).inserted { try visit(c, b) } }
            }
        }
    #endif
}

/// Reads from several stores (the indexes of one view). A block's links are found where the
/// block was (each index folder is self-contained), so every block fetched routes its children
/// to its own store: after the manifests' first batch, nothing is asked of the wrong host.
/// Every block is verified against its CID by the store that returns it.
final class UnionStore: BlockStore {
    let stores: [BlockStore]
    private let route = Mutex<[CID: Int]>([:])
    init(_ stores: [BlockStore]) { self.stores = stores }
    var name: String { stores.map { $0.name }.joined(separator: " + ") }

    func get(_ cid: CID) throws(ReadFailure) -> [UInt8] { try getMany([cid])[0] }

    func getMany(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]] {
        let found = try getPresent(cids)
        if let i = found.firstIndex(where: { $0 == nil }) { throw BlockError.notFound(cid: cids[i], source: name) }
        return found.map { $0! }
    }

    /// Routed blocks from their own store, one batch per store, the stores in parallel (one
    /// round trip); the others from each store in turn, each answering what it holds.
    func getPresent(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]?] {
        var out = [[UInt8]?](repeating: nil, count: cids.count)
        var answeredBy = [Int?](repeating: nil, count: cids.count)
        let known = route.withLock { r in cids.map { r[$0] } }
        let byStore = stores.indices.map { s in cids.indices.filter { known[$0] == s } }
        let results = Mutex<[Int: Result<[[UInt8]?], ReadFailure>]>([:])
        let stores = self.stores
        concurrentlyPerform(iterations: stores.count) { s in
            guard !byStore[s].isEmpty else { return }
            let r = Result { () throws(ReadFailure) in try stores[s].getPresent(byStore[s].map { cids[$0] }) }
            results.withLock { $0[s] = r }
        }
        for (s, r) in results.withLock({ $0 }) {
            for (i, b) in zip(byStore[s], try r.get()) where b != nil {
                out[i] = b
                answeredBy[i] = s
            }
        }
        var missing = cids.indices.filter { out[$0] == nil }
        for (s, store) in stores.enumerated() where !missing.isEmpty {
            for (i, b) in zip(missing, try store.getPresent(missing.map { cids[$0] })) where b != nil {
                out[i] = b
                answeredBy[i] = s
            }
            missing.removeAll { out[$0] != nil }
        }
        for (i, b) in out.enumerated() {
            if let b, let s = answeredBy[i] { learn(cids[i], b, from: s) }
        }
        return out
    }

    /// Routes `cid` to the store `parent` came from (a block linked from inside a value, which
    /// `learn` cannot see), if that is known.
    func follow(_ cid: CID, from parent: CID) {
        route.withLock { r in
            if r[cid] == nil, let s = r[parent] { r[cid] = s }
        }
    }

    /// Routes the links of `bytes` (block `cid`, held by store `s`) to that store.
    func learn(_ cid: CID, _ bytes: [UInt8], from s: Int) {
        guard cid.codec == CID.dagCBOR, let node = try? DagCBOR.decode(bytes) else { return }
        var links: [CID] = []
        node.links(into: &links)
        route.withLock { r in
            r[cid] = r[cid] ?? s
            for c in links where r[c] == nil { r[c] = s }
        }
    }

    func has(_ cid: CID) throws(ReadFailure) -> Bool {
        for s in stores where try s.has(cid) { return true }
        return false
    }
    func holdsLocally(_ cid: CID) -> Bool { stores.contains { $0.holdsLocally(cid) } }
    var fetchesRemotely: Bool { stores.contains { $0.fetchesRemotely } }
    func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure) { throw BlockError.io(path: name, message: "read-only") }
}
