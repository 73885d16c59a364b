import Support

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// CAR v1 (Content Addressable aRchive): a DAG-CBOR header `{roots, version: 1}` then
/// `varint(len) CID block` sections. What IPFS imports and exports (`ipfs dag import`).
public enum CAR {
    /// Largest section accepted on import.
    public static let maxSection = 16 << 20

    /// Every CID reachable from `root` in depth-first pre-order, each once. Links are found by
    /// parsing DAG-CBOR blocks; blocks of other codecs are leaves.
    public static func reachable(from root: CID, in store: BlockStore, visit: (CID, [UInt8]) throws -> Void) throws {
        var seen: Set<CID> = []
        var stack = [root]
        while let cid = stack.popLast() {
            guard seen.insert(cid).inserted else { continue }
            let bytes = try store.get(cid)
            try visit(cid, bytes)
            if cid.codec == CID.dagCBOR {
                var links: [CID] = []
                try DagCBOR.links(of: bytes, into: &links)
                stack.append(contentsOf: links.reversed())
            }
        }
    }

    /// Writes the DAG under `root` to `path` (atomically). Returns the number of blocks.
    @discardableResult
    public static func export(root: CID, from store: BlockStore, to path: String) throws -> Int {
        var out = header(roots: [root])
        var count = 0
        try reachable(from: root, in: store) { cid, bytes in
            Varint.append(UInt64(cid.bytes.count + bytes.count), to: &out)
            out.append(contentsOf: cid.bytes)
            out.append(contentsOf: bytes)
            count += 1
        }
        try FileSystem.writeAtomically(path, out)
        return count
    }

    static func header(roots: [CID]) -> [UInt8] {
        let h = DagCBOR.map(sorting: [("roots", .array(roots.map { .link($0) })), ("version", .unsigned(1))]).encode()
        var out = Varint.encode(UInt64(h.count))
        out.append(contentsOf: h)
        return out
    }

    /// Reads a CAR v1 file into `store`, verifying every block against its CID.
    /// Returns the roots named in the header and the number of blocks read.
    public static func importFile(_ path: String, into store: BlockStore) throws -> (roots: [CID], blocks: Int) {
        var reader = try FileReader(path: path)
        defer { reader.close() }
        func bad(_ offset: Int, _ message: String) -> BlockError { .badCAR(path: path, offset: offset, message: message) }

        guard let headerLength = try reader.varint(), headerLength > 0, headerLength <= 1 << 20 else {
            throw bad(0, "missing or oversized header length")
        }
        let headerStart = reader.offset
        guard let headerBytes = try reader.read(Int(headerLength)) else { throw bad(headerStart, "truncated header") }
        let header: DagCBOR
        do { header = try DagCBOR.decode(headerBytes) } catch { throw bad(headerStart, "header: \(error)") }
        guard header["version"]?.uint == 1 else { throw bad(headerStart, "not a CAR version 1 header") }
        guard let rootValues = header["roots"]?.array else { throw bad(headerStart, "header has no roots") }
        let roots = try rootValues.map { v -> CID in
            guard let c = v.cid else { throw bad(headerStart, "a root is not a CID link") }
            return c
        }

        var count = 0
        while true {
            let sectionStart = reader.offset
            guard let length = try reader.varint() else {
                if reader.atEnd { break }
                throw bad(sectionStart, "malformed section length")
            }
            guard length > 0, length <= UInt64(maxSection) else { throw bad(sectionStart, "section length \(length) out of range") }
            guard let section = try reader.read(Int(length)) else { throw bad(sectionStart, "truncated section") }
            var o = 0
            guard let cid = CID.parse(section, &o) else { throw bad(sectionStart, "malformed CID") }
            let block = Array(section[o...])
            guard cid.matches(block) else { throw bad(sectionStart, "block \(cid) does not match its CID") }
            try store.put(block, cid: cid)
            count += 1
        }
        return (roots, count)
    }
}

/// A buffered sequential reader over a file descriptor, tracking the byte offset for errors.
struct FileReader {
    let fd: Int32
    let path: String
    var buffer: [UInt8] = []
    var position = 0
    var offset = 0
    var eof = false

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BlockError.io(path: path, message: String(cString: strerror(errno))) }
    }

    func close() { _ = Glibc.close(fd) }

    var atEnd: Bool { eof && position == buffer.count }

    /// Ensures `n` bytes are buffered if the file has them.
    mutating func fill(_ n: Int) throws {
        if buffer.count - position >= n || eof { return }
        buffer.removeFirst(position)
        position = 0
        var chunk = [UInt8](repeating: 0, count: max(1 << 20, n))
        while buffer.count < n && !eof {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw BlockError.io(path: path, message: String(cString: strerror(errno)))
            }
            if got == 0 { eof = true } else { buffer.append(contentsOf: chunk[0..<got]) }
        }
    }

    mutating func read(_ n: Int) throws -> [UInt8]? {
        try fill(n)
        guard buffer.count - position >= n else { return nil }
        let out = Array(buffer[position..<position + n])
        position += n
        offset += n
        return out
    }

    /// nil at a clean end of file or on a malformed varint (`atEnd` tells which).
    mutating func varint() throws -> UInt64? {
        try fill(10)
        if position == buffer.count { return nil }
        var o = position
        guard let v = Varint.read(buffer, &o) else { return nil }
        offset += o - position
        position = o
        return v
    }
}
