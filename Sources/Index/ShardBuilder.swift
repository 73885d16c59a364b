#if canImport(Glibc)
import Glibc
#endif
import Blocks
import ProllyTree
import Synchronization

/// Builds a signed shard from documents: analysis on the callers' threads, entries into a
/// bounded buffer that spills sorted runs, then one merge of the runs streamed into the four
/// trees. The trees depend only on the documents and their (file, sequence) positions, never
/// on thread count, timing or memory budget.
///
/// Documents are named provisionally by (file index, sequence number in the file) while
/// building; at the end the surviving documents are numbered densely in that order. The
/// renaming keeps key order, so the sorted runs stay sorted.
public final class ShardBuilder: Sendable {
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

    enum Tree: UInt8 { case postings = 1, positions, docs, text }

    public let directory: String
    public let store: DirectoryStore
    let key: GroupKey
    let analyzer: TermAnalyzer
    let options: Options
    let scratch: String
    private let state: Mutex<State>

    struct State {
        var buffer = RunBuffer()
        var runs: [String] = []
        var nextRun = 0
        /// Per file, the sequence numbers of documents kept.
        var survivors: [Int: [UInt32]] = [:]
        var bodyLength: UInt64 = 0
        var titleLength: UInt64 = 0
        var documents: UInt64 = 0
    }

    public init(directory: String, key: GroupKey, analyzer: TermAnalyzer, options: Options = Options()) throws {
        self.directory = directory
        self.key = key
        self.analyzer = analyzer
        self.options = options
        store = try DirectoryStore(root: directory)
        scratch = directory + "/.build-\(getpid())"
        try FileSystem.makeDirectories(scratch)
        state = Mutex(State())
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
        let entries: RunBuffer
        let bodyLength: UInt32
        let titleLength: UInt32
    }

    public func analyze(_ doc: IndexDocument) -> Analyzed {
        let terms = DocumentTerms(doc, analyzer: analyzer)
        let id = [UInt8](repeating: 0, count: 8)   // patched by `add`
        let record = DocRecord(url: doc.url, title: doc.title, date: doc.date, lang: doc.lang, mime: doc.mime,
                               bodyLength: terms.bodyLength, titleLength: terms.titleLength,
                               digest: doc.digest, source: doc.source, parent: doc.parent,
                               tags: doc.tags, mentions: doc.mentions)
        let local = RunBuffer()
        for e in terms.entries {
            var k: [UInt8] = [Tree.postings.rawValue]
            k.append(contentsOf: ShardKeys.termPrefix(e.field, e.term))
            k.append(contentsOf: id)
            local.append(key: k, value: PostingValue(tf: e.tf, lengthCode: e.lengthCode).encoded)
            if !e.positions.isEmpty {
                k[0] = Tree.positions.rawValue
                local.append(key: k, value: PositionList.encode(e.positions))
            }
        }
        local.append(key: [Tree.docs.rawValue] + id, value: record.encoded)
        local.append(key: [Tree.text.rawValue] + id, value: Array(doc.text.utf8))
        return Analyzed(entries: local, bodyLength: terms.bodyLength, titleLength: terms.titleLength)
    }

    /// Adds one document. Thread-safe; analysis runs on the calling thread.
    public func add(_ doc: IndexDocument, file: Int, seq: UInt32) throws {
        try add(analyze(doc), file: file, seq: seq)
    }

    /// Adds an analyzed document as number `seq` of file `file` (its place in the output
    /// order). Thread-safe and cheap: the entries are renamed and moved into the buffer.
    public func add(_ analyzed: Analyzed, file: Int, seq: UInt32) throws {
        analyzed.entries.patchKeySuffixes(ShardBuilder.provisional(file, seq))
        let full: RunBuffer? = state.withLock { s in
            s.buffer.absorb(analyzed.entries)
            s.survivors[file, default: []].append(seq)
            s.documents += 1
            s.bodyLength += UInt64(analyzed.bodyLength)
            s.titleLength += UInt64(analyzed.titleLength)
            // Two buffers may exist at once (one spilling), so each gets half the budget.
            guard s.buffer.byteCount > options.memoryBytes / 2 else { return nil }
            let b = s.buffer
            s.buffer = RunBuffer()
            return b
        }
        if let full { try spill(full) }
    }

    private func spill(_ buffer: RunBuffer) throws {
        let n = state.withLock { s -> Int in s.nextRun += 1; return s.nextRun }
        let path = scratch + "/run-\(n)"
        try buffer.spill(to: path)
        state.withLock { $0.runs.append(path) }
    }

    /// Merges the runs into the trees, writes the root block and the signed manifest (last,
    /// atomically), and removes the scratch files. `sources` are the inputs in file-index order.
    public func finish(sources: [(name: String, bytes: UInt64)], created: String) throws -> (Manifest, Summary) {
        let (rest, runs, survivors, totals) = state.withLock { s in
            let b = s.buffer
            s.buffer = RunBuffer()
            return (b, s.runs, s.survivors, (s.documents, s.bodyLength, s.titleLength))
        }
        var runPaths = runs
        if !rest.isEmpty {
            let path = scratch + "/run-last"
            try rest.spill(to: path)
            runPaths.append(path)
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
        func docRef(_ provisional: ArraySlice<UInt8>) -> DocRef {
            let a = Array(provisional)
            let file = Int(DocRef.readUInt32(a, 0)), seq = DocRef.readUInt32(a, 4)
            let seqs = sorted[file]!
            var lo = 0, hi = seqs.count
            while lo < hi { let m = (lo + hi) / 2; if seqs[m] < seq { lo = m + 1 } else { hi = m } }
            return DocRef(group: group, batch: options.batch, ordinal: base[file]! + UInt32(lo))
        }

        var summary = Summary()
        summary.runs = runPaths.count
        summary.documents = totals.0
        var merger = try RunMerger(paths: runPaths)
        var roots: [String: CID] = [:]
        var pending = try merger.nextEntry()
        let reader = NodeReader(store: store, cacheNodes: 64)
        for (tree, name) in [(Tree.postings, "postings"), (.positions, "positions"), (.docs, "docs"), (.text, "text")] {
            let builder = try TreeBuilder(reader: reader, params: ShardTrees.parameters(name), aggregator: ShardTrees.aggregator(name))
            var previousTerm: ArraySlice<UInt8>? = nil
            while let (k, v) = pending, k.first == tree.rawValue {
                let body = k.dropFirst()
                let idStart = body.endIndex - 8
                var finalKey = Array(body[..<idStart])
                docRef(body[idStart...]).append(to: &finalKey)
                try builder.add(key: finalKey, value: v)
                if tree == .postings {
                    summary.postings += 1
                    let term = body[..<idStart]
                    if previousTerm != term { summary.terms += 1; previousTerm = term }
                }
                pending = try merger.nextEntry()
            }
            let t = try builder.finish()
            roots[name] = t.headerCID
            summary.blocksWritten += builder.stats.blocksWritten
            summary.bytesWritten += builder.stats.bytesWritten
        }

        let info = IndexInfo(
            analyzer: analyzer.identifier, trees: roots, documents: totals.0, bodyLength: totals.1, titleLength: totals.2,
            groups: [.init(group: group, documents: totals.0, bodyLength: totals.1, titleLength: totals.2)],
            batches: [.init(group: group, batch: options.batch, documents: totals.0, sources: sources.enumerated().map { i, s in
                .init(name: s.name, bytes: s.bytes, documents: UInt64(sorted[i]?.count ?? 0))
            })])
        let root = try store.put(info.cbor.encode())
        let manifest = try Manifest.signed(root: root, info: info, key: key, created: created)
        try FileSystem.writeAtomically(directory + "/" + Manifest.fileName, manifest.fileBytes, sync: true)
        return (manifest, summary)
    }
}

