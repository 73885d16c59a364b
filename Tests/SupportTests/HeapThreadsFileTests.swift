import Foundation
import Synchronization
import Testing
import TextTestSupport

@testable import Support

/// A heap element whose key can change in place, as a run merger's cursor does.
private final class Cursor: Comparable {
    var key: Int
    init(_ key: Int) { self.key = key }
    static func < (a: Cursor, b: Cursor) -> Bool { a.key < b.key }
    static func == (a: Cursor, b: Cursor) -> Bool { a === b }
}

@Suite struct BinaryHeapTests {
    /// Heapify, push and pop give every element back in order, whatever the input order.
    @Test(arguments: [0, 1, 2, 7, 100, 1000]) func popsInOrder(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        let values = (0..<count).map { _ in Int.random(in: -50...50, using: &rng) }
        var heap = BinaryHeap(Array(values.prefix(count / 2)))
        for v in values.dropFirst(count / 2) { heap.push(v) }
        var out: [Int] = []
        while let v = heap.pop() { out.append(v) }
        #expect(out == values.sorted())
    }

    /// `replaceTop` and `topDidChange` keep the order after the top changes.
    @Test func topChangesKeepTheOrder() {
        var rng = SplitMix64(seed: 3)
        let cursors = (0..<50).map { _ in Cursor(Int.random(in: 0...1000, using: &rng)) }
        var heap = BinaryHeap(cursors)
        var seen: [Int] = []
        for _ in 0..<200 {
            let top = heap.top!
            seen.append(top.key)
            top.key += Int.random(in: 1...100, using: &rng)
            heap.topDidChange()
        }
        #expect(seen == seen.sorted())
        heap.replaceTop(with: Cursor(-1))
        #expect(heap.top?.key == -1)
        #expect(heap.count == 50)
    }
}

@Suite struct ThreadsTests {
    /// Every index is called exactly once, whatever the width.
    @Test(arguments: [(0, 2), (1, 1), (4, 2), (4, 8), (100, 3)])
    func everyIterationRunsOnce(iterations: Int, width: Int) {
        let calls = Mutex([Int](repeating: 0, count: iterations))
        concurrentlyPerform(iterations: iterations, width: width) { i in calls.withLock { $0[i] += 1 } }
        #expect(calls.withLock { $0 } == [Int](repeating: 1, count: iterations))
    }
}

@Suite struct FileSystemTests {
    @Test func writesAtomicallyAndReadsWithinALimit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("indexer-fs-\(UUID())").path
        defer { try? FileSystem.removeTree(dir) }
        let path = dir + "/a/b/file"
        try FileSystem.makeDirectories(dir + "/a/b")
        try FileSystem.writeAtomically(path, Array("hello".utf8), sync: true)
        #expect(try FileSystem.readFile(path) == Array("hello".utf8))
        #expect(FileSystem.fileSize(path) == 5)
        #expect(FileSystem.fileSize(dir + "/a") == 0)
        #expect(FileSystem.fileSize(dir + "/missing") == 0)
        #expect(throws: (any Error).self) { try FileSystem.readFile(path, limit: 4) }
        // No temporary file is left beside it.
        #expect(try FileSystem.listDirectory(dir + "/a/b") == ["file"])
        try FileSystem.removeTree(dir + "/a")
        #expect(!FileSystem.exists(dir + "/a"))
    }
}

extension FileSystemTests {
    /// readdir's records are only `d_reclen` long: one ending where its page ends must be read
    /// without touching the next page (copying the whole `dirent` crashed the hub). The record
    /// is placed before an inaccessible page, so a read past it traps.
    @Test func aDirectoryEntryIsReadWithinItsRecord() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let map = try #require(mmap(nil, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        #expect(map != MAP_FAILED)
        defer { munmap(map, 2 * page) }
        #expect(mprotect(map + page, page, PROT_NONE) == 0)
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        let name = Array("blocks".utf8) + [0]
        let length = (nameOffset + name.count + 7) & ~7
        let record = map + page - length
        record.storeBytes(of: UInt16(length), toByteOffset: MemoryLayout<dirent>.offset(of: \dirent.d_reclen)!, as: UInt16.self)
        for (i, b) in name.enumerated() { record.storeBytes(of: b, toByteOffset: nameOffset + i, as: UInt8.self) }
        #expect(FileSystem.entryName(record.assumingMemoryBound(to: dirent.self)) == "blocks")
    }
}
