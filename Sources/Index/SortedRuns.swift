import Blocks
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// An external sort of (key, value) byte pairs: entries collect in an arena, spill to disk as
/// sorted run files when the arena outgrows its budget, and come back as one sorted stream.
/// This is what bounds a build's memory by a setting instead of by the corpus.
final class RunBuffer: @unchecked Sendable {  // owned by one thread at a time (handed over under a lock)
    private var arena: [UInt8] = []
    /// Key offset, lengths, and the first 8 key bytes big-endian: most comparisons end there.
    private var entries: [(prefix: UInt64, offset: Int, keyLength: Int32, valueLength: Int32)] = []
    private var sorted = false

    /// Memory held, counting spare capacity (growth doubles arrays), so the budget bounds RSS.
    var byteCount: Int { arena.capacity + entries.capacity * 24 }
    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    init() {}

    func append(key: [UInt8], value: [UInt8]) {
        entries.append((0, arena.count, Int32(key.count), Int32(value.count)))
        arena.append(contentsOf: key)
        arena.append(contentsOf: value)
    }

    /// Overwrites the last `suffix.count` bytes of every key (the provisional document name).
    func patchKeySuffixes(_ suffix: [UInt8]) {
        arena.withUnsafeMutableBytes { a in
            for e in entries {
                let start = e.offset + Int(e.keyLength) - suffix.count
                for (i, b) in suffix.enumerated() { a[start + i] = b }
            }
        }
    }

    /// Moves another buffer's entries into this one.
    func absorb(_ other: RunBuffer) {
        let shift = arena.count
        arena.append(contentsOf: other.arena)
        entries.append(contentsOf: other.entries.lazy.map { ($0.prefix, $0.offset + shift, $0.keyLength, $0.valueLength) })
        sorted = false
    }

    /// Sorts the entries by key (bytewise).
    func sort() {
        if sorted { return }
        arena.withUnsafeBytes { a in
            let base = a.baseAddress!
            for i in entries.indices {
                var p: UInt64 = 0
                let n = min(8, Int(entries[i].keyLength))
                for j in 0..<n { p |= UInt64(a[entries[i].offset + j]) << UInt64(56 - 8 * j) }
                entries[i].prefix = p
            }
            entries.sort { x, y in
                if x.prefix != y.prefix { return x.prefix < y.prefix }
                let n = Int(min(x.keyLength, y.keyLength))
                if n > 8 {
                    let c = memcmp(base + x.offset + 8, base + y.offset + 8, n - 8)
                    if c != 0 { return c < 0 }
                }
                return x.keyLength < y.keyLength
            }
        }
        sorted = true
    }

    /// Entry `i` (after `sort`) as arrays.
    func entry(_ i: Int) -> (key: [UInt8], value: [UInt8]) {
        let e = entries[i]
        let k = e.offset, v = e.offset + Int(e.keyLength)
        return (Array(arena[k..<v]), Array(arena[v..<v + Int(e.valueLength)]))
    }

    /// Writes the entries sorted by key to `path` as `varint keylen, varint vallen, key, value`
    /// and empties the buffer.
    func spill(to path: String) throws {
        sort()
        var out: [UInt8] = []
        out.reserveCapacity(arena.count + entries.count * 4)
        for e in entries {
            Varint.append(UInt64(e.keyLength), to: &out)
            Varint.append(UInt64(e.valueLength), to: &out)
            out.append(contentsOf: arena[e.offset..<e.offset + Int(e.keyLength) + Int(e.valueLength)])
        }
        try FileSystem.writeAtomically(path, out)
        arena = []
        entries = []
        sorted = false
    }
}

/// A sorted source of entries for the merge: a run file or a sorted in-memory buffer.
protocol SortedSource: AnyObject {
    var key: [UInt8] { get }
    var value: [UInt8] { get }
    var done: Bool { get }
    func advance() throws
}

/// A sorted in-memory buffer read in order (the last run never goes to disk).
final class BufferSource: SortedSource {
    private let buffer: RunBuffer
    private var index = -1
    private(set) var key: [UInt8] = []
    private(set) var value: [UInt8] = []
    private(set) var done = false

    init(_ buffer: RunBuffer) throws {
        buffer.sort()
        self.buffer = buffer
        try advance()
    }

    func advance() throws {
        index += 1
        guard index < buffer.count else { done = true; return }
        (key, value) = buffer.entry(index)
    }
}

/// Reads a run file back sequentially through a buffer.
final class RunReader: SortedSource {
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private(set) var key: [UInt8] = []
    private(set) var value: [UInt8] = []
    private(set) var done = false

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IndexError.runFile(path: path, reason: "cannot open run file") }
        try advance()
    }

    deinit { close(fd) }

    private func fill(_ n: Int) throws -> Bool {
        if buffer.count - position >= n { return true }
        if eof { return false }
        buffer.removeFirst(position)
        position = 0
        var chunk = [UInt8](repeating: 0, count: max(1 << 20, n))
        while buffer.count < n {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw IndexError.runFile(path: path, reason: "read failed") }
            if got == 0 { eof = true; break }
            buffer.append(contentsOf: chunk[0..<got])
        }
        return buffer.count - position >= n
    }

    func advance() throws {
        guard try fill(1) else { done = true; return }
        _ = try fill(20)
        var o = position
        guard let kl = Varint.read(buffer, &o), let vl = Varint.read(buffer, &o) else {
            throw IndexError.runFile(path: path, reason: "corrupt run file")
        }
        position = o
        let n = Int(kl) + Int(vl)
        guard try fill(n) else { throw IndexError.runFile(path: path, reason: "truncated run file") }
        key = Array(buffer[position..<position + Int(kl)])
        value = Array(buffer[position + Int(kl)..<position + n])
        position += n
    }
}

/// K-way merge of sorted sources (a binary heap). Keys must be unique across sources.
struct RunMerger {
    /// A source ordered by its current key (which moves as the source advances).
    private struct Head: Comparable {
        let source: SortedSource
        static func < (a: Head, b: Head) -> Bool { a.source.key.lexicographicallyPrecedes(b.source.key) }
        static func == (a: Head, b: Head) -> Bool { a.source === b.source }
    }
    private var heap: BinaryHeap<Head>

    init(_ sources: [SortedSource]) {
        heap = BinaryHeap(sources.filter { !$0.done }.map(Head.init))
    }

    mutating func nextEntry() throws -> (key: [UInt8], value: [UInt8])? {
        guard let top = heap.top?.source else { return nil }
        let entry = (top.key, top.value)
        try top.advance()
        if top.done { heap.pop() } else { heap.topDidChange() }
        return entry
    }
}
