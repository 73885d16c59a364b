import Blocks
import Foundation
import Index
import IndexTestSupport
import Testing
import TextTestSupport

/// Every kind of index folder is one self-contained IPLD DAG: its CAR export holds exactly the
/// blocks reachable from the manifest's root, and independent tools (`libipld`, `multiformats`
/// from PyPI) read it and recompute every CID.
@Suite(.tags(.python), .needsExternalTools) struct IndexCARTests {
    let tests = MergeTests()

    func checkCAR(_ dir: String, _ kind: String) throws {
        let view = try IndexView.open(directory: dir)
        let store = try DirectoryStore(root: dir, create: false)
        var reachable: [String] = []
        try CAR.reachable(from: view.manifest.root, in: store) { cid, _ in reachable.append(cid.description) }
        var viaView = 0
        try view.reachableBlocks { _, _ in viaView += 1 }
        #expect(viaView == reachable.count, "\(kind)")
        let car = dir + "/index.car"
        #expect(try CAR.export(root: view.manifest.root, from: store, to: car) == reachable.count, "\(kind)")
        let output = try PythonChecker.output(PythonChecker.carScript, arguments: [car])
        let json = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        #expect(json["roots"] as? [String] == [view.manifest.root.description], "\(kind)")
        let blocks = try #require(json["blocks"] as? [String: [String: Any]])
        #expect(Set(blocks.keys) == Set(reachable) && blocks.count == reachable.count, "\(kind): CAR blocks differ from the reachable set")
        for (cid, check) in blocks {
            #expect(check["canonical"] as? Bool == true, "\(kind): block \(cid) is not canonical DAG-CBOR")
            #expect(check["cid"] as? String == cid, "\(kind): block \(cid) hashes to \(check["cid"] ?? "?")")
        }
        // Every segment a reader may use is in the DAG: the groups' and the compacted ones.
        for s in view.segments { #expect(reachable.contains(s.cid.description), "\(kind): segment \(s.cid)") }
        for (_, v) in view.versions { for s in v.segments { #expect(reachable.contains(s.description), "\(kind)") } }
    }

    @Test func mergedIncrementalAndCompactedIndexesExportAsOneDAG() throws {
        let a = try CompactionTests().grown(MergeTests.keys[0], seed: 11), b = try CompactionTests().grown(MergeTests.keys[1], seed: 12)
        try checkCAR(a.dir, "incremental")
        let (_, merged, _) = try tests.merge([a.dir, b.dir])
        try checkCAR(merged, "merged")
        let shared = tempDirectory("merged-compacted")
        _ = try IndexMerge.merge(
            named: [a.dir, b.dir], open: IndexView.localSource, out: shared, key: CompactionTests.merger, created: "x",
            compaction: .init(policy: CompactionPolicy(all: true)))
        try checkCAR(shared, "merger-compacted")
        var own = IndexCompact(index: b.dir, key: b.key, created: "x")
        own.policy = CompactionPolicy(all: true)
        own.out = tempDirectory("group-compacted")
        _ = try own.run()
        try checkCAR(own.out!, "group-compacted")
    }
}
