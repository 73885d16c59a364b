#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Blocks as files `ROOT/blocks/<cid>`: the layout a published index uses, so any static
/// web server can serve the folder unchanged.
///
/// Writes go to a temporary name in the same folder and are renamed into place, so a killed
/// writer never leaves a partial block under a CID. Reads are verified against the CID.
public final class DirectoryStore: BlockStore {
    public let root: String
    public let blocksPath: String
    /// Largest block accepted from disk; ours are far smaller, this bounds hostile folders.
    public let maxBlockSize: Int
    private let stats = Mutex(StoreCounters())
    public var name: String { blocksPath }

    public init(root: String, create: Bool = true, maxBlockSize: Int = 16 << 20) throws {
        self.root = root
        self.blocksPath = root + "/blocks"
        self.maxBlockSize = maxBlockSize
        if create {
            try FileSystem.makeDirectories(blocksPath)
        } else if !FileSystem.isDirectory(blocksPath) {
            throw BlockError.io(path: blocksPath, message: "no such block folder")
        }
    }

    public func path(of cid: CID) -> String { blocksPath + "/" + cid.description }

    public func get(_ cid: CID) throws -> [UInt8] {
        let p = path(of: cid)
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readFile(p, limit: maxBlockSize)
        } catch FileSystem.Error.notFound {
            throw BlockError.notFound(cid: cid, source: blocksPath)
        } catch FileSystem.Error.tooLarge(let size) {
            throw BlockError.tooLarge(cid: cid, size: size, limit: maxBlockSize, source: p)
        }
        try cid.verify(bytes, source: p)
        stats.withLock { $0.reads += 1; $0.bytesRead += bytes.count }
        return bytes
    }

    public func has(_ cid: CID) throws -> Bool { FileSystem.exists(path(of: cid)) }

    public func put(_ bytes: [UInt8], cid: CID) throws {
        let p = path(of: cid)
        if FileSystem.exists(p) { return }
        try FileSystem.writeAtomically(p, bytes)
        stats.withLock { $0.writes += 1; $0.bytesWritten += bytes.count }
    }

    /// Stores `cid` by hard-linking it from another folder store on the same file system (no
    /// bytes copied; blocks are immutable). False when linking is not possible, so the caller
    /// copies instead. The source file is verified first: a link must not spread a bad block.
    public func link(_ cid: CID, from other: DirectoryStore) throws -> Bool {
        let target = path(of: cid)
        if FileSystem.exists(target) { return true }
        _ = try other.get(cid)
        if Glibc.link(other.path(of: cid), target) == 0 {
            stats.withLock { $0.writes += 1 }
            return true
        }
        return errno == EEXIST
    }

    /// Every CID named by a file in the block folder (files that are not CIDs are ignored).
    public func list() throws -> [CID] {
        try FileSystem.listDirectory(blocksPath).compactMap { try? CID($0) }
    }

    public var counters: StoreCounters { stats.withLock { $0 } }
}

/// Small POSIX file helpers: Foundation's are slower and hide errno.
public enum FileSystem {
    public enum Error: Swift.Error, Equatable {
        case notFound
        case tooLarge(Int)
    }

    static func errorText() -> String { String(cString: strerror(errno)) }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw BlockError.io(path: prefix, message: errorText())
            }
        }
    }

    /// Reads a whole file, refusing files larger than `limit` before allocating.
    public static func readFile(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw Error.notFound }
            throw BlockError.io(path: path, message: errorText())
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw BlockError.io(path: path, message: errorText()) }
        let size = Int(st.st_size)
        guard size <= limit else { throw Error.tooLarge(size) }
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw BlockError.io(path: path, message: errorText()) }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { out.removeLast(size - done) }
        return out
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: readers
    /// see the old file or the new one, never a part. `sync` also fsyncs before the rename.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool = false) throws {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BlockError.io(path: tmp, message: errorText()) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        try bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { close(fd); throw BlockError.io(path: tmp, message: errorText()) }
                done += n
            }
        }
        if sync && fsync(fd) != 0 { close(fd); throw BlockError.io(path: tmp, message: errorText()) }
        guard close(fd) == 0 else { throw BlockError.io(path: tmp, message: errorText()) }
        guard rename(tmp, path) == 0 else { throw BlockError.io(path: path, message: errorText()) }
        ok = true
    }

    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw BlockError.io(path: path, message: errorText()) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

extension FileSystem {
    /// Removes a folder and everything in it (no symlink following).
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw BlockError.io(path: path, message: errorText()) }
        } else {
            guard unlink(path) == 0 else { throw BlockError.io(path: path, message: errorText()) }
        }
    }
}
