import Blocks
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Bytes appended at the end of one `malloc`ed block that grows by doubling: what a run
/// buffer holds its entries in. Unlike an array's, its bytes stay where they are while nothing
/// is appended, so the merge reads entries in place instead of copying each into arrays.
/// Not copyable (a value its buffer holds inline): no reference count to touch per append.
struct ByteArena: ~Copyable {
    private(set) var base: UnsafeMutableRawPointer? = nil
    private(set) var count = 0
    private(set) var capacity = 0

    init() {}
    deinit { free(base) }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    mutating func append(_ p: UnsafeRawBufferPointer) {
        guard let from = p.baseAddress, p.count > 0 else { return }
        if count + p.count > capacity { grow(count + p.count) }
        (base.unsafelyUnwrapped + count).copyMemory(from: from, byteCount: p.count)
        count += p.count
    }

    private mutating func grow(_ need: Int) {
        var c = max(capacity * 2, 256)
        while c < need { c *= 2 }
        guard let b = realloc(base, c) else { fatalError("out of memory for a run buffer of \(c) bytes") }
        base = b
        capacity = c
    }
}

/// An external sort of (key, value) byte pairs: entries collect in an arena, spill to disk as
/// sorted run files when the arena outgrows its budget, and come back as one sorted stream.
/// This is what bounds a build's memory by a setting instead of by the corpus.
///
/// Its stored properties skip Swift's dynamic exclusivity checks (`@exclusivity(unchecked)`):
/// one thread owns a buffer at a time and no access overlaps another, and the checks were
/// about 1.7% of a build's CPU, most of it in `append`.
final class RunBuffer: @unchecked Sendable {  // owned by one thread at a time (handed over under a lock)
    @exclusivity(unchecked) private var arena = ByteArena()
    /// Key offset, lengths, and the first 8 key bytes big-endian (zero-padded; set by
    /// `sort`): most comparisons end there.
    private typealias Entry = (prefix: UInt64, offset: Int, keyLength: Int32, valueLength: Int32)
    @exclusivity(unchecked) private var entries: [Entry] = []
    @exclusivity(unchecked) private var sorted = false

    /// Memory held, counting spare capacity (growth doubles arrays), so the budget bounds RSS.
    var byteCount: Int { arena.capacity + entries.capacity * MemoryLayout<Entry>.stride }
    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }

    init() {}

    func append(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        entries.append((0, arena.count, Int32(key.count), Int32(value.count)))
        arena.append(key)
        arena.append(value)
    }

    func append(key: [UInt8], value: [UInt8]) {
        key.withUnsafeBytes { k in value.withUnsafeBytes { v in append(key: k, value: v) } }
    }

    /// Overwrites the `suffix.count` bytes of every key that end `trailing` bytes before its
    /// end (the provisional document name).
    func patchKeySuffixes(_ suffix: [UInt8], trailing: Int = 0) {
        guard let base = arena.base else { return }
        suffix.withUnsafeBytes { s in
            for e in entries {
                let start = e.offset + Int(e.keyLength) - s.count - trailing
                (base + start).copyMemory(from: s.baseAddress!, byteCount: s.count)
            }
        }
    }

    /// Moves another buffer's entries into this one.
    func absorb(_ other: RunBuffer) {
        let shift = arena.count
        arena.append(other.arena.bytes)
        entries.append(contentsOf: other.entries.lazy.map { ($0.prefix, $0.offset + shift, $0.keyLength, $0.valueLength) })
        sorted = false
    }

    /// Sorts the entries by key (bytewise).
    func sort() {
        if sorted { return }
        let a = arena.bytes
        if let base = a.baseAddress {
            for i in entries.indices {
                var p: UInt64 = 0
                let n = min(8, Int(entries[i].keyLength))
                for j in 0..<n { p |= UInt64(a[entries[i].offset + j]) << UInt64(56 - 8 * j) }
                entries[i].prefix = p
            }
            // Past the prefix, eight bytes at a time, then byte by byte: a term's postings share
            // their first 8 bytes (field and term), and a memcmp call per comparison was most
            // of the sort.
            entries.sort { x, y in
                if x.prefix != y.prefix { return x.prefix < y.prefix }
                let n = Int(min(x.keyLength, y.keyLength))
                let px = base + x.offset, py = base + y.offset
                var i = 8
                while i + 8 <= n {
                    let wx = UInt64(bigEndian: px.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let wy = UInt64(bigEndian: py.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    if wx != wy { return wx < wy }
                    i += 8
                }
                while i < n {
                    let bx = px.load(fromByteOffset: i, as: UInt8.self), by = py.load(fromByteOffset: i, as: UInt8.self)
                    if bx != by { return bx < by }
                    i += 1
                }
                return x.keyLength < y.keyLength
            }
        }
        sorted = true
    }

    /// Entry `i`'s key (after `sort`), in place: valid while nothing is appended.
    func key(_ i: Int) -> UnsafeRawBufferPointer {
        let e = entries[i]
        return UnsafeRawBufferPointer(start: arena.base.unsafelyUnwrapped + e.offset, count: Int(e.keyLength))
    }

    /// Entry `i`'s value (after `sort`), in place: valid while nothing is appended.
    func value(_ i: Int) -> UnsafeRawBufferPointer {
        let e = entries[i]
        return UnsafeRawBufferPointer(start: arena.base.unsafelyUnwrapped + e.offset + Int(e.keyLength), count: Int(e.valueLength))
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
        let a = arena.bytes
        for e in entries {
            let entry = UnsafeRawBufferPointer(rebasing: a[e.offset..<e.offset + Int(e.keyLength) + Int(e.valueLength)])
            if written + out.count >= run.samples.count * RunFile.sampleEvery {
                run.samples.append((Array(entry.prefix(Int(e.keyLength))), written + out.count))
            }
            Varint.append(UInt64(e.keyLength), to: &out)
            Varint.append(UInt64(e.valueLength), to: &out)
            out.append(contentsOf: entry)
            run.payloadBytes += entry.count
            if out.count >= 1 << 20 { try flush() }
        }
        try flush()
        arena = ByteArena()
        entries = []
        sorted = false
        return run
    }

    /// Keys and values held, in bytes (what a merge of this buffer reads).
    var payloadBytes: Int { arena.count }

    /// Every `every`-th key (after `sort`), for choosing split keys.
    func sampleKeys(every: Int) -> [[UInt8]] {
        stride(from: 0, to: entries.count, by: max(1, every)).map { Array(key($0)) }
    }

    /// The first entry index (after `sort`) whose key is not below `key`.
    func lowerBound(_ key: [UInt8]) -> Int {
        var lo = 0, hi = entries.count
        key.withUnsafeBytes { k in
            while lo < hi {
                let m = (lo + hi) / 2
                if ByteOrder.precedes(self.key(m), k) { lo = m + 1 } else { hi = m }
            }
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
    var key: UnsafeRawBufferPointer { source.key }
    var value: UnsafeRawBufferPointer { source.value }

    init(_ source: SortedSource, lower: [UInt8]?, upper: [UInt8]?) throws {
        self.source = source
        self.upper = upper
        if let lower {
            try lower.withUnsafeBytes { lower in
                while !source.done && ByteOrder.precedes(source.key, lower) { try source.advance() }
            }
        }
        checkEnd()
    }

    private func checkEnd() {
        done = source.done || (upper.map { u in u.withUnsafeBytes { !ByteOrder.precedes(source.key, $0) } } ?? false)
    }

    func advance() throws {
        try source.advance()
        checkEnd()
    }
}

/// A sorted source of entries for the merge: a run file or a sorted in-memory buffer. Its
/// current key and value are bytes it owns, valid until it advances.
protocol SortedSource: AnyObject {
    var key: UnsafeRawBufferPointer { get }
    var value: UnsafeRawBufferPointer { get }
    var done: Bool { get }
    func advance() throws
}

/// A sorted in-memory buffer read in order (the last run never goes to disk), in place.
final class BufferSource: SortedSource {
    private let buffer: RunBuffer
    private var index: Int
    private let end: Int
    private(set) var key = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var value = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var done = false

    /// Entries `range` of the sorted buffer (all by default). Nothing may be appended to the
    /// buffer while this reads it.
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
        key = buffer.key(index)
        value = buffer.value(index)
    }
}

/// Reads a run file back sequentially through a buffer of `bufferBytes` (more only for an
/// entry longer than that), handing out each entry in place.
final class RunReader: SortedSource {
    private let fd: Int32
    private let path: String
    private let bufferBytes: Int
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes read into `buffer`, and where the next entry starts.
    private var filled = 0
    private var position = 0
    private var eof = false
    private(set) var key = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var value = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var done = false

    /// Reads from byte `offset` on, which must be where an entry starts (`RunFile.offset`).
    init(path: String, offset: Int = 0, bufferBytes: Int = 1 << 20) throws {
        self.path = path
        self.bufferBytes = max(bufferBytes, 4 << 10)
        capacity = self.bufferBytes
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            buffer.deallocate()
            throw IndexError.runFile(path: path, reason: "cannot open run file")
        }
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) != off_t(offset) {
            buffer.deallocate()
            close(fd)
            throw IndexError.runFile(path: path, reason: "cannot seek to \(offset)")
        }
        try advance()
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Makes at least `n` bytes from `position` available, moving what is left to the front
    /// first (which invalidates `key` and `value`); false at the end of the file.
    private func fill(_ n: Int) throws -> Bool {
        if filled - position >= n { return true }
        if eof { return false }
        let left = filled - position
        if position > 0 && left > 0 { buffer.copyMemory(from: buffer + position, byteCount: left) }
        filled = left
        position = 0
        if n > capacity {
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 16)
            bigger.copyMemory(from: buffer, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
            capacity = n
        }
        while filled < n {
            let got = read(fd, buffer + filled, capacity - filled)
            if got < 0 && errno == EINTR { continue }
            if got < 0 { throw IndexError.runFile(path: path, reason: "read failed") }
            if got == 0 { eof = true; break }
            filled += got
        }
        return filled - position >= n
    }

    func advance() throws {
        guard try fill(1) else { done = true; return }
        _ = try fill(20)
        let available = UnsafeRawBufferPointer(start: buffer, count: filled)
        var o = position
        guard let kl = Varint.read(available, &o), let vl = Varint.read(available, &o) else {
            throw IndexError.runFile(path: path, reason: "corrupt run file")
        }
        let n = Int(kl) + Int(vl)
        let header = o - position
        guard try fill(header + n) else { throw IndexError.runFile(path: path, reason: "truncated run file") }
        // `fill` may have moved the entry to the front.
        let start = position + header
        key = UnsafeRawBufferPointer(start: buffer + start, count: Int(kl))
        value = UnsafeRawBufferPointer(start: buffer + start + Int(kl), count: Int(vl))
        position = start + n
    }
}

/// K-way merge of sorted sources (a binary heap). Keys must be unique across sources. The
/// current entry is the least source's, in place: valid until `advance`.
struct RunMerger {
    /// A source by its index, ordered by its current key, which the head holds so that the
    /// heap compares and moves plain values (no reference counting per step).
    private struct Head: Comparable {
        let source: Int
        var key: UnsafeRawBufferPointer
        static func < (a: Head, b: Head) -> Bool { ByteOrder.precedes(a.key, b.key) }
        static func == (a: Head, b: Head) -> Bool { a.source == b.source }
    }
    private let sources: [SortedSource]
    private var heap: BinaryHeap<Head>

    init(_ sources: [SortedSource]) {
        self.sources = sources
        heap = BinaryHeap(sources.indices.filter { !sources[$0].done }.map { Head(source: $0, key: sources[$0].key) })
    }

    /// The least entry, nil when every source is done.
    var current: (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)? {
        guard let top = heap.top else { return nil }
        return (top.key, sources[top.source].value)
    }

    /// Moves past the current entry.
    mutating func advance() throws {
        guard let top = heap.top else { return }
        let source = sources[top.source]
        try source.advance()
        if source.done { heap.pop() } else { heap.replaceTop(with: Head(source: top.source, key: source.key)) }
    }
}
