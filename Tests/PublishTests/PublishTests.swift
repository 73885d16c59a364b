import Blocks
import Foundation
import Index
import IndexTestSupport
import Publish
import Support
import Synchronization
import Testing
import TextTestSupport

/// A group's index built in `dir` as version `sequence`: batch `sequence`, the segments of the
/// versions before kept (as an incremental build does). Returns the new segment's CID.
@discardableResult
func buildVersion(dir: String, sequence: UInt64, documents: Int = 60, key: GroupKey = testKey, keep: [CID] = []) throws -> CID {
    let docs = corpus(documents, seed: sequence * 7 + 1)
    let (view, _) = try buildIndex(docs, dir: dir, key: key, batch: UInt32(sequence), sequence: sequence, keepSegments: keep)
    return view.segments.last!.cid
}

/// Every block `manifest.json` of `dir` (or a logged manifest) reaches, read and verified.
func reachable(_ dir: String, manifest: String = "manifest.json") throws -> Set<CID> {
    let m = try Manifest.parse(try FileSystem.readFile(dir + "/" + manifest), path: manifest)
    let (reached, missing) = try BlockCollector.reachable(from: [m.root], in: try DirectoryStore(root: dir, create: false))
    #expect(missing.isEmpty, "\(dir)/\(manifest) misses \(missing.prefix(3))")
    return reached
}

func blockCount(_ dir: String) throws -> Int { try DirectoryStore(root: dir, create: false).list().count }

/// A destination that dies after `limit` blocks, as a killed publish would: what it wrote stays.
final class DyingDestination: PublishDestination, @unchecked Sendable {
    struct Killed: Error {}
    let inner: FolderDestination
    let limit: Int
    let puts = Atomic<Int>(0)
    var name: String { inner.name }
    let concurrency = 1
    init(_ inner: FolderDestination, after limit: Int) {
        self.inner = inner
        self.limit = limit
    }
    func currentManifest() async throws -> [UInt8]? { try await inner.currentManifest() }
    func missing(_ cids: [CID]) async throws -> Set<CID> { try await inner.missing(cids) }
    func put(_ cid: CID, bytes: [UInt8], source: DirectoryStore) async throws -> Bool {
        guard puts.add(1, ordering: .relaxed).newValue <= limit else { throw Killed() }
        return try await inner.put(cid, bytes: bytes, source: source)
    }
    func commit(manifest: [UInt8]) async throws { try await inner.commit(manifest: manifest) }
}

@Suite struct FolderPublishTests {
    /// A site published flat before fan-out, then given a fan-out index: every block the new
    /// manifest reaches is where that manifest says (linked from the flat copies it had), the
    /// old manifest's flat blocks stay for its readers, and gc then keeps what is reached.
    @Test func publishingAFanOutIndexOverAFlatSiteMovesItsBlocks() async throws {
        let old = tempDirectory("old"), src = tempDirectory("src"), dest = tempDirectory("dest") + "/site"
        try DirectoryStore(root: old, layout: .flat).put(Array("before fan-out".utf8))
        try buildVersion(dir: old, sequence: 1)
        _ = try await Publisher.publish(index: old, to: try FolderDestination(folder: dest))
        #expect(try DirectoryStore(root: dest, create: false).layout == .flat)
        let (from, into) = (try DirectoryStore(root: old, create: false), try DirectoryStore(root: src))
        for c in try from.list() { try into.put(try from.get(c), cid: c) }
        try buildVersion(dir: src, sequence: 2, keep: [try IndexView.open(directory: old).segments[0].cid])
        let report = try await Publisher.publish(index: src, to: try FolderDestination(folder: dest))
        #expect(report.published)
        let store = try DirectoryStore(root: dest, create: false)
        #expect(store.layout == .fanOut)
        let reached = try reachable(dest)
        #expect(try reached.allSatisfy { try store.has($0) }, "every reached block at its fan-out path")
        #expect(try reachable(dest, manifest: "versions/1.json").allSatisfy { FileSystem.exists(dest + "/blocks/\($0)") })
        #expect(try IndexView.open(directory: dest).documentCount == 120)
        #expect(report.blocksLinked > 0)
    }

    @Test func publishedFolderOpensAsTheIndexAndRepublishingSendsNothing() async throws {
        let src = tempDirectory("src"), dest = tempDirectory("dest") + "/site"
        try buildVersion(dir: src, sequence: 1)
        let report = try await Publisher.publish(index: src, to: try FolderDestination(folder: dest))
        #expect(report.published && report.previousRoot == nil)
        let reached = try reachable(src), present = try blockCount(dest)
        #expect(report.blocksSent == reached.count && report.blocksSent == present)
        #expect(report.bytesSent == reached.reduce(0) { $0 + Int(FileSystem.fileSize(blockFile(src, $1))) })
        // Byte for byte the manifest, which a reader opens with every block present.
        #expect(try FileSystem.readFile(dest + "/manifest.json") == (try FileSystem.readFile(src + "/manifest.json")))
        #expect(try FileSystem.readFile(dest + "/versions/1.json") == (try FileSystem.readFile(src + "/manifest.json")))
        // And the bootstrap file the manifest signs, rebuilt from the blocks sent.
        #expect(try FileSystem.readFile(dest + "/" + Bootstrap.fileName) == (try FileSystem.readFile(src + "/" + Bootstrap.fileName)))
        let a = try IndexView.open(directory: src), b = try IndexView.open(directory: dest)
        #expect(a.documentCount == b.documentCount && b.documentCount == 60)
        var docs = 0
        try b.forEachDocument { _, _ in docs += 1 }
        #expect(docs == 60)
        let again = try await Publisher.publish(index: src, to: try FolderDestination(folder: dest))
        #expect(!again.published && again.blocksSent == 0)
    }

    @Test func anInterruptedPublishLeavesTheOldIndexAndResumes() async throws {
        let src = tempDirectory("src"), dest = tempDirectory("dest")
        let seg1 = try buildVersion(dir: src, sequence: 1)
        _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: dest))
        let oldManifest = try FileSystem.readFile(dest + "/manifest.json")
        try buildVersion(dir: src, sequence: 2, documents: 200, keep: [seg1])
        let needed = try reachable(src).subtracting(try reachable(dest)).count
        #expect(needed > 10)

        let folder = try FolderDestination(folder: dest)
        await #expect(throws: DyingDestination.Killed.self) {
            try await Publisher.publish(index: src, to: DyingDestination(folder, after: needed / 2))
        }
        folder.release()
        // Killed midway: the old manifest, whole, and half of the new blocks.
        #expect(try FileSystem.readFile(dest + "/manifest.json") == oldManifest)
        _ = try reachable(dest)
        let resumed = try await Publisher.publish(index: src, to: try FolderDestination(folder: dest))
        #expect(resumed.published && resumed.blocksSent == needed - needed / 2, "only what the first run did not send")
        #expect(try reachable(dest) == (try reachable(src)))
        #expect(try IndexView.open(directory: dest).documentCount == 260)
    }

    @Test func aStaleOrEquivocatingOrForeignIndexIsRefused() async throws {
        let v1 = tempDirectory("v1"), v2 = tempDirectory("v2"), twin = tempDirectory("twin"), other = tempDirectory("other")
        let dest = tempDirectory("dest")
        try buildVersion(dir: v1, sequence: 1)
        try buildVersion(dir: v2, sequence: 2)
        try buildVersion(dir: twin, sequence: 2, documents: 30)
        try buildVersion(dir: other, sequence: 9, key: try GroupKey(seed: Array(repeating: 3, count: 32)))
        _ = try await Publisher.publish(index: v2, to: try FolderDestination(folder: dest))
        let published = try FileSystem.readFile(dest + "/manifest.json")

        await #expect(throws: PublishError.stale(destination: dest, group: testKey.group.description, have: 2, publishing: 1)) {
            try await Publisher.publish(index: v1, to: try FolderDestination(folder: dest))
        }
        await #expect(throws: PublishError.equivocation(destination: dest, group: testKey.group.description, sequence: 2)) {
            try await Publisher.publish(index: twin, to: try FolderDestination(folder: dest))
        }
        var forced = Publisher.Options()
        forced.force = true
        // Force replaces another signer's index, never with an older version.
        await #expect(throws: PublishError.stale(destination: dest, group: testKey.group.description, have: 2, publishing: 1)) {
            try await Publisher.publish(index: v1, to: try FolderDestination(folder: dest), options: forced)
        }
        await #expect(throws: PublishError.self) { try await Publisher.publish(index: other, to: try FolderDestination(folder: dest)) }
        #expect(try FileSystem.readFile(dest + "/manifest.json") == published, "nothing refused was written")
        let replaced = try await Publisher.publish(index: other, to: try FolderDestination(folder: dest), options: forced)
        #expect(replaced.published)
    }

    @Test func pruningKeepsWhatKeptVersionsReachAndAReaderOfTheOldVersionWorks() async throws {
        let src = tempDirectory("src"), dest = tempDirectory("dest")
        var segments: [CID] = []
        segments.append(try buildVersion(dir: src, sequence: 1))
        _ = try await Publisher.publish(index: src, to: try FolderDestination(folder: dest))
        let reached1 = try reachable(dest)
        // A reader opened on version 1 before anything changes, reading lazily.
        let reader = try IndexView.open(directory: dest)

        for sequence: UInt64 in 2...3 {
            segments.append(try buildVersion(dir: src, sequence: sequence, keep: segments))
            let d = try FolderDestination(folder: dest)
            _ = try await Publisher.publish(index: src, to: d)
            let r = try BlockCollector.collectLocked(folder: dest, keep: 2, dryRun: false)
            d.release()
            #expect(r.missing.isEmpty)
            if sequence == 2 {
                // Versions 1 and 2 kept: the old reader still reads every document.
                #expect(r.blocksRemoved == 0)
                var n = 0
                try reader.forEachDocument { _, _ in n += 1 }
                #expect(n == 60)
            }
        }
        let kept = try reachable(dest, manifest: "versions/2.json").union(try reachable(dest))
        #expect(Set(try DirectoryStore(root: dest, create: false).list()) == kept, "exactly what versions 2 and 3 reach")
        #expect(!reached1.isSubset(of: kept), "version 1's own blocks (its root and version block) went")
        #expect(try ManifestLog(folder: dest).entries().map(\.number) == [2, 3])
        #expect(try IndexView.open(directory: dest).documentCount == 180)
    }

    @Test func gcRemovesDeadScratchButNothingWhileABuildRuns() throws {
        let dir = tempDirectory("gc")
        let seg = try buildVersion(dir: dir, sequence: 1)
        try buildVersion(dir: dir, sequence: 2, keep: [seg])
        let before = try blockCount(dir)
        // A scratch folder of a dead process (pid far above pid_max) and of this live one.
        try FileSystem.makeDirectories(dir + "/.build-99999999")
        try FileSystem.makeDirectories(dir + "/.build-\(getpid())")
        let blocked = try BlockCollector.collect(folder: dir, keep: nil)
        #expect(try blocked.skipped != nil && blocked.blocksRemoved == 0 && blockCount(dir) == before)
        #expect(blocked.scratchRemoved == [dir + "/.build-99999999"] && !FileSystem.exists(dir + "/.build-99999999"))
        try FileSystem.removeTree(dir + "/.build-\(getpid())")
        let dry = try BlockCollector.collect(folder: dir, keep: nil, dryRun: true)
        #expect(try dry.blocksRemoved > 0 && blockCount(dir) == before)
        let r = try BlockCollector.collect(folder: dir, keep: nil)
        let live = try reachable(dir).count
        #expect(r.blocksRemoved == dry.blocksRemoved && r.blocksRemoved == before - live)
        #expect(try IndexView.open(directory: dir).documentCount == 120)
    }

    /// Files in blocks/ named by no CID: a temporary file of ours whose writer died goes, one
    /// whose writer lives stays (its rename makes it a block), and anything else (a person's
    /// file, a CID with a suffix) is listed and left in place, even by a collection that
    /// removes unreached blocks.
    @Test func gcListsFilesNotNamedByACIDAndLeavesThem() throws {
        let dir = tempDirectory("gc-names")
        let seg = try buildVersion(dir: dir, sequence: 1)
        try buildVersion(dir: dir, sequence: 2, keep: [seg])
        let blocks = dir + "/blocks/"
        let some = try DirectoryStore(root: dir, create: false).list()[0].description
        let dead = some + ".tmp-99999999-1", live = some + ".tmp-\(getpid())-2"
        let foreign = ["notes.txt", some + ".bak", "bafy-not-a-cid"]
        for name in [dead, live] + foreign { try FileSystem.writeAtomically(blocks + name, Array("x".utf8)) }
        let r = try BlockCollector.collect(folder: dir, keep: nil)
        #expect(r.blocksRemoved > 0)
        #expect(r.scratchRemoved == [blocks + dead] && !FileSystem.exists(blocks + dead))
        #expect(FileSystem.exists(blocks + live))
        #expect(Set(r.notBlocks) == Set(foreign.map { blocks + $0 }))
        #expect(foreign.allSatisfy { FileSystem.exists(blocks + $0) })
        #expect(try IndexView.open(directory: dir).documentCount == 120)
    }
}
