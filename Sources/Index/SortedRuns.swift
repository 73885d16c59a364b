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

    /// Appends an entry written in place: `key`, then `value`, append their bytes to the arena.
    /// Saves the arrays a key and a value would otherwise be built in (a few per posting).
    @inline(__always)
    func append(key: (inout [UInt8]) -> Void, value: (inout [UInt8]) -> Void) {
        let start = arena.count
        key(&arena)
        let keyLength = arena.count - start
        value(&arena)
        entries.append((0, start, Int32(keyLength), Int32(arena.count - start - keyLength)))
    }

    /// Overwrites the `suffix.count` bytes of every key that end `trailing` bytes before its
    /// end (the provisional document name).
    func patchKeySuffixes(_ suffix: [UInt8], trailing: Int = 0) {
        arena.withUnsafeMutableBytes { a in
            for e in entries {
                let start = e.offset + Int(e.keyLength) - suffix.count - trailing
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
    /// and empties the buffer. Returns the run's key samples, which let a merge start mid-file.
    func spill(to path: String) throws -> RunFile {
        sort()
        // Written through a 1 MiB buffer: a copy of the whole run would add half the memory
        // budget to the peak while four trees spill at once.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw IndexError.runFile(path: path, reason: "cannot create run file") }
        defer { close(fd) }
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        var written = 0
        func flush() throws {
            try out.withUnsafeBytes { buf in
                var done = 0
                while done < buf.count {
                    let n = write(fd, buf.baseAddress! + done, buf.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw IndexError.runFile(path: path, reason: "write failed") }
                    done += n
                }
            }
            written += out.count
            out.removeAll(keepingCapacity: true)
        }
        var run = RunFile(path: path)
        for e in entries {
            if written + out.count >= run.samples.count * RunFile.sampleEvery {
                run.samples.append((Array(arena[e.offset..<e.offset + Int(e.keyLength)]), written + out.count))
            }
            Varint.append(UInt64(e.keyLength), to: &out)
            Varint.append(UInt64(e.valueLength), to: &out)
            out.append(contentsOf: arena[e.offset..<e.offset + Int(e.keyLength) + Int(e.valueLength)])
            run.payloadBytes += Int(e.keyLength) + Int(e.valueLength)
            if out.count >= 1 << 20 { try flush() }
        }
        try flush()
        arena = []
        entries = []
        sorted = false
        return run
    }

    /// Keys and values held, in bytes (what a merge of this buffer reads).
    var payloadBytes: Int { arena.count }

    /// Every `every`-th key (after `sort`), for choosing split keys.
    func sampleKeys(every: Int) -> [[UInt8]] {
        stride(from: 0, to: entries.count, by: max(1, every)).map { entry($0).key }
    }

    /// The first entry index (after `sort`) whose key is not below `key`.
    func lowerBound(_ key: [UInt8]) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let m = (lo + hi) / 2
            if ByteOrder.precedes(entry(m).key, key) { lo = m + 1 } else { hi = m }
        }
        return lo
    }
}

/// A spilled run: its file, and the first key at every `sampleEvery` bytes with its offset.
struct RunFile: Sendable {
    static let sampleEvery = 256 << 10
    var path: String
    var samples: [(key: [UInt8], offset: Int)] = []
    var payloadBytes = 0

    /// Where to start reading for keys from `key` on: the last sample not above it.
    func offset(from key: [UInt8]) -> Int {
        var lo = 0, hi = samples.count
        while lo < hi {
            let m = (lo + hi) / 2
            if !ByteOrder.precedes(key, samples[m].key) { lo = m + 1 } else { hi = m }
        }
        return lo == 0 ? 0 : samples[lo - 1].offset
    }
}

/// The entries of a sorted source with keys in [lower, upper) (nil: unbounded).
final class KeyRangeSource: SortedSource {
    private let source: SortedSource
    private let upper: [UInt8]?
    private(set) var done = false
    var key: [UInt8] { source.key }
    var value: [UInt8] { source.value }

    init(_ source: SortedSource, lower: [UInt8]?, upper: [UInt8]?) throws {
        self.source = source
        self.upper = upper
        if let lower { while !source.done && ByteOrder.precedes(source.key, lower) { try source.advance() } }
        checkEnd()
    }

    private func checkEnd() {
        done = source.done || (upper.map { !ByteOrder.precedes(source.key, $0) } ?? false)
    }

    func advance() throws {
        try source.advance()
        checkEnd()
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
    private var index: Int
    private let end: Int
    private(set) var key: [UInt8] = []
    private(set) var value: [UInt8] = []
    private(set) var done = false

    /// Entries `range` of the sorted buffer (all by default).
    init(_ buffer: RunBuffer, range: Range<Int>? = nil) throws {
        buffer.sort()
        self.buffer = buffer
        index = (range?.lowerBound ?? 0) - 1
        end = range?.upperBound ?? buffer.count
        try advance()
    }

    func advance() throws {
        index += 1
        guard index < end else { done = true; return }
        (key, value) = buffer.entry(index)
    }
}

/// Reads a run file back sequentially through a buffer of `bufferBytes` (more only for an
/// entry longer than that).
final class RunReader: SortedSource {
    private let fd: Int32
    private let path: String
    private let bufferBytes: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private(set) var key: [UInt8] = []
    private(set) var value: [UInt8] = []
    private(set) var done = false

    /// Reads from byte `offset` on, which must be where an entry starts (`RunFile.offset`).
    init(path: String, offset: Int = 0, bufferBytes: Int = 1 << 20) throws {
        self.path = path
        self.bufferBytes = max(bufferBytes, 4 << 10)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IndexError.runFile(path: path, reason: "cannot open run file") }
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) != off_t(offset) {
            throw IndexError.runFile(path: path, reason: "cannot seek to \(offset)")
        }
        try advance()
    }

    deinit { close(fd) }

    private func fill(_ n: Int) throws -> Bool {
        if buffer.count - position >= n { return true }
        if eof { return false }
        buffer.removeFirst(position)
        position = 0
        let size = max(bufferBytes, n)
        buffer.reserveCapacity(size)
        while buffer.count < n {
            let have = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: size - have))
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + have, size - have) }
            buffer.removeLast(size - have - max(got, 0))
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw IndexError.runFile(path: path, reason: "read failed") }
            if got == 0 { eof = true; break }
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
        static func < (a: Head, b: Head) -> Bool { ByteOrder.precedes(a.source.key, b.source.key) }
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
