import Blocks
import Foundation
import Index
import IndexTestSupport
import ProllyTree
import Support
import Testing

@testable import Search

/// Indexes as compositions of group segments: merges by reference, views over several indexes,
/// trust lists, tombstones.
@Suite struct MergeTests {
    static let keys = (1...3).map { try! GroupKey(seed: Array(repeating: UInt8($0), count: 32)) }

    /// A group's index of `docs` in a fresh folder.
    func group(_ docs: [IndexDocument], key: GroupKey, sequence: UInt64 = 1) throws -> String {
        let dir = tempDirectory("group")
        _ = try buildIndex(docs, dir: dir, key: key, sequence: sequence)
        return dir
    }

    func merge(_ inputs: [String], key: GroupKey = MergeTests.keys[0], policy: ReadPolicy = .init()) throws -> (IndexView, String, IndexMerge.Summary)
    {
        let dir = tempDirectory("merged")
        let merged = try IndexMerge.merge(
            named: inputs, open: IndexView.localSource, out: dir, key: key, policy: policy, created: "2026-01-02T00:00:00Z")
        return (try IndexView.open(directory: dir), dir, merged.summary)
    }

    func plans() -> [(String, QueryPlan)] {
        [
            ("w0", .word("w0")), ("w3 w5", .and([.word("w3"), .word("w5")])), ("w10 OR w200", .or([.word("w10"), .word("w200")])),
            ("page w1", .and([.word("page"), .word("w1")])), ("w7 -w0", .and([.word("w7"), .not(.word("w0"))])),
        ]
    }

    /// Every hit's URL and score (pruning off), for comparing two views exactly.
    func answers(_ view: IndexView, _ plan: QueryPlan) throws -> [String: Double] {
        let r = try SearchEngine(view: view, analyzer: IndexAnalyzer()).search(plan, limit: 1000, prune: false)
        return Dictionary(r.hits.map { ($0.record.url, $0.score) }, uniquingKeysWith: { a, _ in a })
    }

    func expectSameAnswers(_ a: IndexView, _ b: IndexView, _ note: String = "") throws {
        for (q, plan) in plans() {
            let x = try answers(a, plan), y = try answers(b, plan)
            #expect(Set(x.keys) == Set(y.keys), "query \(q) \(note)")
            for (url, s) in x { #expect(abs(s - (y[url] ?? -1)) < 1e-9, "query \(q) url \(url) \(note)") }
        }
    }

    @Test func mergeIsIndependentOfOrderAndGrouping() throws {
        let docs = corpus(900, seed: 12)
        let parts = try (0..<3).map { g in try group(docs.enumerated().filter { $0.offset % 3 == g }.map(\.element), key: MergeTests.keys[g]) }
        let (abc, _, summary) = try merge(parts)
        let (cba, _, _) = try merge(parts.reversed())
        let (ab, abDir, _) = try merge([parts[0], parts[1]])
        let (abThenC, _, _) = try merge([abDir, parts[2]])
        #expect(abc.manifest.root == cba.manifest.root)
        #expect(abc.manifest.root == abThenC.manifest.root)
        #expect(abc.documentCount == 900)
        #expect(ab.documentCount == 600)
        #expect(summary.blocks.linked + summary.blocks.copied > 0)
        #expect(Set(abc.versions.map(\.version.publicKey)) == Set(MergeTests.keys.map(\.publicKey)))
        #expect(IndexInspection.inspect(abc, recompute: true).problems.isEmpty)
        // Every group's own version is kept as the group signed it.
        let own = try IndexView.open(directory: parts[1])
        #expect(abc.versions.contains { $0.cid == own.versions[0].cid })
    }

    @Test func mergedResultsEqualOneBuildOfTheUnion() throws {
        let docs = corpus(600, seed: 5)
        let parts = try (0..<2).map { g in try group(docs.enumerated().filter { $0.offset % 2 == g }.map(\.element), key: MergeTests.keys[g]) }
        let (merged, _, _) = try merge(parts)
        let (single, _) = try buildIndex(docs)
        try expectSameAnswers(merged, single)
        // Searching both published indexes directly composes them exactly as the merge did.
        let direct = try IndexView.open(parts.map(IndexView.localSource))
        try expectSameAnswers(direct, merged)
        #expect(direct.documentCount == merged.documentCount)
    }

    @Test func aTrustedSubsetIsScoredLikeItsOwnIndex() throws {
        let docs = corpus(600, seed: 21)
        let a = try group(Array(docs.prefix(300)), key: MergeTests.keys[0])
        let b = try group(Array(docs.suffix(300)), key: MergeTests.keys[1])
        let (_, mergedDir, _) = try merge([a, b])
        let subset = try IndexView.open(directory: mergedDir, policy: ReadPolicy(trustedKeys: [MergeTests.keys[1].publicKey]))
        #expect(subset.excluded.map(\.kind) == [.untrusted])
        try expectSameAnswers(subset, try IndexView.open(directory: b))
        let hits = try SearchEngine(view: subset, analyzer: IndexAnalyzer()).search(.word("w0"), limit: 50).hits
        #expect(!hits.isEmpty && hits.allSatisfy { $0.doc.group == MergeTests.keys[1].group && $0.voucher == MergeTests.keys[1].publicKey })
        // Trust is by whole key, and a list naming no group present leaves nothing to read.
        #expect(throws: IndexError.self) {
            try IndexView.open(directory: mergedDir, policy: ReadPolicy(trustedKeys: [MergeTests.keys[2].publicKey]))
        }
    }

    @Test func duplicatesAcrossGroupsCollapseWhenSearched() throws {
        let shared = (0..<20).map { i in
            IndexDocument(url: "https://x.org/\(i)", title: "t", text: "alpha beta \(i)", digest: Array("dup\(i)".utf8), source: "s")
        }
        let a = try group(shared, key: MergeTests.keys[0]), b = try group(shared, key: MergeTests.keys[1])
        let (merged, _, _) = try merge([b, a])
        #expect(merged.documentCount == 40)
        let r = try SearchEngine(view: merged, analyzer: IndexAnalyzer()).search(.word("beta"), limit: 100)
        #expect(r.hits.count == 20)
    }

    /// An input folder is untrusted: a block file that is not what its name says stops the
    /// merge, and nothing is linked from it. A merge into a folder holding part of the DAG
    /// already (a merge run again) skips what is there and ends with every block.
    @Test func refusesAnInputBlockThatIsNotItsCID() throws {
        let a = try group(corpus(200, seed: 3), key: MergeTests.keys[0]), b = try group(corpus(50, seed: 4), key: MergeTests.keys[1])
        let (clean, cleanDir, first) = try merge([a, b])
        #expect(first.blocks.present == 0 && first.blocks.copied == 0)
        let again = try DAGCopy.copy(roots: clean.versions.map(\.cid), from: try DirectoryStore(root: a), into: try DirectoryStore(root: cleanDir))
        #expect(again.present > 0 && again.linked == 0)

        let store = try DirectoryStore(root: a)
        // A block linking nothing (a leaf or a value): opening the index never reads it.
        let leaf = try #require(
            try store.list().first { cid in
                let bytes = try store.get(cid)
                var links: [CID] = []
                try DagCBOR.links(of: bytes, into: &links)
                return links.isEmpty && bytes.count > 200
            })
        let path = try #require(store.existingPath(of: leaf))
        var bytes = try FileSystem.readFile(path)
        bytes[bytes.count / 2] ^= 1
        try FileSystem.removeTree(path)
        try FileSystem.writeAtomically(path, bytes)
        let out = tempDirectory("merged")
        #expect(throws: BlockError.mismatch(cid: leaf, source: path)) {
            _ = try IndexMerge.merge(named: [a, b], open: IndexView.localSource, out: out, key: MergeTests.keys[0], created: "x")
        }
        #expect(try DirectoryStore(root: out).existingPath(of: leaf) == nil)
    }

    @Test func refusesInputsOfAnotherAnalyzer() throws {
        let a = try group(corpus(10), key: MergeTests.keys[0])
        // A group index whose root, version and segment name another analyzer.
        let dir = tempDirectory("other")
        let store = try DirectoryStore(root: dir)
        let built = try IndexView.open(directory: try group(corpus(3), key: MergeTests.keys[1]))
        var info = built.segments[0].info
        info.analyzer = "other/2"
        for c in try built.store.getMany(Segment.headers(of: info)) { _ = try store.put(c) }
        try DAGCopy.copy(roots: Array(info.trees.values), from: built.store, into: store)
        let segment = try store.put(info.cbor.encode())
        let v = try GroupVersion.signed(key: MergeTests.keys[1], sequence: 1, created: "x", analyzer: "other/2", segments: [segment])
        let root = IndexRoot(analyzer: "other/2", versions: [try IndexWriter.store(v, in: store)])
        let rootCID = try store.put(root.cbor.encode())
        let m = try Manifest.signed(
            root: rootCID, summary: Manifest.summary(root: root, versions: [(root.versions[0], v)], segments: [segment: info]),
            key: MergeTests.keys[1], created: "x")
        try m.write(toIndex: dir)
        #expect {
            _ = try merge([a, dir])
        } throws: { e in "\(e)".contains(dir) && "\(e)".contains("other/2") }
    }
}

/// A merger (or a host) that tries to put words in a group's mouth. A client trusting only A
/// must never see any of it, and `verify` must say what was wrong.
@Suite struct SegmentAttackTests {
    let a = MergeTests.keys[0], mallory = MergeTests.keys[2]
    let tests = MergeTests()

    func aIndex() throws -> String {
        try tests.group(
            [IndexDocument(url: "https://a.example/real", title: "Real", text: "genuine page about bees", digest: Array("real".utf8), source: "s")],
            key: a)
    }

    /// Publishes `versions` (already stored in `dir`) as an index signed by Mallory.
    func publishAsMallory(_ dir: String, _ versions: [(CID, GroupVersion)]) throws {
        let store = try DirectoryStore(root: dir)
        let root = IndexRoot(analyzer: IndexAnalyzer().identifier, versions: versions.map(\.0))
        var infos: [CID: SegmentInfo] = [:]
        for s in versions.flatMap(\.1.segments) { infos[s] = try SegmentInfo(cbor: try DagCBOR.decode(try store.get(s))) }
        let rootCID = try store.put(root.cbor.encode())
        let m = try Manifest.signed(
            root: rootCID, summary: Manifest.summary(root: root, versions: versions, segments: infos), key: mallory, created: "x")
        try m.write(toIndex: dir)
    }

    func search(_ dir: String, _ word: String, trust: [[UInt8]]? = nil) throws -> [String] {
        let view = try IndexView.open(directory: dir, policy: ReadPolicy(trustedKeys: trust))
        return try SearchEngine(view: view, analyzer: IndexAnalyzer()).search(.word(word), limit: 10).hits.map(\.record.url)
    }

    func verifyProblems(_ dir: String) throws -> [String] {
        let view = try IndexView.open(directory: dir)
        return view.excluded.filter { $0.kind == .invalid }.map(\.reason) + IndexInspection.inspect(view, recompute: true).problems
    }

    @Test func aSegmentUnderAsGroupSignedByAnotherKeyIsIgnored() throws {
        // Mallory builds documents whose DocRefs carry A's group ID (a key pairing A's public
        // half with Mallory's secret half) and lists them in a version Mallory signs.
        let dir = try aIndex()
        let forger = GroupKey(publicKey: a.publicKey, secretKey: mallory.secretKey)
        let builder = try SegmentBuilder(directory: dir, key: forger, analyzer: IndexAnalyzer(), options: .init(batch: 7))
        try builder.add(
            IndexDocument(url: "https://a.example/forged", title: "Forged", text: "forged bees", digest: [1], source: "s"), file: 0, seq: 0)
        let forged = try builder.finish(sources: [])
        let store = try DirectoryStore(root: dir)
        let mv = try GroupVersion.signed(key: mallory, sequence: 1, created: "x", analyzer: IndexAnalyzer().identifier, segments: [forged.segment])
        let av = try IndexView.open(directory: dir).versions[0]
        try publishAsMallory(dir, [av, (try IndexWriter.store(mv, in: store), mv)])
        #expect(try search(dir, "bees", trust: [a.publicKey]) == ["https://a.example/real"])
        #expect(try search(dir, "bees") == ["https://a.example/real"])
        #expect(try verifyProblems(dir).contains { $0.contains("of another group") })
        // The same version claiming A's key does not verify at all.
        var claimed = mv
        claimed.publicKey = a.publicKey
        #expect(!claimed.signatureIsValid)
    }

    @Test func aTamperedSegmentOfAIsIgnored() throws {
        let dir = try aIndex()
        let view = try IndexView.open(directory: dir)
        let (_, real) = view.versions[0]
        // A's page rewritten: a new docs tree, so a new segment root; A's signature cannot follow.
        var info = view.segments[0].info
        let docs = try TreeBuilder.build(
            [
                (
                    DocRef(group: a.group, batch: 0, ordinal: 0).bytes,
                    DocRecord(
                        url: "https://evil.example/", title: "Rewritten", date: nil, lang: nil, mime: "text/html", bodyLength: 4, titleLength: 1,
                        digest: [9], source: "s"
                    ).encoded
                )
            ],
            store: try DirectoryStore(root: dir), params: ShardTree.docs.parameters, aggregator: ShardTree.docs.aggregator)
        info.trees[ShardTree.docs.name] = docs.headerCID
        let store = try DirectoryStore(root: dir)
        let tampered = try store.put(info.cbor.encode())
        var forged = real
        forged.segments = [tampered]
        forged.sequence += 1  // and newer, to win over the real one
        try publishAsMallory(dir, [(try IndexWriter.store(forged, in: store), forged)])
        #expect(throws: IndexError.self) { try search(dir, "bees", trust: [a.publicKey]) }
        #expect(try verifyProblems(dir).contains { $0.contains("not signed by its key") })
    }

    @Test func injectedPostingsDoNotAnswerForA() throws {
        // Mallory's own segment holds a posting keyed by A's real DocRef for a word A never used.
        let dir = try aIndex()
        let store = try DirectoryStore(root: dir)
        let view = try IndexView.open(directory: dir)
        let aDoc = DocRef(group: a.group, batch: 0, ordinal: 0)
        let builder = try SegmentBuilder(directory: dir, key: mallory, analyzer: IndexAnalyzer())
        try builder.add(IndexDocument(url: "https://m.example/", title: "M", text: "mallory page", digest: [2], source: "s"), file: 0, seq: 0)
        var info = try builder.finish(sources: []).info
        let mDoc = DocRef(group: mallory.group, batch: 0, ordinal: 0)
        // A block of one posting (format 4), ordinal 0 as both DocRefs' are.
        var value: [UInt8] = []
        PostingBlock.append(ordinals: [0], tfs: [50], codes: [3], to: &value)
        let keys = [ShardKeys.posting(.body, Array("counterfeit".utf8), aDoc), ShardKeys.posting(.body, Array("counterfeit".utf8), mDoc)]
        let postings = try TreeBuilder.build(
            keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ($0, value) }, store: store,
            params: ShardTree.postings.parameters, aggregator: ShardTree.postings.aggregator)
        info.trees[ShardTree.postings.name] = postings.headerCID
        let segment = try store.put(info.cbor.encode())
        let mv = try GroupVersion.signed(key: mallory, sequence: 1, created: "x", analyzer: IndexAnalyzer().identifier, segments: [segment])
        try publishAsMallory(dir, [view.versions[0], (try IndexWriter.store(mv, in: store), mv)])
        #expect(try search(dir, "counterfeit") == ["https://m.example/"])
        #expect(try search(dir, "counterfeit", trust: [a.publicKey]).isEmpty)
        #expect(try verifyProblems(dir).contains { $0.contains("outside its batches") })
    }

    @Test func aReplayedOlderVersionIsRefused() throws {
        let seen = SeenVersions(path: tempDirectory("seen") + "/versions.json")
        let docs = corpus(20, seed: 4)
        let old = try tests.group(Array(docs.prefix(10)), key: a, sequence: 5)
        let new = try tests.group(docs, key: a, sequence: 6)
        _ = try IndexView.open(directory: new, policy: ReadPolicy(seen: seen))
        #expect {
            try IndexView.open(directory: old, policy: ReadPolicy(seen: SeenVersions(path: seen.path)))
        } throws: { e in "\(e)".contains("older than version 6") }
        // The refusal says where the newer version was read (from the file, by another reader),
        // since two collections built with one key look exactly like a replay.
        #expect {
            try IndexView.open(directory: old, policy: ReadPolicy(seen: SeenVersions(path: seen.path)))
        } throws: { e in "\(e)".contains("seen before in \(new)") }
        // Two different versions under one sequence number are refused, naming both inputs.
        let twin = try tests.group(Array(docs.suffix(3)), key: a, sequence: 6)
        #expect {
            try IndexView.open([IndexView.localSource(new), IndexView.localSource(twin)])
        } throws: { e in "\(e)".contains(new) && "\(e)".contains(twin) }
    }

    /// Two readers sharing one cache folder (two processes) each remember what they saw; the
    /// later write must not forget what the earlier one recorded.
    @Test func readersSharingACacheFolderKeepEachOthersVersions() throws {
        let path = tempDirectory("seen-shared") + "/versions.json"
        let first = SeenVersions(path: path), second = SeenVersions(path: path)
        let ia = try tests.group(corpus(3, seed: 5), key: a, sequence: 7)
        let ib = try tests.group(corpus(3, seed: 6), key: MergeTests.keys[1], sequence: 9)
        _ = try IndexView.open(directory: ia, policy: ReadPolicy(seen: first))
        _ = try IndexView.open(directory: ib, policy: ReadPolicy(seen: second))
        let after = SeenVersions(path: path)
        #expect(after.sequence(of: a.publicKey)?.sequence == 7 && after.sequence(of: MergeTests.keys[1].publicKey)?.sequence == 9)
    }

    @Test func aRebuildFromScratchReplacesTheGroupsOlderVersionInAMerge() throws {
        let docs = corpus(30, seed: 8)
        let first = try tests.group(Array(docs.prefix(15)), key: a, sequence: 1)
        let b = try tests.group(Array(docs.suffix(10)), key: MergeTests.keys[1])
        let (_, shared, _) = try tests.merge([first, b])
        // The rebuild reuses batch 0 with other documents, under a higher sequence number.
        let rebuilt = try tests.group(Array(docs.prefix(5)), key: a, sequence: 2)
        let (again, _, summary) = try tests.merge([shared, rebuilt])
        #expect(again.documentCount == 15)
        #expect(summary.excluded.contains { $0.kind == .replaced })
        #expect(IndexInspection.inspect(again, recompute: true).problems.isEmpty)
    }

    /// Tombstones are claims: a segment naming ordinals its group never published (more than
    /// the index holds, with lengths larger than its totals) must not bring a reader down.
    @Test func tombstonesForDocumentsThatNeverExistedDoNotUnderflowTheStatistics() throws {
        let dir = tempDirectory("hostile-tombstones")
        let (first, _) = try buildIndex(corpus(3, seed: 2), dir: dir, key: a)
        let ghosts = (100..<110).map {
            SegmentInfo.Tombstone(doc: DocRef(group: a.group, batch: 0, ordinal: UInt32($0)), bodyLength: .max, titleLength: .max)
        }
        let (view, _) = try buildIndex(
            [], dir: dir, key: a, batch: 1, sequence: 2, tombstones: ghosts, keepSegments: first.segments.map(\.cid))
        #expect(view.documentCount == 0 && view.bodyLength == 0 && view.titleLength == 0)
        #expect(try SearchEngine(view: view, analyzer: IndexAnalyzer()).search(.word("w0"), limit: 5).hits.count <= 3)
    }

    @Test func aKeyFileWhoseHalvesDoNotMatchIsRefused() throws {
        let path = tempDirectory("key") + "/forged.json"
        let forged = GroupKey(publicKey: a.publicKey, secretKey: Array(mallory.secretKey.prefix(32)) + a.publicKey)
        try forged.write(to: path)
        #expect { try GroupKey.read(from: path) } throws: { e in "\(e)".contains("does not belong") }
        // Mallory's whole secret key (its own public half) beside A's public key: the same answer,
        // not "not an indexer key file".
        let pasted = tempDirectory("key") + "/pasted.json"
        try GroupKey(publicKey: a.publicKey, secretKey: mallory.secretKey).write(to: pasted)
        #expect { try GroupKey.read(from: pasted) } throws: { e in "\(e)".contains("does not belong") }
    }
}

/// Incremental updates: tombstones make a chain of updates answer as a fresh build does.
@Suite struct TombstoneTests {
    @Test func editsAndDeletionsAnswerLikeAFreshBuild() throws {
        var docs = corpus(300, seed: 31)
        let dir = tempDirectory("incremental")
        var (view, _) = try buildIndex(docs, dir: dir)
        var rng = SplitMix(seed: 9)
        for round in 1...3 {
            // Edit 10 pages (same URL, new text) and delete 5; tombstone their live DocRefs.
            var live: [String: (DocRef, DocRecord)] = [:]
            try view.forEachDocument { ref, r in live[r.url] = (ref, r) }
            let edited = Array(docs.indices.shuffled(using: &rng).prefix(15))
            var tombstones: [SegmentInfo.Tombstone] = []
            var added: [IndexDocument] = []
            for (n, i) in edited.enumerated() {
                let (ref, r) = live[docs[i].url]!
                tombstones.append(.init(doc: ref, bodyLength: r.bodyLength, titleLength: r.titleLength))
                if n < 10 {
                    docs[i].text = "edited round \(round) w\(n) " + docs[i].text.split(separator: " ").suffix(20).joined(separator: " ")
                    docs[i].digest = Array("edit\(round)-\(i)".utf8)
                    added.append(docs[i])
                }
            }
            let gone = Set(edited.suffix(5))
            docs = docs.enumerated().filter { !gone.contains($0.offset) }.map(\.element)
            (view, _) = try buildIndex(
                added, dir: dir, batch: UInt32(round), sequence: UInt64(round + 1), tombstones: tombstones,
                keepSegments: view.segments.map(\.cid))
            #expect(view.documentCount == UInt64(docs.count))
            let (fresh, _) = try buildIndex(docs)
            try MergeTests().expectSameAnswers(view, fresh, "round \(round)")
            for w in ["w0", "w1", "w2"] {
                #expect(try view.documentFrequency(.body, Array(w.utf8)) == fresh.documentFrequency(.body, Array(w.utf8)))
            }
        }
    }
}
