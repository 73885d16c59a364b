import Blocks
import ProllyTree
import Support
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Builds a segment from documents: analysis on the callers' threads, entries into a
/// bounded buffer that spills sorted runs, then one merge of the runs streamed into the four
/// trees. The trees depend only on the documents and their (file, sequence) positions, never
/// on thread count, timing or memory budget.
///
/// Documents are named provisionally by (file index, sequence number in the file) while
/// building; at the end the surviving documents are numbered densely in that order. The
/// renaming keeps key order, so the sorted runs stay sorted.
public final class SegmentBuilder: Sendable {
    public struct Options: Sendable {
        /// Memory for buffered entries before they spill to disk.
        public var memoryBytes: Int
        /// This build's batch number in its group (0 for a first build).
        public var batch: UInt32
        public init(memoryBytes: Int = 512 << 20, batch: UInt32 = 0) {
            self.memoryBytes = memoryBytes
            self.batch = batch
        }
    }

    public struct Summary: Sendable {
        public var documents: UInt64 = 0
        public var terms: UInt64 = 0
        public var postings: UInt64 = 0
        public var blocksWritten = 0
        public var bytesWritten = 0
        public var runs = 0
    }

    /// An input of the build as the manifest lists it.
    public struct SourceFile: Sendable {
        public var name: String
        public var bytes: UInt64
        public init(name: String, bytes: UInt64) {
            self.name = name
            self.bytes = bytes
        }
    }

    /// The segment written (its root block's CID and contents) and the counts of the build.
    public struct Finished: Sendable {
        public var segment: CID
        public var info: SegmentInfo
        public var summary: Summary
    }

    public let directory: String
    public let store: DirectoryStore
    let key: GroupKey
    let analyzer: IndexAnalyzer
    let options: Options
    let scratch: String
    private let state: Mutex<State>

    struct State {
        /// One buffer and one list of spilled runs per tree (`ShardTree` order), so the trees
        /// sort and build in parallel.
        var buffers = SegmentBuilder.buffers()
        var runs: [[String]] = ShardTree.allCases.map { _ in [] }
        var nextRun = 0
        /// Per file, the sequence numbers of documents kept.
        var survivors: [Int: [UInt32]] = [:]
        var bodyLength: UInt64 = 0
        var titleLength: UInt64 = 0
        var documents: UInt64 = 0
    }

    public init(directory: String, key: GroupKey, analyzer: IndexAnalyzer, options: Options = Options()) throws {
        self.directory = directory
        self.key = key
        self.analyzer = analyzer
        self.options = options
        store = try DirectoryStore(root: directory)
        scratch = directory + "/.build-\(getpid())"
        try FileSystem.makeDirectories(scratch)
        state = Mutex(State())
    }

    static func buffers() -> [RunBuffer] { ShardTree.allCases.map { _ in RunBuffer() } }

    /// Removes the scratch files of a build that will not finish (`finish` removes its own), so a
    /// failed build leaves no run files in the output folder.
    public func discard() {
        _ = try? FileSystem.removeTree(scratch)
    }

    /// Provisional name of document `seq` of file `file`: 8 big-endian bytes.
    static func provisional(_ file: Int, _ seq: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        DocRef.append(UInt32(file), &out)
        DocRef.append(seq, &out)
        return out
    }

    /// A document analyzed into run entries, not yet numbered. Making one is the expensive
    /// part of adding a document and is safe on any thread.
    public struct Analyzed: @unchecked Sendable {
        /// Entries per tree, indexed by `ShardTree` order.
        let entries: [RunBuffer]
        let bodyLength: UInt32
        let titleLength: UInt32
    }

    public func analyze(_ doc: IndexDocument) -> Analyzed {
        let terms = DocumentTerms(doc, analyzer: analyzer)
        let id = [UInt8](repeating: 0, count: 8)  // patched by `add`
        var record = DocRecord(
            url: doc.url, title: doc.title, date: doc.date, lang: doc.lang, mime: doc.mime,
            bodyLength: terms.bodyLength, titleLength: terms.titleLength,
            digest: doc.digest, source: doc.source, recordID: doc.recordID, parent: doc.parent,
            tags: doc.tags, mentions: doc.mentions)
        record.author = doc.author
        record.authorName = doc.authorName
        let local = SegmentBuilder.buffers()
        func buffer(_ tree: ShardTree) -> RunBuffer { local[tree.index] }
        let postings = buffer(.postings), positions = buffer(.positions)
        for e in terms.entries {
            var k = ShardKeys.termPrefix(e.field, e.term)
            k.append(contentsOf: id)
            postings.append(key: k, value: PostingValue(tf: e.tf, lengthCode: e.lengthCode).encoded)
            if !e.positions.isEmpty { positions.append(key: k, value: PositionList.encode(e.positions)) }
        }
        buffer(.docs).append(key: id, value: record.encoded)
        buffer(.text).append(key: id, value: Array(doc.text.utf8))
        return Analyzed(entries: local, bodyLength: terms.bodyLength, titleLength: terms.titleLength)
    }

    /// Adds one document. Thread-safe; analysis runs on the calling thread.
    public func add(_ doc: IndexDocument, file: Int, seq: UInt32) throws {
        try add(analyze(doc), file: file, seq: seq)
    }

    /// Adds an analyzed document as number `seq` of file `file` (its place in the output
    /// order). Thread-safe and cheap: the entries are renamed and moved into the buffer.
    public func add(_ analyzed: Analyzed, file: Int, seq: UInt32) throws {
        let id = SegmentBuilder.provisional(file, seq)
        for b in analyzed.entries { b.patchKeySuffixes(id) }
        let full: [RunBuffer]? = state.withLock { s in
            var total = 0
            for (i, b) in analyzed.entries.enumerated() {
                s.buffers[i].absorb(b)
                total += s.buffers[i].byteCount
            }
            s.survivors[file, default: []].append(seq)
            s.documents += 1
            s.bodyLength += UInt64(analyzed.bodyLength)
            s.titleLength += UInt64(analyzed.titleLength)
            // Two sets of buffers may exist at once (one spilling), so each gets half the budget.
            guard total > options.memoryBytes / 2 else { return nil }
            let b = s.buffers
            s.buffers = SegmentBuilder.buffers()
            return b
        }
        if let full { try spill(full) }
    }

    /// Sorts and writes one run per tree, the trees in parallel.
    private func spill(_ buffers: [RunBuffer]) throws {
        let n = state.withLock { s -> Int in
            s.nextRun += 1; return s.nextRun
        }
        let paths = buffers.indices.map { scratch + "/run-\(n)-\($0)" }
        let errors = Mutex<[Error]>([])
        concurrentlyPerform(iterations: buffers.count) { t in
            guard !buffers[t].isEmpty else { return }
            do { try buffers[t].spill(to: paths[t]) } catch { errors.withLock { $0.append(error) } }
        }
        if let e = errors.withLock({ $0.first }) { throw e }
        state.withLock { s in
            for t in paths.indices where FileSystem.exists(paths[t]) { s.runs[t].append(paths[t]) }
        }
    }

    /// Merges the runs into the trees, writes the segment's root block (with `tombstones`, the
    /// earlier documents this batch removes) and removes the scratch files. `sources` are the
    /// inputs in file-index order. The caller lists the segment in a signed version.
    public func finish(sources: [SourceFile], tombstones: [SegmentInfo.Tombstone] = []) throws -> Finished {
        let (rest, runs, survivors, totals) = state.withLock { s in
            let b = s.buffers
            s.buffers = SegmentBuilder.buffers()
            return (b, s.runs, s.survivors, (s.documents, s.bodyLength, s.titleLength))
        }
        defer { _ = try? FileSystem.removeTree(scratch) }

        // Dense ordinals in (file, sequence) order.
        var base: [Int: UInt32] = [:]
        var sorted: [Int: [UInt32]] = [:]
        var next: UInt32 = 0
        for file in survivors.keys.sorted() {
            let seqs = survivors[file]!.sorted()
            sorted[file] = seqs
            base[file] = next
            next += UInt32(seqs.count)
        }
        let group = key.group
        let batch = options.batch
        let ordinals = sorted, bases = base
        @Sendable func docRef(_ provisional: ArraySlice<UInt8>) -> DocRef {
            let a = Array(provisional)
            let file = Int(DocRef.readUInt32(a, 0)), seq = DocRef.readUInt32(a, 4)
            let seqs = ordinals[file]!
            var lo = 0, hi = seqs.count
            while lo < hi { let m = (lo + hi) / 2; if seqs[m] < seq { lo = m + 1 } else { hi = m } }
            return DocRef(group: group, batch: batch, ordinal: bases[file]! + UInt32(lo))
        }

        // Each tree merges its runs and its in-memory remainder, the trees in parallel.
        struct Built { var root: CID; var blocks: Int; var bytes: Int; var postings: UInt64; var terms: UInt64 }
        let trees = ShardTree.allCases
        let results = Mutex<[Int: Built]>([:])
        let errors = Mutex<[Error]>([])
        let store = self.store
        concurrentlyPerform(iterations: trees.count) { t in
            do {
                var sources: [SortedSource] = try runs[t].map { try RunReader(path: $0) }
                if !rest[t].isEmpty { sources.append(try BufferSource(rest[t])) }
                var merger = RunMerger(sources)
                let builder = try TreeBuilder(
                    reader: NodeReader(store: store, cacheNodes: 64),
                    params: trees[t].parameters, aggregator: trees[t].aggregator)
                var postings: UInt64 = 0, terms: UInt64 = 0
                var previousTerm: ArraySlice<UInt8>? = nil
                while let (k, v) = try merger.nextEntry() {
                    let idStart = k.endIndex - 8
                    var finalKey = Array(k[..<idStart])
                    docRef(k[idStart...]).append(to: &finalKey)
                    try builder.add(key: finalKey, value: v)
                    if trees[t] == .postings {
                        postings += 1
                        let term = k[..<idStart]
                        if previousTerm != term { terms += 1; previousTerm = term }
                    }
                }
                let tree = try builder.finish()
                results.withLock {
                    $0[t] = Built(
                        root: tree.headerCID, blocks: builder.stats.blocksWritten,
                        bytes: builder.stats.bytesWritten, postings: postings, terms: terms)
                }
            } catch {
                errors.withLock { $0.append(error) }
            }
        }
        if let e = errors.withLock({ $0.first }) { throw e }
        let built = results.withLock { $0 }
        var summary = Summary()
        summary.runs = runs.map(\.count).max() ?? 0
        summary.documents = totals.0
        var roots: [String: CID] = [:]
        for t in trees.indices {
            let b = built[t]!  // every iteration stored a result or an error
            roots[trees[t].name] = b.root
            summary.blocksWritten += b.blocks
            summary.bytesWritten += b.bytes
            summary.postings += b.postings
            summary.terms += b.terms
        }

        let info = SegmentInfo(
            analyzer: analyzer.identifier, trees: roots, documents: totals.0, bodyLength: totals.1, titleLength: totals.2,
            batches: [
                .init(
                    group: group, batch: options.batch, documents: totals.0,
                    sources: sources.enumerated().map { i, s in
                        .init(name: s.name, bytes: s.bytes, documents: UInt64(sorted[i]?.count ?? 0))
                    })
            ],
            tombstones: tombstones.sorted { $0.doc < $1.doc })
        let segment = try store.put(info.cbor.encode())
        return Finished(segment: segment, info: info, summary: summary)
    }
}
