import Blocks
import Index
import IndexTestSupport
import Support
import Testing
import TextTestSupport

/// Partitioned builds (`IndexBuild.partition`) and their join (`IndexJoin`): what a Spark job
/// (Pipelines/spark) relies on to give the same CIDs as the same partitions built by hand.
@Suite struct IndexJoinTests {
    static let created = "2026-01-01T00:00:00Z"

    /// A site folder of `pages` small pages about `topic`, in a fresh folder.
    func site(_ topic: String, pages: Int) throws -> String {
        let dir = tempDirectory("site-\(topic)")
        for i in 0..<pages {
            let html = "<html><head><title>\(topic) \(i)</title></head><body><p>The \(topic) notes, page \(i): common words.</p></body></html>"
            try FileSystem.writeAtomically(dir + "/p\(i).html", Array(html.utf8))
        }
        return dir
    }

    /// Builds partition `index` of `count` from `folder` into a fresh folder; returns it and the report.
    func partition(
        _ folder: String, _ index: UInt32, of count: UInt32, key: GroupKey = testKey, names: [String]? = nil, workers: Int = 2
    ) throws -> (path: String, report: IndexBuild.Report) {
        let out = tempDirectory("part-\(index)")
        var build = IndexBuild(sources: [folder], out: out, key: key, created: Self.created)
        build.partition = .init(index: index, count: count)
        build.baseURL = "http://\(index).example/"
        build.sourceNames = names
        build.workers = workers
        build.memoryBytes = 16 << 20
        return (out, try build.run())
    }

    /// Joins `parts` (sequence and time fixed) into `out`; returns the report and `out`.
    func join(_ parts: [String], out: String = tempDirectory("joined"), compaction: CompactionPolicy? = nil) throws -> (
        report: IndexJoin.Report, out: String
    ) {
        var join = IndexJoin(partitions: parts, out: out, key: testKey, created: Self.created)
        join.sequence = 42
        join.compaction = compaction
        return (try join.run(), out)
    }

    @Test func partitionsBuiltAndJoinedInAnyOrderGiveOneVersion() throws {
        let folders = try ["river", "garden", "bread"].enumerated().map { try site($0.element, pages: 3 + $0.offset) }
        // Built in reverse order, one thread each; then again in order with more threads.
        var first: [Int: (path: String, report: IndexBuild.Report)] = [:]
        for i in [2, 1, 0] { first[i] = try partition(folders[i], UInt32(i), of: 3, workers: 1) }
        let again = try (0..<3).map { try partition(folders[$0], UInt32($0), of: 3, workers: 4) }
        for i in 0..<3 {
            #expect(first[i]!.report.batch == UInt32(i))
            #expect(first[i]!.report.segment == again[i].report.segment, "partition \(i) is the same segment on a second build")
        }

        let (inOrder, joinedOut) = try join(again.map(\.path))
        let reversed = try join([first[2]!.path, first[0]!.path, first[1]!.path]).report
        #expect(inOrder.manifest.root == reversed.manifest.root)
        #expect(inOrder.version == reversed.version)
        #expect(inOrder.manifest.fileBytes == reversed.manifest.fileBytes)
        #expect(inOrder.batches == [0, 1, 2])
        #expect(inOrder.segments == (0..<3).map { again[$0].report.segment! }, "listed in batch order")

        // A tree of joins: (0 + 2) then 1 gives the same version as all three at once.
        let partial = tempDirectory("joined-02")
        _ = try join([again[0].path, again[2].path], out: partial)
        let tree = try join([partial, again[1].path]).report
        #expect(tree.manifest.root == inOrder.manifest.root)
        #expect(try IndexView.open(directory: partial).documentCount == 3 + 5)

        let joined = try IndexView.open(directory: joinedOut)
        #expect(joined.documentCount == 3 + 4 + 5)
        #expect(try joined.documentFrequency(.body, Array("common".utf8)) == 12)
        #expect(joined.versions.map(\.version.sequence) == [42])
    }

    @Test func aCompactedJoinIsDeterministicAndRecomputes() throws {
        let parts = try (0..<3).map { try partition(try site("topic\($0)", pages: 2), UInt32($0), of: 3) }
        let (a, out) = try join(parts.map(\.path), compaction: CompactionPolicy(all: true))
        let b = try join(parts.reversed().map(\.path), compaction: CompactionPolicy(all: true)).report
        #expect(a.manifest.root == b.manifest.root)
        #expect(a.segments.count == 1)
        #expect(Set(a.compactions.first?.info.compactedFrom ?? []) == Set(a.joined))
        let view = try IndexView.open(directory: out)
        #expect(view.documentCount == 6)
        let check = IndexCompaction.verify(view, scratch: tempDirectory("recompute"))
        #expect(check.checked == 1 && check.problems.isEmpty, "\(check.problems)")
    }

    @Test func sourceNamesMakeTheSegmentIndependentOfWhereTheFileWas() throws {
        let one = try site("fetched", pages: 2)
        let two = tempDirectory("elsewhere") + "/copy"
        try FileSystem.makeDirectories(two)
        for f in try FileSystem.listDirectory(one) {
            try FileSystem.writeAtomically(two + "/" + f, try FileSystem.readFile(one + "/" + f, limit: 1 << 20))
        }
        let url = "https://archive.example/crawl/site"
        let named = try [one, two].map { try partition($0, 0, of: 1, names: [url]).report }
        #expect(named[0].segment == named[1].segment)
        let unnamed = try [one, two].map { try partition($0, 0, of: 1).report }
        #expect(
            unnamed[0].segment != unnamed[1].segment, "without names each folder is recorded by its own name (fetched, copy), so the segments differ")
        var sources: [String] = []
        try IndexView.open(directory: try partition(one, 0, of: 1, names: [url]).path).forEachDocument { _, r in sources.append(r.source) }
        #expect(sources.count == 2 && sources.allSatisfy { $0.hasPrefix(url + "/p") }, "\(sources)")
    }

    @Test func joinRefusesOtherGroupsDuplicateBatchesAndTombstones() throws {
        let a = try partition(try site("a", pages: 2), 0, of: 2)
        let b = try partition(try site("b", pages: 2), 1, of: 2)
        // Another group's partition: named, with both groups.
        let otherKey = try GroupKey(seed: Array(repeating: 9, count: 32))
        let foreign = try partition(try site("c", pages: 2), 1, of: 2, key: otherKey)
        #expect {
            _ = try join([a.path, foreign.path])
        } throws: { e in
            guard case IndexError.partition(let input, let reason) = e else { return false }
            return input == foreign.path && reason.contains("\(otherKey.group)") && reason.contains("\(testKey.group)")
        }
        // Two partitions built with one index: both named.
        let dup = try partition(try site("d", pages: 1), 1, of: 2)
        #expect {
            _ = try join([a.path, b.path, dup.path])
        } throws: { e in
            guard case IndexError.conflict(let m) = e else { return false }
            return m.contains("batch 1") && m.contains(b.path) && m.contains(dup.path)
        }
        #expect(throws: IndexError.self) { _ = try join([a.path, a.path]) }
        // An incremental build's segment (tombstones) is not a partition.
        let docs = corpus(4)
        let (base, _) = try buildIndex(Array(docs.prefix(2)))
        var live: [SegmentInfo.Tombstone] = []
        try base.forEachDocument { ref, r in live.append(.init(doc: ref, bodyLength: r.bodyLength, titleLength: r.titleLength)) }
        let tombstoning = tempDirectory("tombstones")
        _ = try buildIndex(Array(docs.suffix(2)), dir: tombstoning, batch: 5, tombstones: [live[0]])
        #expect {
            _ = try join([a.path, tombstoning])
        } throws: { e in
            guard case IndexError.partition(let input, let reason) = e else { return false }
            return input == tombstoning && reason.contains("tombstones")
        }
        // Nothing was published by the refused joins' output folders.
        let refusedOut = tempDirectory("refused")
        #expect(throws: IndexError.self) { _ = try join([a.path, a.path], out: refusedOut) }
        #expect(!FileSystem.exists(refusedOut + "/" + Manifest.fileName))
    }

    @Test func aVersionListingAnotherGroupsSegmentIsRefused() throws {
        // Group A's partition whose version also lists a segment built (batch 1) under group B's
        // key: A's own segment keeps the index readable, so only the join's check refuses it.
        let own = try partition(try site("own", pages: 1), 1, of: 2)
        let otherKey = try GroupKey(seed: Array(repeating: 5, count: 32))
        let builder = try SegmentBuilder(
            directory: own.path, key: otherKey, analyzer: IndexAnalyzer(), options: .init(memoryBytes: 16 << 20, batch: 1))
        for (i, d) in corpus(2).enumerated() { try builder.add(d, file: 0, seq: UInt32(i)) }
        let foreign = try builder.finish(sources: [.init(name: "test", bytes: 0)]).segment
        let v = try GroupVersion.signed(
            key: testKey, sequence: 2, created: Self.created, analyzer: IndexAnalyzer().identifier,
            segments: [try #require(own.report.segment), foreign])
        // Written by hand: IndexWriter's own check refuses to publish such a version.
        let versions = [(cid: try IndexWriter.store(v, in: builder.store), version: v)]
        let root = IndexRoot(analyzer: IndexAnalyzer().identifier, versions: versions.map(\.cid), compacted: [])
        var infos: [CID: SegmentInfo] = [:]
        for c in v.segments { infos[c] = try SegmentInfo(cbor: try DagCBOR.decode(try builder.store.get(c))) }
        let manifest = try Manifest.signed(
            root: try builder.store.put(root.cbor.encode()), summary: Manifest.summary(root: root, versions: versions, segments: infos), key: testKey,
            created: Self.created)
        try manifest.write(toIndex: own.path)
        let a = try partition(try site("a", pages: 1), 0, of: 2)
        #expect {
            _ = try join([a.path, own.path])
        } throws: { e in
            guard case IndexError.partition(let input, let reason) = e else { return false }
            return input == own.path && reason.contains("\(foreign)") && reason.contains("another group")
        }
    }

    @Test func aMergedIndexIsNotAPartition() throws {
        let a = try partition(try site("a", pages: 1), 0, of: 2)
        let otherKey = try GroupKey(seed: Array(repeating: 3, count: 32))
        let b = try partition(try site("b", pages: 1), 1, of: 2, key: otherKey)
        let merged = tempDirectory("merged")
        _ = try IndexMerge.merge(named: [a.path, b.path], open: IndexView.localSource, out: merged, key: testKey, created: Self.created)
        #expect {
            _ = try join([merged])
        } throws: { e in
            guard case IndexError.partition(_, let reason) = e else { return false }
            return reason.contains("2 groups")
        }
    }

    @Test func aPartitionedBuildTakesNoBase() throws {
        let a = try partition(try site("a", pages: 1), 0, of: 1)
        var build = IndexBuild(sources: [try site("b", pages: 1)], out: tempDirectory("next"), key: testKey, created: Self.created)
        build.partition = .init(index: 1, count: 2)
        build.base = a.path
        #expect {
            _ = try build.run()
        } throws: { e in
            guard case IndexError.partitionWithBase(let base) = e else { return false }
            return base == a.path
        }
        build.base = nil
        build.partition = .init(index: 2, count: 2)
        #expect(throws: IndexError.self) { _ = try build.run() }
    }
}
