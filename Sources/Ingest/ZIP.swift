#if canImport(Glibc)
import Glibc
#endif

/// One member of a ZIP archive, from its central directory entry.
package struct ZipEntry: Sendable, Hashable {
    package var name: String
    /// 0 stored, 8 deflate; others are reported as unsupported.
    package var method: UInt16
    package var flags: UInt16
    package var crc32: UInt32
    package var compressedSize: Int64
    package var uncompressedSize: Int64
    package var localHeaderOffset: Int64
}

/// A ZIP (and ZIP64) reader of our own: central directory, stored and deflated members, each
/// streamed from disk in constant memory. Every size and offset read from the file is checked
/// against the file's length before use, so a hostile archive cannot make it read out of range
/// or allocate by what it claims.
package final class ZipArchive {
    package let path: String
    package let entries: [ZipEntry]
    package let fileSize: Int64
    private let fd: Int32

    /// Reads the central directory. Throws `ZipArchive.Error` when there is no end record or the
    /// directory is out of range, `IngestError` when the file cannot be opened.
    package init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestError(SourceRef(file: path), .cannotOpen(errno: errno)) }
        var st = stat()
        fstat(fd, &st)
        fileSize = Int64(st.st_size)
        do {
            entries = try Self.readDirectory(fd: fd, size: fileSize)
        } catch {
            Glibc.close(fd)
            throw error
        }
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
            var e = ZipEntry(name: String(decoding: cd[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self),
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
        return entries
    }

    package func entry(named name: String) -> ZipEntry? { entries.first { $0.name == name } }

    /// Offset of `entry`'s data, after its local header; checked to lie within the file.
    package func dataRange(of entry: ZipEntry) throws -> (start: Int64, length: Int64) {
        guard entry.localHeaderOffset >= 0, entry.localHeaderOffset <= fileSize - 30 else {
            throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): local header out of range")
        }
        let h = try Self.pread(fd, entry.localHeaderOffset, 30)
        guard Self.le32(h, 0) == 0x0403_4b50 else { throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): bad local header") }
        let start = entry.localHeaderOffset + 30 + Int64(Self.le16(h, 26)) + Int64(Self.le16(h, 28))
        guard entry.compressedSize >= 0, start <= fileSize, entry.compressedSize <= fileSize - start else {
            throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): data out of range")
        }
        return (start, entry.compressedSize)
    }

    /// A stream of `entry`'s uncompressed bytes. Offsets it reports are within those bytes.
    /// Throws for encrypted members and methods other than stored and deflate.
    package func open(_ entry: ZipEntry) throws -> ByteStream {
        guard entry.flags & 1 == 0 else { throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): encrypted") }
        let r = try dataRange(of: entry)
        let raw = try FileStream(path: path, start: r.start, length: r.length)
        switch entry.method {
        case 0: return raw
        case 8: return try DecodingStream(raw, format: .rawDeflate)
        default: throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): compression method \(entry.method) not supported")
        }
    }

    /// All of `entry`'s bytes, refusing members that would exceed `limit` bytes.
    package func read(_ entry: ZipEntry, limit: Int) throws -> [UInt8] {
        let s = try open(entry)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try s.read(into: $0) }
            if n == 0 { return out }
            guard out.count + n <= limit else { throw Error(offset: entry.localHeaderOffset, message: "\(entry.name): larger than \(limit) bytes") }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}
