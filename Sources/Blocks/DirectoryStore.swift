import Support
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blocks as files below `ROOT/blocks/`, named as the folder's `BlockLayout` says
/// (`blocks/<xy>/<cid>` for new folders, `blocks/<cid>` for those written before fan-out): the
/// layout a published index uses, so any static web server can serve the folder unchanged.
///
/// A block is written straight to its name, never renamed into place: blocks are
/// content-addressed, so a writer killed mid-write leaves at most a short file, which the next
/// `put` of that CID tells by its size and replaces, and readers verify every block against its
/// CID anyway. (Blocks are not synced, so a rename never protected them from a power loss; the
/// manifest, written last and synced, is what makes an index appear.) Reads look in the other
/// layout's place too, so a folder being moved to fan-out reads whole.
public final class DirectoryStore: BlockStore {
    public let root: String
    public let blocksPath: String
    /// Where this store writes (and first looks for) blocks.
    public let layout: BlockLayout
    /// Largest block accepted from disk; ours are far smaller, this bounds hostile folders.
    public let maxBlockSize: Int
    private let stats = Mutex(StoreCounters())
    public var name: String { blocksPath }

    /// `layout` nil: the folder's own (`BlockLayout.detect`), fan-out for a new folder.
    public init(root: String, create: Bool = true, layout: BlockLayout? = nil, maxBlockSize: Int = 16 << 20) throws {
        self.root = root
        self.blocksPath = root + "/blocks"
        self.maxBlockSize = maxBlockSize
        self.layout = layout ?? BlockLayout.detect(root: root)
        if create {
            try FileSystem.makeDirectories(blocksPath)
        } else if !FileSystem.isDirectory(blocksPath) {
            throw BlockError.io(path: blocksPath, message: "no such block folder")
        }
    }

    /// Where the block is written and served: its path in this store's layout.
    public func path(of cid: CID) -> String { blocksPath + "/" + layout.relativePath(cid) }

    /// Where the block's file is, in either layout (this store's first); nil when absent.
    public func existingPath(of cid: CID) -> String? {
        let own = path(of: cid)
        if FileSystem.exists(own) { return own }
        let other = blocksPath + "/" + otherLayout.relativePath(cid)
        return FileSystem.exists(other) ? other : nil
    }

    public func get(_ cid: CID) throws -> [UInt8] { try read(cid, name: cid.description, at: Place(self)) }

    /// `get` within an open block folder, the CID's text given (`DAGCopy`).
    public func get(_ cid: CID, name: String, in folder: OpenFolder) throws -> [UInt8] {
        try read(cid, name: name, at: Place(folder))
    }

    private func read(_ cid: CID, name: String, at place: Place) throws -> [UInt8] {
        var relative = layout.relativePath(name: name)
        let bytes: [UInt8]
        do {
            do {
                bytes = try FileSystem.readFile(place.base + relative, in: place.fd, limit: maxBlockSize)
            } catch FileSystem.Error.notFound {
                relative = otherLayout.relativePath(name: name)
                bytes = try FileSystem.readFile(place.base + relative, in: place.fd, limit: maxBlockSize)
            }
        } catch FileSystem.Error.notFound {
            throw BlockError.notFound(cid: cid, source: blocksPath)
        } catch FileSystem.Error.tooLarge(let size) {
            throw BlockError.tooLarge(cid: cid, size: size, limit: maxBlockSize, source: blocksPath + "/" + relative)
        }
        try cid.verify(bytes, source: blocksPath + "/" + relative)
        stats.withLock {
            $0.reads += 1; $0.bytesRead += bytes.count
        }
        return bytes
    }

    private var otherLayout: BlockLayout { layout == .flat ? BlockLayout.fanOut : .flat }

    /// The block folder held open for a run of operations relative to it (`DAGCopy`): each then
    /// walks a block's one or two path components instead of the folder's whole path (most of
    /// a copy's system time was path walks). Closed when released.
    public final class OpenFolder {
        public let store: DirectoryStore
        let fd: Int32
        public init(_ store: DirectoryStore) throws {
            fd = open(store.blocksPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw BlockError.io(path: store.blocksPath, message: String(cString: strerror(errno))) }
            self.store = store
        }
        deinit { close(fd) }
    }

    /// Where block paths start: the working directory and the folder's path, or an open folder.
    private struct Place {
        let fd: Int32
        let base: String
        init(_ store: DirectoryStore) {
            fd = AT_FDCWD
            base = store.blocksPath + "/"
        }
        init(_ folder: OpenFolder) {
            fd = folder.fd
            base = ""
        }
    }

    /// `has` within an open block folder of this store, the CID's text given.
    public func has(name: String, in folder: OpenFolder) -> Bool {
        faccessat(folder.fd, layout.relativePath(name: name), F_OK, 0) == 0
    }

    /// Whether the block is where this store's layout (and so its URL) says.
    public func has(_ cid: CID) throws -> Bool { FileSystem.exists(path(of: cid)) }

    public func put(_ bytes: [UInt8], cid: CID) throws {
        let p = path(of: cid)
        if try !writeNew(p, bytes) {
            // Present: whole, unless a killed writer left it short.
            if FileSystem.fileSize(p) == UInt64(bytes.count) { return }
            try FileSystem.writeAtomically(p, bytes)
        }
        stats.withLock {
            $0.writes += 1; $0.bytesWritten += bytes.count
        }
    }

    /// `FileSystem.writeNew`, making the block's fan-out folder the first time one is missing.
    private func writeNew(_ p: String, _ bytes: [UInt8]) throws -> Bool {
        do {
            return try FileSystem.writeNew(p, bytes)
        } catch FileSystem.Error.notFound where layout == .fanOut {
            try makeShard(of: p)
            return try FileSystem.writeNew(p, bytes)
        }
    }

    /// Makes the fan-out folder of the block file `path` (relative to `folder`, if given).
    private func makeShard(of path: String, in folder: Int32 = AT_FDCWD) throws {
        let shard = String(path[..<path.lastIndex(of: "/")!])
        if mkdirat(folder, shard, 0o755) != 0 && errno != EEXIST {
            throw BlockError.io(path: folder == AT_FDCWD ? shard : blocksPath + "/" + shard, message: String(cString: strerror(errno)))
        }
    }

    /// Stores `cid` by hard-linking it from another folder store on the same file system (no
    /// bytes copied; blocks are immutable). False when linking is not possible, so the caller
    /// copies instead. The source file is verified first (a link must not spread a bad block),
    /// unless the caller has just read it through `other.get` (`verified`).
    public func link(_ cid: CID, from other: DirectoryStore, verified: Bool = false) throws -> Bool {
        if !verified {
            if FileSystem.exists(path(of: cid)) { return true }
            _ = try other.get(cid)
        }
        return try link(name: cid.description, from: other, at: Place(other), to: Place(self))
    }

    /// `link(_:from:verified:)` between open block folders, the CID's text given, for a block
    /// the caller has just read and verified from `source`.
    public func link(name: String, from source: OpenFolder, into own: OpenFolder) throws -> Bool {
        precondition(own.store === self, "linking into another store's folder")
        return try link(name: name, from: source.store, at: Place(source), to: Place(own))
    }

    private func link(name: String, from other: DirectoryStore, at from: Place, to place: Place) throws -> Bool {
        // Straight to link(2), not asking first where either file is: EEXIST is the block
        // already here, ENOENT a fan-out folder missing here or a source in the other layout.
        // Two stats a block fewer: a compaction into a new folder links every block it reaches.
        let target = place.base + layout.relativePath(name: name)
        for source in [other.layout.relativePath(name: name), other.otherLayout.relativePath(name: name)].map({ from.base + $0 }) {
            if linkat(from.fd, source, place.fd, target, 0) == 0 {
                stats.withLock { $0.writes += 1 }
                return true
            }
            if errno == EEXIST { return true }
            guard errno == ENOENT, layout == .fanOut, faccessat(from.fd, source, F_OK, 0) == 0 else { continue }
            try makeShard(of: target, in: place.fd)
            if linkat(from.fd, source, place.fd, target, 0) == 0 {
                stats.withLock { $0.writes += 1 }
                return true
            }
            return errno == EEXIST
        }
        return false
    }

    /// Every CID named by a file in the block folder, in either layout (files that are not CIDs
    /// are ignored).
    public func list() throws -> [CID] {
        try files().compactMap { try? CID($0.name) }
    }

    /// Every file in the block folder and its fan-out folders: name and path.
    public func files() throws -> [(name: String, path: String)] {
        var out: [(name: String, path: String)] = []
        for name in try FileSystem.listDirectory(blocksPath) {
            let path = blocksPath + "/" + name
            if name.utf8.count == 2, FileSystem.isDirectory(path) {
                for inner in try FileSystem.listDirectory(path) { out.append((inner, path + "/" + inner)) }
            } else {
                out.append((name, path))
            }
        }
        return out
    }

    public var counters: StoreCounters { stats.withLock { $0 } }
}
