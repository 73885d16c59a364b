import Support
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
        stats.withLock {
            $0.reads += 1; $0.bytesRead += bytes.count
        }
        return bytes
    }

    public func has(_ cid: CID) throws -> Bool { FileSystem.exists(path(of: cid)) }

    public func put(_ bytes: [UInt8], cid: CID) throws {
        let p = path(of: cid)
        if FileSystem.exists(p) { return }
        try FileSystem.writeAtomically(p, bytes)
        stats.withLock {
            $0.writes += 1; $0.bytesWritten += bytes.count
        }
    }

    /// Stores `cid` by hard-linking it from another folder store on the same file system (no
    /// bytes copied; blocks are immutable). False when linking is not possible, so the caller
    /// copies instead. The source file is verified first (a link must not spread a bad block),
    /// unless the caller has just read it through `other.get` (`verified`).
    public func link(_ cid: CID, from other: DirectoryStore, verified: Bool = false) throws -> Bool {
        let target = path(of: cid)
        if FileSystem.exists(target) { return true }
        if !verified { _ = try other.get(cid) }
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
