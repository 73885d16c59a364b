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
        /// Threads of the finish phase, which splits each tree into key ranges built in
        /// parallel (the trees come out the same for any value).
        public var threads: Int
        /// About how many bytes of entries one key range of a tree holds in the finish phase.
        public var rangeBytes: Int
        public init(memoryBytes: Int = 512 << 20, batch: UInt32 = 0, threads: Int = processorCount, rangeBytes: Int = 16 << 20) {
            self.memoryBytes = memoryBytes
            self.batch = batch
            self.threads = max(1, threads)
            self.rangeBytes = max(1, rangeBytes)
        }
    }

    public struct Summary: Sendable {
        public var documents: UInt64 = 0
        public var terms: UInt64 = 0
        public var postings: UInt64 = 0
        public var blocksWritten = 0
        public var bytesWritten = 0
        public var runs = 0
        /// Key ranges the finish phase built, over all trees.
        public var ranges = 0
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
    /// Encodes the text chunks' blocks on the analysis threads.
    private let chunkEncoder = ValueBlockEncoder(params: ShardTree.text.parameters)
    /// Text chunk blocks the analysis threads wrote.
    private let chunkBlocks = Atomic<Int>(0)
    private let chunkBytes = Atomic<Int>(0)

    struct State {
        /// One buffer and one list of spilled runs per tree (`ShardTree` order), so the trees
        /// sort and build in parallel.
        var buffers = SegmentBuilder.buffers()
        var runs: [[RunFile]] = ShardTree.allCases.map { _ in [] }
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

    public func analyze(_ doc: IndexDocument) throws -> Analyzed {
        let utf8 = Array(doc.text.utf8)
        let pieces = TextChunks.cut(utf8)
        let terms = DocumentTerms(doc, analyzer: analyzer, utf8: utf8, chunks: pieces)
        let id = [UInt8](repeating: 0, count: 8)  // patched by `add`
        var record = DocRecord(
            url: doc.url, title: doc.title, date: doc.date, lang: doc.lang, mime: doc.mime,
            bodyLength: terms.bodyLength, titleLength: terms.titleLength,
            digest: DocRecord.digestKey(doc.digest), source: doc.source, parent: doc.parent,
            tags: doc.tags, mentions: doc.mentions)
        record.author = doc.author
        record.authorName = doc.authorName
        let local = SegmentBuilder.buffers()
        func buffer(_ tree: ShardTree) -> RunBuffer { local[tree.index] }
        let postings = buffer(.postings), positions = buffer(.positions)
        // Keys as `ShardKeys.termPrefix(field, term) ‖ id`, made in one scratch array per
        // document and copied into the buffers with their values.
        var key: [UInt8] = [], value: [UInt8] = []
        key.reserveCapacity(80)
        value.reserveCapacity(64)
        terms.termBytes.withUnsafeBufferPointer { termBytes in
            for e in terms.entries {
                key.removeAll(keepingCapacity: true)
                ShardKeys.appendTermPrefix(e.field, UnsafeBufferPointer(rebasing: termBytes[e.term]), to: &key)
                key.append(contentsOf: id)
                value.removeAll(keepingCapacity: true)
                PostingValue(tf: e.tf, lengthCode: e.lengthCode).append(to: &value)
                postings.append(key: key, value: value)
                if !e.positions.isEmpty {
                    value.removeAll(keepingCapacity: true)
                    PositionList.append(terms.positions[e.positions], to: &value)
                    positions.append(key: key, value: value)
                }
            }
        }
        // The text in chunks: each long value stored now as the text tree's value block (the tree
        // links it without compressing it again); chunk 0 with the later chunks' links and
        // signatures is the head, under number 0, which the record links.
        let signatures = TextChunks.signatures(terms.chunkTerms)
        let inlineLimit = ShardTree.text.parameters.inlineLimit
        func store(_ value: [UInt8]) throws -> TextChunks.Stored {
            guard value.count > inlineLimit else { return .inline(value) }
            let (cid, block) = try chunkEncoder.encode(value)
            try self.store.put(block, cid: cid)
            chunkBlocks.add(1, ordering: .relaxed)
            chunkBytes.add(block.count, ordering: .relaxed)
            return .block(cid, length: value.count)
        }
        func addText(_ i: Int, _ stored: TextChunks.Stored) {
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: id)
            key.append(UInt8(i >> 8))
            key.append(UInt8(i & 0xff))
            value.removeAll(keepingCapacity: true)
            TextRunValue.append(stored, to: &value)
            buffer(.text).append(key: key, value: value)
        }
        // Later chunks in groups (format 6): a group's text is one value under its number; a
        // chunk of a group of several is its range there. Such a group is always a block: a
        // later chunk is at least 512 bytes (`cut`), over the inline limit.
        var later: [TextChunks.Chunk] = []
        for (g, group) in TextChunks.groups(pieces).enumerated() {
            let start = pieces[group.lowerBound].lowerBound
            let stored = try store(Array(utf8[start..<pieces[group.upperBound - 1].upperBound]))
            for i in group {
                let range = group.count == 1 ? nil : (pieces[i].lowerBound - start)..<(pieces[i].upperBound - start)
                later.append(TextChunks.Chunk(stored: stored, range: range, signature: signatures[i - 1]))
            }
            addText(g + 1, stored)
        }
        // The record ID goes in the head (format 7) only when the head is a block of its own: a
        // head short enough to be inline is part of the record anyway, and the ID would push it
        // out into a block, one more fetch for a short document's snippet.
        var headValue = TextChunks.Head(text: Array(utf8[pieces[0]]), chunks: later)
        var encoded = headValue.encoded
        if encoded.count <= inlineLimit {
            record.recordID = doc.recordID
        } else if let recordID = doc.recordID {
            headValue.recordID = recordID
            encoded = headValue.encoded
        }
        let head = try store(encoded)
        addText(0, head)
        record.text = head
        buffer(.docs).append(key: id, value: record.encoded)
        return Analyzed(entries: local, bodyLength: terms.bodyLength, titleLength: terms.titleLength)
    }

    /// Adds one document. Thread-safe; analysis runs on the calling thread.
    public func add(_ doc: IndexDocument, file: Int, seq: UInt32) throws {
        try add(try analyze(doc), file: file, seq: seq)
    }

    /// Adds an analyzed document as number `seq` of file `file` (its place in the output
    /// order). Thread-safe and cheap: the entries are renamed and moved into the buffer.
    public func add(_ analyzed: Analyzed, file: Int, seq: UInt32) throws {
        let id = SegmentBuilder.provisional(file, seq)
        for (t, b) in analyzed.entries.enumerated() { b.patchKeySuffixes(id, trailing: ShardTree.allCases[t].keyTrailer) }
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
        let written = Mutex<[Int: RunFile]>([:])
        concurrentlyPerform(iterations: buffers.count, width: options.threads) { t in
            guard !buffers[t].isEmpty else { return }
            do {
                let run = try buffers[t].spill(to: paths[t])
                written.withLock { $0[t] = run }
            } catch { errors.withLock { $0.append(error) } }
        }
        if let e = errors.withLock({ $0.first }) { throw e }
        let runs = written.withLock { $0 }
        state.withLock { s in
            for (t, run) in runs.sorted(by: { $0.key < $1.key }) { s.runs[t].append(run) }
        }
    }

    /// Merges the runs into the trees, writes the segment's root block (with `tombstones`, the
    /// earlier documents this batch removes) and removes the scratch files. `sources` are the
    /// inputs in file-index order. The caller lists the segment in a signed version.
    /// `progress` is called from the finish's threads with the bytes of entries merged so far
    /// and in all.
    public func finish(
        sources: [SourceFile], tombstones: [SegmentInfo.Tombstone] = [],
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> Finished {
        let (rest, runs, survivors, totals) = state.withLock { s in
            let b = s.buffers
            s.buffers = SegmentBuilder.buffers()
            return (b, s.runs, s.survivors, (s.documents, s.bodyLength, s.titleLength))
        }
        defer { _ = try? FileSystem.removeTree(scratch) }

        // Dense ordinals in (file, sequence) order; a key's provisional name becomes
        // group ‖ batch (the same 12 bytes for every key) ‖ ordinal.
        let ordinals = Ordinals(survivors)
        let group = key.group
        let refPrefix = BatchID(group: group, batch: options.batch).prefix

        // Each tree is cut into key ranges of about `rangeBytes`; every range merges its part
        // of the runs and of the in-memory remainder into leaves, on all threads; then each
        // tree's ranges are stitched (`RangeLeaves`: the same tree as one sequential build).
        let trees = ShardTree.allCases
        let width = options.threads
        concurrentlyPerform(iterations: trees.count, width: width) { rest[$0].sort() }
        let splits = trees.indices.map { t in
            // Postings and positions ranges start at a term, so a term's postings are cut into
            // blocks by one range, from its first.
            SegmentBuilder.splitKeys(
                runs[t], rest[t], rangeBytes: options.rangeBytes, maxRanges: width == 1 ? 1 : 4 * width, atTerms: trees[t].isBlocked)
        }
        struct Task { var tree: Int; var range: Int; var lower: [UInt8]?; var upper: [UInt8]?; var bytes: Int }
        var tasks: [Task] = []
        var total = 0
        for t in trees.indices {
            let bytes = runs[t].reduce(rest[t].payloadBytes) { $0 + $1.payloadBytes }
            total += bytes
            let bounds: [[UInt8]?] = [nil] + splits[t] + [nil]
            for r in 0..<bounds.count - 1 {
                tasks.append(Task(tree: t, range: r, lower: bounds[r], upper: bounds[r + 1], bytes: bytes / (bounds.count - 1)))
            }
        }
        tasks.sort { $0.bytes > $1.bytes }  // the largest first, so no long range starts last

        struct Built: Sendable { var leaves: RangeLeaves; var postings: UInt64; var terms: UInt64; var firstTerm: [UInt8]?; var lastTerm: [UInt8]? }
        let built = Mutex<[Int: Built]>([:])
        let errors = Mutex<[Error]>([])
        let merged = Atomic<Int>(0)
        let store = self.store
        let tasksToRun = tasks, totalBytes = total
        // The readers of the ranges being merged share the half of the budget that the
        // second set of buffers held while reading (1 MiB each at most, 64 KiB at least).
        let openReaders = width * (runs.map(\.count).max() ?? 0)
        let readerBytes = min(1 << 20, max(64 << 10, options.memoryBytes / 2 / max(1, openReaders)))
        concurrentlyPerform(iterations: tasksToRun.count, width: width) { i in
            let task = tasksToRun[i], tree = trees[task.tree]
            do {
                var sources: [SortedSource] = try runs[task.tree].map { run in
                    let reader = try RunReader(
                        path: run.path, offset: task.lower.map(run.offset(from:)) ?? 0, bufferBytes: readerBytes)
                    return try KeyRangeSource(reader, lower: task.lower, upper: task.upper)
                }
                let remainder = rest[task.tree]
                if !remainder.isEmpty {
                    let lo = task.lower.map(remainder.lowerBound) ?? 0
                    let hi = task.upper.map(remainder.lowerBound) ?? remainder.count
                    if lo < hi { sources.append(try BufferSource(remainder, range: lo..<hi)) }
                }
                var merger = RunMerger(sources)
                let leaves = try RangeLeaves(
                    reader: NodeReader(store: store, cacheBytes: 4 << 20), params: tree.parameters, aggregator: tree.aggregator,
                    first: task.range == 0)
                var result = Built(leaves: leaves, postings: 0, terms: 0)
                var unreported = 0
                let trailer = tree.keyTrailer
                var blocker = PostingBlocker()
                var positionBlocker = PositionBlocker()
                var finalKey: [UInt8] = []
                try refPrefix.withUnsafeBytes { batch in
                    // Entries are read in place, where the runs' buffers hold them.
                    while let (k, v) = merger.current {
                        let idStart = k.count - 8 - trailer
                        let ordinal = ordinals.ordinal(provisional: k, at: idStart)
                        let head = UnsafeRawBufferPointer(rebasing: k[..<idStart])  // the key before its provisional name
                        switch tree {
                        // Postings and positions go to their blockers in parts: no key is made.
                        case .postings:
                            guard let posting = PostingValue(v) else { throw IndexError.corrupt("malformed posting in a sorted run") }
                            try blocker.add(term: head, batch: batch, ordinal: ordinal, tf: posting.tf, lengthCode: posting.lengthCode) {
                                try leaves.add(key: $0, value: $1)
                            }
                            result.postings += 1
                            if result.lastTerm.map({ !$0.elementsEqual(head) }) ?? true {
                                result.terms += 1
                                result.lastTerm = Array(head)
                                if result.firstTerm == nil { result.firstTerm = result.lastTerm }
                            }
                        case .positions:
                            try positionBlocker.add(term: head, batch: batch, ordinal: ordinal, list: v) { try leaves.add(key: $0, value: $1) }
                        case .docs, .text:
                            // The key's final bytes: head, then the DocRef, then the trailer.
                            finalKey.removeAll(keepingCapacity: true)
                            finalKey.append(contentsOf: head)
                            finalKey.append(contentsOf: batch)
                            DocRef.append(ordinal, &finalKey)
                            if trailer > 0 { finalKey.append(contentsOf: UnsafeRawBufferPointer(rebasing: k[(k.count - trailer)...])) }
                            if tree == .text {
                                switch try TextRunValue.decode(v) {
                                case .block(let cid, let length): try leaves.add(key: finalKey, blob: cid, length: length)
                                case .inline(let bytes): try leaves.add(key: finalKey, value: bytes)
                                }
                            } else {
                                try leaves.add(key: finalKey, value: Array(v))
                            }
                        }
                        unreported += k.count + v.count
                        if unreported >= 1 << 20, let progress {
                            progress(merged.add(unreported, ordering: .relaxed).newValue, totalBytes)
                            unreported = 0
                        }
                        try merger.advance()
                    }
                }
                try blocker.flush { try leaves.add(key: $0, value: $1) }
                try positionBlocker.flush { try leaves.add(key: $0, value: $1) }
                let done = merged.add(unreported, ordering: .relaxed).newValue
                built.withLock { $0[i] = result }
                progress?(done, totalBytes)  // the last range's call reports every entry merged
            } catch {
                errors.withLock { $0.append(error) }
            }
        }
        if let e = errors.withLock({ $0.first }) { throw e }
        let ranges = built.withLock { $0 }

        struct Stitched { var root: CID; var blocks: Int; var bytes: Int }
        let stitched = Mutex<[Int: Stitched]>([:])
        concurrentlyPerform(iterations: trees.count, width: width) { t in
            do {
                let parts = tasksToRun.indices.filter { tasksToRun[$0].tree == t }.sorted { tasksToRun[$0].range < tasksToRun[$1].range }
                let s = try RangeLeaves.stitch(parts.map { ranges[$0]!.leaves }, reader: NodeReader(store: store, cacheBytes: 4 << 20))
                for orphan in s.orphans { try FileSystem.removeTree(store.path(of: orphan)) }
                stitched.withLock { $0[t] = Stitched(root: s.tree.headerCID, blocks: s.blocksWritten, bytes: s.bytesWritten) }
            } catch {
                errors.withLock { $0.append(error) }
            }
        }
        if let e = errors.withLock({ $0.first }) { throw e }
        let treesBuilt = stitched.withLock { $0 }
        var summary = Summary()
        summary.runs = runs.map(\.count).max() ?? 0
        summary.ranges = tasksToRun.count
        summary.documents = totals.0
        var roots: [String: CID] = [:]
        for t in trees.indices {
            let b = treesBuilt[t]!  // every iteration stored a result or an error
            roots[trees[t].name] = b.root
            summary.blocksWritten += b.blocks
            summary.bytesWritten += b.bytes
        }
        summary.blocksWritten += chunkBlocks.load(ordering: .relaxed)
        summary.bytesWritten += chunkBytes.load(ordering: .relaxed)
        // A term whose postings span two ranges was counted in both.
        var previousLast: [UInt8]? = nil
        for i in tasksToRun.indices.filter({ trees[tasksToRun[$0].tree] == .postings }).sorted(by: { tasksToRun[$0].range < tasksToRun[$1].range }) {
            let r = ranges[i]!
            summary.postings += r.postings
            summary.terms += r.terms
            guard r.postings > 0 else { continue }
            if previousLast != nil && previousLast == r.firstTerm { summary.terms -= 1 }
            previousLast = r.lastTerm
        }

        let info = SegmentInfo(
            analyzer: analyzer.identifier, trees: roots, documents: totals.0, bodyLength: totals.1, titleLength: totals.2,
            batches: [
                .init(
                    group: group, batch: options.batch, documents: totals.0,
                    sources: sources.enumerated().map { i, s in
                        .init(name: s.name, bytes: s.bytes, documents: UInt64(survivors[i]?.count ?? 0))
                    })
            ],
            tombstones: tombstones.sorted { $0.doc < $1.doc })
        let segment = try store.put(info.cbor.encode())
        return Finished(segment: segment, info: info, summary: summary)
    }

    /// Keys that cut a tree's entries (its runs and its sorted in-memory remainder) into
    /// about `rangeBytes` each, at most `maxRanges` ranges; strictly increasing. `atTerms`: each
    /// key is a sample's term prefix (the key less its 8-byte provisional name), so a term never
    /// spans two ranges.
    static func splitKeys(_ runs: [RunFile], _ rest: RunBuffer, rangeBytes: Int, maxRanges: Int, atTerms: Bool = false) -> [[UInt8]] {
        let bytes = runs.reduce(rest.payloadBytes) { $0 + $1.payloadBytes }
        let count = min(maxRanges, bytes / rangeBytes)
        guard count > 1 else { return [] }
        // Each sample stands for about `RunFile.sampleEvery` bytes of entries.
        var samples = runs.flatMap { $0.samples.map(\.key) }
        if !rest.isEmpty {
            samples += rest.sampleKeys(every: rest.count * RunFile.sampleEvery / max(1, rest.payloadBytes))
        }
        samples.sort { $0.lexicographicallyPrecedes($1) }
        var keys: [[UInt8]] = []
        for i in 1..<count {
            let sample = samples[i * samples.count / count]
            let k = atTerms ? Array(sample.dropLast(8)) : sample
            if keys.last.map({ $0.lexicographicallyPrecedes(k) }) ?? true { keys.append(k) }
        }
        return keys
    }
}

/// A text tree entry in a build's runs: the chunk inline (tag 0), or the link to the block
/// analysis already stored (tag 1, the CID's bytes and the text's length as a varint).
enum TextRunValue {
    static func append(_ stored: TextChunks.Stored, to out: inout [UInt8]) {
        switch stored {
        case .inline(let b):
            out.append(0)
            out.append(contentsOf: b)
        case .block(let cid, let n):
            out.append(1)
            out.append(contentsOf: cid.bytes)
            Varint.append(UInt64(n), to: &out)
        }
    }

    static func decode(_ v: UnsafeRawBufferPointer) throws -> TextChunks.Stored {
        guard let tag = v.first else { throw IndexError.corrupt("empty text run entry") }
        if tag == 0 { return .inline(Array(v[1...])) }
        let bytes = Array(v)  // a CID and a varint: short
        var o = 1
        guard tag == 1, let cid = CID.parse(bytes, &o), let n = Varint.read(bytes, &o), o == bytes.count else {
            throw IndexError.corrupt("malformed text run entry")
        }
        return .block(cid, length: Int(n))
    }
}

/// The dense ordinals of a build's documents: the kept documents numbered in (file, sequence)
/// order. A file whose kept sequence numbers are 0, 1, 2, … (every `IndexBuild` file: it numbers
/// the documents it adds) maps by addition; any other by a binary search of its numbers.
struct Ordinals: Sendable {
    /// By file: the ordinal of its first kept document.
    private var bases: [UInt32] = []
    /// By file: its kept sequence numbers sorted, or empty when they are 0..<count.
    private var sequences: [[UInt32]] = []
    /// By file: whether `sequences` is empty (checked per entry without touching the array's
    /// reference count).
    private var dense: [Bool] = []

    init(_ survivors: [Int: [UInt32]]) {
        let files = (survivors.keys.max() ?? -1) + 1
        bases = [UInt32](repeating: 0, count: files)
        sequences = [[UInt32]](repeating: [], count: files)
        var next: UInt32 = 0
        for file in 0..<files {
            let seqs = (survivors[file] ?? []).sorted()
            bases[file] = next
            next += UInt32(seqs.count)
            if seqs.last.map({ Int($0) != seqs.count - 1 }) ?? false { sequences[file] = seqs }
        }
        dense = sequences.map(\.isEmpty)
    }

    /// The ordinal of the provisional name (file ‖ sequence, 8 bytes big-endian) at `offset`.
    func ordinal(provisional key: [UInt8], at offset: Int) -> UInt32 {
        key.withUnsafeBytes { ordinal(provisional: $0, at: offset) }
    }

    func ordinal(provisional key: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        let file = Int(DocRef.readUInt32(key, offset)), seq = DocRef.readUInt32(key, offset + 4)
        if dense[file] { return bases[file] + seq }
        let seqs = sequences[file]
        var lo = 0, hi = seqs.count
        while lo < hi {
            let m = (lo + hi) / 2
            if seqs[m] < seq { lo = m + 1 } else { hi = m }
        }
        return bases[file] + UInt32(lo)
    }
}
