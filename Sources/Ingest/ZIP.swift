import Support
import Zlib

#if canImport(Glibc)
    import Glibc
#endif

/// One member of a ZIP archive, from its central directory entry.
public struct ZipEntry: Sendable, Hashable {
    public var name: String
    /// 0 stored, 8 deflate; others are reported as unsupported.
    public var method: UInt16
    public var flags: UInt16
    public var crc32: UInt32
    public var compressedSize: Int64
    public var uncompressedSize: Int64
    public var localHeaderOffset: Int64
    /// Where the member's data starts (after its local header); -1 until the local header is read.
    public var dataOffset: Int64 = -1
    /// The file ends inside this member's data (a member found from its local header in a cut
    /// file): `compressedSize` is what is left, the size and CRC-32 are not checked.
    public var truncated = false
}

/// A ZIP (and ZIP64) reader of our own: central directory, stored and deflated members, each
/// streamed from disk in constant memory. Every size and offset read from the file is checked
/// against the file's length before use, so a hostile archive cannot make it read out of range
/// or allocate by what it claims. Members are checked as they stream (`ZipMemberStream`): CRC-32,
/// size, and a cap on the decompression ratio.
///
/// Damage that leaves the rest readable is not thrown but listed in `reports`: a lost or
/// damaged central directory (the members are then found from their local headers), and
/// entries whose bytes overlap or repeat another's (a "zip bomb by overlap": thousands of
/// directory entries pointing into the same data), which are refused and left out of `entries`.
public final class ZipArchive {
    public let path: String
    /// The members to read, in directory (or, when recovered, file) order, less refused ones.
    public let entries: [ZipEntry]
    public let fileSize: Int64
    /// What was damaged or refused while opening; empty for a sound archive.
    public let reports: [Report]
    public let limits: Limits
    private let fd: Int32

    /// Bounds on what a member may cost.
    public struct Limits: Sendable {
        /// Most bytes a member may inflate to per compressed byte, beyond `ratioAllowance`.
        /// Deflate's own maximum is about 1032:1, so only degenerate data comes near 1000.
        public var maxRatio: Int64 = 1000
        /// Output any member may reach whatever its ratio (small members compress well).
        public var ratioAllowance: Int64 = 4 << 20

        public init() {}

        /// Most output bytes for a member of `compressed` bytes.
        public func cap(compressed: Int64) -> Int64 {
            let (r, overflow) = max(compressed, 0).multipliedReportingOverflow(by: maxRatio)
            return overflow ? Int64.max : max(r, ratioAllowance)
        }
    }

    /// One piece of damage found in the archive: at byte `offset`, about `member` when it concerns one.
    public struct Report: Sendable, Hashable, CustomStringConvertible {
        public var offset: Int64
        public var member: String?
        /// Short and stable, for grouping: `damaged ZIP directory`, `overlapping ZIP entry`.
        public var reason: String
        public var detail: String

        public var description: String {
            "\(reason) at byte \(offset)" + (member.map { " (\($0))" } ?? "") + ": \(detail)"
        }
    }

    /// Reads the central directory, or, when it is missing or damaged, the local headers. Throws
    /// `ZipArchive.Error` when neither yields a member, `IngestError` when the file cannot be opened.
    public init(path: String, limits: Limits = Limits()) throws {
        self.path = path
        self.limits = limits
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestError(SourceRef(file: path), .cannotOpen(errno: errno)) }
        var st = stat()
        fstat(fd, &st)
        fileSize = Int64(st.st_size)
        var reports: [Report] = []
        var found: [ZipEntry]
        do {
            found = try Self.readDirectory(fd: fd, size: fileSize)
            for k in found.indices { found[k].dataOffset = Self.dataOffset(fd: fd, size: fileSize, of: found[k]) ?? -1 }
            // A directory entry pointing at no local header (a damaged offset) does not lose its
            // member when the member's own local header is intact: it is found by name there.
            let lost = found.indices.filter { found[$0].dataOffset < 0 }
            if !lost.isEmpty {
                var scanned: [String: ZipEntry] = [:]
                for e in Self.scanLocalHeaders(fd: fd, size: fileSize, limits: limits) where scanned[e.name] == nil { scanned[e.name] = e }
                let names = lost.map { found[$0].name }
                var recovered = 0
                for k in lost {
                    if let e = scanned[found[k].name] {
                        found[k] = e
                        recovered += 1
                    }
                }
                reports.append(
                    Report(
                        offset: 0, member: nil, reason: "damaged ZIP directory",
                        detail: "directory entries pointing at no local header: \(names.joined(separator: ", ")); "
                            + "\(recovered) found from their local headers"))
            }
        } catch let e as Error {
            found = Self.scanLocalHeaders(fd: fd, size: fileSize, limits: limits)
            guard !found.isEmpty else {
                Glibc.close(fd)
                throw e
            }
            reports.append(
                Report(
                    offset: e.offset, member: nil, reason: "damaged ZIP directory",
                    detail: "\(e.message); \(found.count) member(s) found from their local headers"))
            for t in found where t.truncated {
                reports.append(
                    Report(
                        offset: t.localHeaderOffset, member: t.name, reason: "truncated ZIP member",
                        detail: "the file ends inside it; its first \(t.compressedSize) bytes are read"))
            }
        } catch {
            Glibc.close(fd)
            throw error
        }
        let (kept, refused) = Self.refuseOverlaps(found, fileSize: fileSize)
        entries = kept
        self.reports = reports + refused
    }

    deinit { Glibc.close(fd) }

    private static func pread(_ fd: Int32, _ offset: Int64, _ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        try out.withUnsafeMutableBytes { b in
            while got < count {
                let n = Glibc.pread(fd, b.baseAddress! + got, count - got, off_t(offset) + off_t(got))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw Error(offset: offset + Int64(got), message: "unexpected end of file") }
                got += n
            }
        }
        return out
    }

    private static func le16(_ b: [UInt8], _ k: Int) -> UInt16 { UInt16(b[k]) | UInt16(b[k + 1]) << 8 }
    private static func le32(_ b: [UInt8], _ k: Int) -> UInt32 { UInt32(le16(b, k)) | UInt32(le16(b, k + 2)) << 16 }
    private static func le64(_ b: [UInt8], _ k: Int) -> UInt64 { UInt64(le32(b, k)) | UInt64(le32(b, k + 4)) << 32 }

    private static func readDirectory(fd: Int32, size: Int64) throws -> [ZipEntry] {
        guard size >= 22 else { throw Error(offset: 0, message: "too short to be a ZIP") }
        let tailLength = Int(min(size, 22 + 65535 + 20))
        let tailStart = size - Int64(tailLength)
        let tail = try pread(fd, tailStart, tailLength)
        var eocd = -1
        var k = tailLength - 22
        while k >= 0 {
            if tail[k] == 0x50, tail[k + 1] == 0x4b, tail[k + 2] == 0x05, tail[k + 3] == 0x06 { eocd = k; break }
            k -= 1
        }
        guard eocd >= 0 else { throw Error(offset: size, message: "no end of central directory record") }
        var count = UInt64(le16(tail, eocd + 10))
        var cdSize = UInt64(le32(tail, eocd + 12))
        var cdOffset = UInt64(le32(tail, eocd + 16))
        let saturated = count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF
        let loc = eocd - 20
        let hasLocator = loc >= 0 && le32(tail, loc) == 0x0706_4b50
        if saturated && !hasLocator { throw Error(offset: tailStart + Int64(eocd), message: "ZIP64 locator missing") }
        if hasLocator {
            // ZIP64: the locator sits just before the end record and points at the ZIP64 end
            // record, whose values win whenever it exists.
            let z64 = le64(tail, loc + 8)
            guard z64 <= UInt64(size - 56) else { throw Error(offset: tailStart + Int64(loc), message: "ZIP64 end record out of range") }
            let rec = try pread(fd, Int64(z64), 56)
            guard le32(rec, 0) == 0x0606_4b50 else { throw Error(offset: Int64(z64), message: "bad ZIP64 end record") }
            count = le64(rec, 32)
            cdSize = le64(rec, 40)
            cdOffset = le64(rec, 48)
        }
        guard cdOffset <= UInt64(size), cdSize <= UInt64(size) - cdOffset, cdSize <= 1 << 30 else {
            throw Error(offset: tailStart + Int64(eocd), message: "central directory out of range")
        }
        guard count <= cdSize / 46 + 1 else { throw Error(offset: Int64(cdOffset), message: "entry count \(count) does not fit the directory") }
        let cd = try pread(fd, Int64(cdOffset), Int(cdSize))
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(count))
        var p = 0
        while p + 46 <= cd.count, le32(cd, p) == 0x0201_4b50 {
            let nameLen = Int(le16(cd, p + 28)), extraLen = Int(le16(cd, p + 30)), commentLen = Int(le16(cd, p + 32))
            guard p + 46 + nameLen + extraLen + commentLen <= cd.count else {
                throw Error(offset: Int64(cdOffset) + Int64(p), message: "central directory entry overruns the directory")
            }
            var e = ZipEntry(
                name: String(decoding: cd[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self),
                method: le16(cd, p + 10), flags: le16(cd, p + 8), crc32: le32(cd, p + 16),
                compressedSize: Int64(le32(cd, p + 20)), uncompressedSize: Int64(le32(cd, p + 24)),
                localHeaderOffset: Int64(le32(cd, p + 42)))
            // ZIP64 extended information: only the fields that were saturated, in this order.
            var x = p + 46 + nameLen
            let xEnd = x + extraLen
            while x + 4 <= xEnd {
                let id = le16(cd, x), len = Int(le16(cd, x + 2))
                guard x + 4 + len <= xEnd else { break }
                if id == 0x0001 {
                    var f = x + 4
                    func next() -> Int64? {
                        guard f + 8 <= x + 4 + len else { return nil }
                        defer { f += 8 }
                        let v = le64(cd, f)
                        return v > UInt64(Int64.max) ? nil : Int64(v)
                    }
                    if e.uncompressedSize == 0xFFFF_FFFF, let v = next() { e.uncompressedSize = v }
                    if e.compressedSize == 0xFFFF_FFFF, let v = next() { e.compressedSize = v }
                    if e.localHeaderOffset == 0xFFFF_FFFF, let v = next() { e.localHeaderOffset = v }
                }
                x += 4 + len
            }
            entries.append(e)
            p += 46 + nameLen + extraLen + commentLen
        }
        // Fewer entries than the end record counts: the directory is damaged part-way through.
        guard entries.count >= count else {
            throw Error(offset: Int64(cdOffset) + Int64(p), message: "central directory holds \(entries.count) of \(count) entries")
        }
        return entries
    }

    /// Where `entry`'s data starts, from its local header; nil when that header is out of range
    /// or not one (opening the entry then reports it).
    private static func dataOffset(fd: Int32, size: Int64, of entry: ZipEntry) -> Int64? {
        guard entry.localHeaderOffset >= 0, entry.localHeaderOffset <= size - 30,
            let h = try? pread(fd, entry.localHeaderOffset, 30), le32(h, 0) == 0x0403_4b50
        else { return nil }
        return entry.localHeaderOffset + 30 + Int64(le16(h, 26)) + Int64(le16(h, 28))
    }

    /// Splits `all` into the entries to keep and reports of those refused: an entry whose bytes
    /// (local header to data end) start inside a kept entry's bytes is refused, so no byte of
    /// the file is inflated twice. Of entries that start at the same offset the first in
    /// directory order is kept. Entries whose local header or data is out of range are kept
    /// here and fail when opened. O(n log n).
    static func refuseOverlaps(_ all: [ZipEntry], fileSize: Int64) -> (kept: [ZipEntry], refused: [Report]) {
        func end(_ e: ZipEntry) -> Int64? {
            guard e.dataOffset >= 0, e.compressedSize >= 0, e.compressedSize <= fileSize - e.dataOffset else { return nil }
            return e.dataOffset + e.compressedSize
        }
        let order = all.indices.filter { end(all[$0]) != nil }
            .sorted { (all[$0].localHeaderOffset, $0) < (all[$1].localHeaderOffset, $1) }
        var refused = Set<Int>()
        var reports: [Report] = []
        var reach: (index: Int, end: Int64)?
        for i in order {
            let e = all[i], stop = end(e)!
            if let r = reach, e.localHeaderOffset < r.end {
                let other = all[r.index]
                let how = e.localHeaderOffset == other.localHeaderOffset ? "repeat" : "overlap"
                reports.append(
                    Report(
                        offset: e.localHeaderOffset, member: e.name, reason: "overlapping ZIP entry",
                        detail:
                            "bytes \(e.localHeaderOffset)..<\(stop) \(how) those of \(other.name) at \(other.localHeaderOffset)..<\(r.end); refused"))
                refused.insert(i)
                continue
            }
            reach = (i, stop)
        }
        return (all.indices.filter { !refused.contains($0) }.map { all[$0] }, reports)
    }

    /// Finds the members from their local file headers, front to back: what a damaged or missing
    /// central directory leaves. A header counts when its sizes are known (in the header, its
    /// ZIP64 extra, or, with a data descriptor, from the end of the deflate stream or a signed
    /// descriptor whose size matches) and lie within the file. Scanning resumes after each
    /// member's data, so the cost is one pass over the file, plus one inflation of deflated
    /// members written with a data descriptor (capped by `limits`). Headers that only look like
    /// ones (inside member data) could each start an inflation or a descriptor search running
    /// to the end of the file, so the bytes those take are capped at twice the file size plus
    /// 16 MiB; past that, only members whose sizes are in their headers are found.
    static func scanLocalHeaders(fd: Int32, size: Int64, limits: Limits) -> [ZipEntry] {
        var found: [ZipEntry] = []
        var pos: Int64 = 0
        var work = 2 * size + (16 << 20)
        var noDescriptorFrom = Int64.max  // no descriptor signature at or after this offset
        var cut: ZipEntry?  // the first header whose data runs past the end of the file
        let file = ScanWindow(fd: fd, size: size)
        while let h = file.find([0x50, 0x4b, 0x03, 0x04], from: pos) {
            pos = h + 4  // where to look next if this header is not usable
            guard let hd = file.bytes(h, 30) else { break }
            let flags = le16(hd, 6), method = le16(hd, 8)
            let nameLen = Int(le16(hd, 26)), extraLen = Int(le16(hd, 28))
            let dataStart = h + 30 + Int64(nameLen + extraLen)
            guard nameLen > 0, dataStart <= size, let ne = file.bytes(h + 30, nameLen + extraLen) else { continue }
            var e = ZipEntry(
                name: String(decoding: ne[0..<nameLen], as: UTF8.self), method: method, flags: flags,
                crc32: le32(hd, 14), compressedSize: Int64(le32(hd, 18)), uncompressedSize: Int64(le32(hd, 22)),
                localHeaderOffset: h, dataOffset: dataStart)
            // A local ZIP64 extra holds both sizes, uncompressed first.
            var x = nameLen
            while x + 4 <= ne.count {
                let id = le16(ne, x), len = Int(le16(ne, x + 2))
                guard x + 4 + len <= ne.count else { break }
                if id == 0x0001, len >= 16, e.compressedSize == 0xFFFF_FFFF || e.uncompressedSize == 0xFFFF_FFFF {
                    let u = le64(ne, x + 4), c = le64(ne, x + 12)
                    if u <= UInt64(Int64.max), c <= UInt64(Int64.max) { e.uncompressedSize = Int64(u); e.compressedSize = Int64(c) }
                }
                x += 4 + len
            }
            if flags & 8 == 0 {
                guard e.compressedSize <= size - dataStart else {
                    if cut == nil, method == 0 || method == 8 { cut = e }
                    continue
                }
            } else if method == 8 {
                // Sizes and CRC follow the data; the deflate stream's end says where it is.
                guard work > 0, let x = inflatedExtent(fd: fd, size: size, from: dataStart, limits: limits, work: &work) else { continue }
                e.compressedSize = x.consumed
                e.uncompressedSize = x.produced
                e.crc32 = x.crc
                if let d = descriptor(file, at: dataStart + x.consumed, compressed: x.consumed) {
                    e.crc32 = d.crc  // a mismatch with what was inflated is then reported on reading
                    pos = dataStart + x.consumed + d.length
                    found.append(e)
                    continue
                }
            } else {
                // Stored with a descriptor: only a signed descriptor whose size fits marks the end.
                var q = dataStart
                var hit: (crc: UInt32, length: Int64, at: Int64)?
                while hit == nil, work > 0, q < noDescriptorFrom {
                    guard let s = file.find([0x50, 0x4b, 0x07, 0x08], from: q) else {
                        noDescriptorFrom = q
                        break
                    }
                    work -= s + 4 - q
                    if let d = descriptor(file, at: s, compressed: s - dataStart) { hit = (d.crc, d.length, s) }
                    q = s + 1
                }
                guard let d = hit else { continue }
                e.crc32 = d.crc
                e.compressedSize = d.at - dataStart
                e.uncompressedSize = e.compressedSize
                pos = d.at + d.length
                found.append(e)
                continue
            }
            pos = dataStart + e.compressedSize
            found.append(e)
        }
        // A cut file ends inside its last member: read what is there, unless members were found
        // after that header (then it was no header, or not the last).
        if var c = cut, !found.contains(where: { $0.localHeaderOffset > c.localHeaderOffset }) {
            c.compressedSize = size - c.dataOffset
            c.uncompressedSize = -1
            c.truncated = true
            found.append(c)
        }
        return found
    }

    /// The data descriptor at `at` (signature optional for deflated data, as the format allows)
    /// when its compressed size is `compressed`: its CRC-32 and its length in bytes.
    private static func descriptor(_ file: ScanWindow, at: Int64, compressed: Int64) -> (crc: UInt32, length: Int64)? {
        guard at >= 0, at <= file.size - 12, let d = file.bytes(at, Int(min(24, file.size - at))) else { return nil }
        let signed = le32(d, 0) == 0x0807_4b50
        let k = signed ? 4 : 0
        if k + 12 <= d.count, Int64(le32(d, k + 4)) == compressed { return (le32(d, k), Int64(k + 12)) }
        if k + 20 <= d.count, le64(d, k + 4) == UInt64(compressed) { return (le32(d, k), Int64(k + 20)) }
        return nil
    }

    /// Inflates raw deflate data from `from` to its end marker: the compressed and uncompressed
    /// sizes and the CRC-32. Nil when the data is corrupt, ends first, or passes the ratio cap.
    /// `work` is charged with the compressed bytes read.
    private static func inflatedExtent(fd: Int32, size: Int64, from: Int64, limits: Limits, work: inout Int64) -> (
        consumed: Int64, produced: Int64, crc: UInt32
    )? {
        guard var inflater = try? Zlib.Inflater(format: .raw) else { return nil }
        var out = [UInt8](repeating: 0, count: 256 << 10)
        var input: [UInt8] = []
        var inOff = 0, inPos = from
        var consumed: Int64 = 0, produced: Int64 = 0
        var crc: UInt32 = 0
        while true {
            if inOff == input.count {
                let n = Int(min(256 << 10, size - inPos))
                guard n > 0, let chunk = try? pread(fd, inPos, n) else { return nil }
                input = chunk
                inPos += Int64(n)
                work -= Int64(n)
                inOff = 0
            }
            let off = inOff
            guard
                let step = try? input.withUnsafeBytes({ i in
                    try out.withUnsafeMutableBytes { o in try inflater.inflate(UnsafeRawBufferPointer(rebasing: i[off...]), into: o) }
                })
            else { return nil }
            inOff += step.consumed
            consumed += Int64(step.consumed)
            produced += Int64(step.produced)
            crc = out.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<step.produced]), continuing: crc) }
            guard produced <= limits.cap(compressed: consumed) else { return nil }
            if step.streamEnded { return (consumed, produced, crc) }
            if step.consumed == 0, step.produced == 0, inOff < input.count { return nil }
        }
    }

    /// A file read through one cached 1 MiB window, so a scan that looks at many nearby offsets
    /// reads each byte about once, however densely what it looks for occurs.
    private final class ScanWindow {
        let fd: Int32
        let size: Int64
        private var base: Int64 = 0
        private var buf: [UInt8] = []
        static let span = 1 << 20

        init(fd: Int32, size: Int64) {
            self.fd = fd
            self.size = size
        }

        /// Makes the window hold `[offset, offset + count)`; false when the file does not.
        private func cover(_ offset: Int64, _ count: Int) -> Bool {
            guard offset >= 0, count <= Self.span, offset <= size - Int64(count) else { return false }
            if offset >= base, offset + Int64(count) <= base + Int64(buf.count) { return true }
            guard let b = try? ZipArchive.pread(fd, offset, Int(min(Int64(Self.span), size - offset))) else { return false }
            base = offset
            buf = b
            return true
        }

        /// `count` bytes at `offset`, nil when they are not all in the file.
        func bytes(_ offset: Int64, _ count: Int) -> [UInt8]? {
            guard cover(offset, count) else { return nil }
            let k = Int(offset - base)
            return Array(buf[k..<(k + count)])
        }

        /// The offset of the first `sig` (4 bytes) at or after `from`.
        func find(_ sig: [UInt8], from: Int64) -> Int64? {
            var pos = max(from, 0)
            while cover(pos, 4) {
                let start = Int(pos - base), n = buf.count
                let hit: Int? = buf.withUnsafeBytes { r in
                    var k = start
                    while k + 4 <= n {
                        guard let p = memchr(r.baseAddress! + k, Int32(sig[0]), n - k - 3) else { return nil }
                        k = r.baseAddress!.distance(to: UnsafeRawPointer(p))
                        if r[k + 1] == sig[1], r[k + 2] == sig[2], r[k + 3] == sig[3] { return k }
                        k += 1
                    }
                    return nil
                }
                if let hit { return base + Int64(hit) }
                pos = base + Int64(n - 3)
            }
            return nil
        }
    }

    public func entry(named name: String) -> ZipEntry? { entries.first { $0.name == name } }

    /// Offset of `entry`'s data, after its local header; checked to lie within the file.
    public func dataRange(of entry: ZipEntry) throws -> (start: Int64, length: Int64) {
        var start = entry.dataOffset
        if start < 0 {
            guard entry.localHeaderOffset >= 0, entry.localHeaderOffset <= fileSize - 30 else {
                throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): local header out of range")
            }
            guard let s = Self.dataOffset(fd: fd, size: fileSize, of: entry) else {
                throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): bad local header")
            }
            start = s
        }
        guard entry.compressedSize >= 0, start <= fileSize, entry.compressedSize <= fileSize - start else {
            throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): data out of range")
        }
        return (start, entry.compressedSize)
    }

    /// A stream of `entry`'s uncompressed bytes, checked as it goes (see `ZipMemberStream`).
    /// Offsets it reports are within those bytes. Throws for encrypted members and methods
    /// other than stored and deflate.
    public func open(_ entry: ZipEntry) throws -> ZipMemberStream {
        guard entry.flags & 1 == 0 else { throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): encrypted") }
        let r = try dataRange(of: entry)
        let raw = try FileStream(path: path, start: r.start, length: r.length)
        let inner: ByteStream
        switch entry.method {
        case 0: inner = raw
        case 8: inner = try DecodingStream(raw, format: .rawDeflate)
        default: throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): compression method \(entry.method) not supported")
        }
        return ZipMemberStream(inner, entry: entry, cap: limits.cap(compressed: entry.compressedSize))
    }

    /// All of `entry`'s bytes, refusing members that would exceed `limit` bytes or fail their
    /// CRC-32, size or ratio check (thrown as `ZipArchive.Error`).
    public func read(_ entry: ZipEntry, limit: Int) throws -> [UInt8] {
        let s = try open(entry)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try s.read(into: $0) }
            if n == 0 {
                if let d = s.damage { throw Error(offset: d.offset, message: "\(entry.name): \(d.reason): \(d.detail)") }
                return out
            }
            guard out.count + n <= limit else { throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): larger than \(limit) bytes") }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}

/// A member's uncompressed bytes, checked against what the archive says of them as they stream:
/// the CRC-32 and size when the data ends, and while it runs neither more than the declared
/// size nor more than the ratio cap. A failed check ends the stream early (a reader sees an end,
/// not an error, so whatever it read before stays) and is kept in `damage` for the caller to
/// report with the member's name. Checking costs one `crc32` pass over the output.
public final class ZipMemberStream: ByteStream {
    private let inner: ByteStream
    public let entry: ZipEntry
    /// Most output bytes allowed (the ratio cap).
    public let cap: Int64
    public private(set) var produced: Int64 = 0
    /// The failed check, once the stream has ended (reason `ZIP CRC mismatch`, `ZIP size
    /// mismatch` or `ZIP ratio cap`); nil while it runs and when all checks pass.
    public private(set) var damage: ZipArchive.Report?
    private var crc: UInt32 = 0
    private var ended = false

    init(_ inner: ByteStream, entry: ZipEntry, cap: Int64) {
        self.inner = inner
        self.entry = entry
        self.cap = cap
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !ended, buffer.count > 0 else { return 0 }
        // Never more than one byte past either bound, so a bomb costs no more than the bound.
        let bound = min(cap, entry.uncompressedSize >= 0 ? entry.uncompressedSize : Int64.max)
        let left = bound - produced
        let room = Int(min(Int64(buffer.count), left == Int64.max ? left : left + 1))
        let n: Int
        do { n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<room])) } catch {
            ended = true  // the reader reports the decoder's error itself
            throw error
        }
        if n == 0 {
            ended = true
            if entry.uncompressedSize >= 0, produced != entry.uncompressedSize {
                fail("ZIP size mismatch", "\(produced) bytes where the directory says \(entry.uncompressedSize)")
            } else if !entry.truncated, crc != entry.crc32 {
                fail("ZIP CRC mismatch", "the data's CRC-32 is \(hex32(crc)), the directory says \(hex32(entry.crc32))")
            }
            return 0
        }
        // Past a bound, hand over the bytes up to it and end there.
        if produced + Int64(n) > bound {
            if bound == cap {
                fail(
                    "ZIP ratio cap",
                    "inflates past \(cap) bytes (more than \(cap / max(entry.compressedSize, 1)):1 from \(entry.compressedSize) bytes); the rest is not read"
                )
            } else {
                fail("ZIP size mismatch", "inflates past its declared size of \(entry.uncompressedSize) bytes; the rest is not read")
            }
            let kept = Int(bound - produced)
            produced = bound
            return kept
        }
        crc = Zlib.crc32(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), continuing: crc)
        produced += Int64(n)
        return n
    }

    public func location(ofOutput position: Int64) -> StreamLocation { inner.location(ofOutput: position) }

    /// Reads whatever the consumer left unread (errors already reported by the reader are not
    /// thrown again), then returns the failed check, if any.
    public func drain() -> ZipArchive.Report? {
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        while !ended, ((try? chunk.withUnsafeMutableBytes { try read(into: $0) }) ?? 0) > 0 {}
        ended = true
        return damage
    }

    private func fail(_ reason: String, _ detail: String) {
        ended = true
        damage = ZipArchive.Report(offset: entry.localHeaderOffset, member: entry.name, reason: reason, detail: detail)
    }

    private func hex32(_ v: UInt32) -> String { Hex.encode(withUnsafeBytes(of: v.bigEndian, Array.init)) }
}
