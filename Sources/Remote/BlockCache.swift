import Blocks
import Support
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A bounded on-disk cache of blocks by CID, laid out as an index folder's `blocks/<cid>` so
/// it is itself a valid block folder. Several processes may share it: writes are atomic
/// renames and every read is verified against the CID again (a corrupt file is deleted and
/// treated as a miss). Eviction removes the least recently used blocks (by modification time,
/// which a hit refreshes) until the cache is under 80 % of its limit.
public final class BlockCache: Sendable {
    public let directory: String
    public let blocksPath: String
    /// Bytes the cache may hold before evicting.
    public let limit: Int
    /// Our running estimate of the bytes on disk: scanned once on the first write of this
    /// process, then kept up to date by our own writes and evictions.
    private let size = Mutex<Int?>(nil)

    public init(directory: String, limit: Int = 1 << 30) throws {
        self.directory = directory
        blocksPath = directory + "/blocks"
        self.limit = max(1, limit)
        try FileSystem.makeDirectories(blocksPath)
    }

    /// `$XDG_CACHE_HOME/indexer`, else `$HOME/.cache/indexer`; nil if neither is set.
    public static func defaultDirectory() -> String? {
        if let x = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), x.hasPrefix("/") { return x + "/indexer" }
        if let h = getenv("HOME").map({ String(cString: $0) }), !h.isEmpty { return h + "/.cache/indexer" }
        return nil
    }

    func path(_ cid: CID) -> String { blocksPath + "/" + cid.description }

    /// The cached block, verified, or nil. A hit marks the block recently used.
    public func read(_ cid: CID) -> [UInt8]? {
        let p = path(cid)
        guard let bytes = try? FileSystem.readFile(p, limit: 64 << 20) else { return nil }
        guard cid.matches(bytes) else {
            unlink(p)
            return nil
        }
        BlockCache.touch(p)
        return bytes
    }

    public func contains(_ cid: CID) -> Bool { FileSystem.exists(path(cid)) }

    /// Stores a block the caller has verified. Failures (a full disk, a read-only cache) are
    /// ignored: the cache is an optimisation, never a reason for a query to fail.
    public func write(_ cid: CID, _ bytes: [UInt8]) {
        let p = path(cid)
        if FileSystem.exists(p) { return }
        guard (try? FileSystem.writeAtomically(p, bytes)) != nil else { return }
        BlockCache.touch(p)
        let total = size.withLock { s -> Int in
            let now = (s ?? scanSize()) + bytes.count
            s = now
            return now
        }
        if total > limit { evict() }
    }

    /// Marks a file used now. The time is set explicitly from the precise clock: file systems
    /// stamp writes with a coarse clock (a few ms), which would tie blocks written together.
    static func touch(_ path: String) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var times = [now, now]
        utimensat(AT_FDCWD, path, &times, 0)
    }

    /// Bytes of every block file now in the cache.
    private func scanSize() -> Int {
        entries().reduce(0) { $0 + $1.bytes }
    }

    private func entries() -> [(name: String, bytes: Int, used: Int)] {
        guard let names = try? FileSystem.listDirectory(blocksPath) else { return [] }
        return names.compactMap { name in
            var st = stat()
            guard stat(blocksPath + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return (name, Int(st.st_size), Int(st.st_mtim.tv_sec) * 1_000_000_000 + Int(st.st_mtim.tv_nsec))
        }
    }

    /// Removes least recently used blocks until the cache holds at most 80 % of its limit.
    public func evict() {
        size.withLock { s in
            var all = entries()
            var total = all.reduce(0) { $0 + $1.bytes }
            let target = limit / 5 * 4
            if total > target {
                all.sort { $0.used < $1.used }
                for e in all where total > target {
                    if unlink(blocksPath + "/" + e.name) == 0 { total -= e.bytes }
                }
            }
            s = total
        }
    }

    /// Bytes the cache holds now (a directory scan).
    public var bytesOnDisk: Int { scanSize() }
}
