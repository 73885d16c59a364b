import Blocks
import Index
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Removes what no kept manifest reaches from an index folder: blocks of versions no longer
/// kept, log entries beyond `keep`, stale temporary files and the `.build-<pid>` scratch folders
/// of builds that died. Other files in `blocks/` (named by no CID) are listed, not removed. Never removes a block `manifest.json` reaches, so a folder being served
/// stays whole; readers of a dropped older manifest may miss blocks (keep more to serve them).
///
/// Runs under the folder's lock (`FolderLock`), and removes no block while a build is running
/// in the folder (its blocks are not in any manifest yet).
public enum BlockCollector {
    public struct Report: Sendable {
        /// Manifests whose blocks were kept (the current one and the log entries kept).
        public var keptManifests = 0
        /// Log entries removed (beyond `keep`).
        public var removedManifests: [String] = []
        public var blocksKept = 0
        public var blocksRemoved = 0
        public var bytesRemoved: UInt64 = 0
        /// Blocks a kept manifest reaches that are not in the folder.
        public var missing: [CID] = []
        /// Scratch folders and temporary files of dead processes removed.
        public var scratchRemoved: [String] = []
        /// Files in `blocks/` named by no CID and not our temporary files: never removed (gc
        /// removes only what it can tell is its own), listed so a person can look at them.
        public var notBlocks: [String] = []
        /// Why no block was removed, when none was on purpose.
        public var skipped: String?
        public init() {}
    }

    /// Collects the folder `folder`, keeping the newest `keep` log entries (nil: all) and
    /// `manifest.json`. `dryRun` reports what would go without removing anything.
    public static func collect(folder: String, keep: Int?, dryRun: Bool = false) throws -> Report {
        let lock = try FolderLock(folder: folder)
        defer { lock.unlock() }
        return try collectLocked(folder: folder, keep: keep, dryRun: dryRun)
    }

    /// `collect` for a caller that holds the folder's lock already (`publish --prune`).
    public static func collectLocked(folder: String, keep: Int?, dryRun: Bool) throws -> Report {
        var report = Report()
        let store = try DirectoryStore(root: folder)
        let entries = try ManifestLog(folder: folder).entries()
        let dropped = keep.map { entries.dropLast($0) } ?? []
        var manifests = entries.dropFirst(dropped.count).map(\.path)
        let current = folder + "/" + Manifest.fileName
        if FileSystem.exists(current) { manifests.append(current) }

        // Roots of everything kept; a kept manifest that cannot be read makes collection unsafe.
        var roots: [CID] = []
        for path in manifests {
            do {
                roots.append(try Manifest.parse(try FileSystem.readFile(path, limit: Manifest.maxBytes), path: path).root)
            } catch {
                throw PublishError.unreadableKeptManifest(path: path, reason: "\(error)")
            }
        }
        report.keptManifests = manifests.count
        let (reached, missing) = try reachable(from: roots, in: store)
        report.missing = missing

        // Scratch of dead builds goes; a live build's blocks are in no manifest yet.
        var liveBuild: Int32? = nil
        for name in try FileSystem.listDirectory(folder) where name.hasPrefix(".build-") {
            guard let pid = Int32(name.dropFirst(7)) else { continue }
            if isAlive(pid) {
                liveBuild = pid
            } else {
                if !dryRun { try FileSystem.removeTree(folder + "/" + name) }
                report.scratchRemoved.append(folder + "/" + name)
            }
        }
        if !dryRun { for e in dropped { try FileSystem.removeTree(e.path) } }
        report.removedManifests = dropped.map(\.path)
        if let liveBuild {
            report.skipped = "a build (process \(liveBuild)) is writing into \(folder); no block removed"
            report.blocksKept = reached.count
            return report
        }

        for (name, path) in try store.files() {
            if let cid = try? CID(name) {
                if reached.contains(cid) {
                    report.blocksKept += 1
                    continue
                }
                report.blocksRemoved += 1
                report.bytesRemoved += FileSystem.fileSize(path)
                if !dryRun { try FileSystem.removeTree(path) }
            } else if let pid = temporaryFileOwner(name) {
                // A live writer's file becomes a block by its rename.
                guard !isAlive(pid) else { continue }
                report.scratchRemoved.append(path)
                if !dryRun { try FileSystem.removeTree(path) }
            } else {
                report.notBlocks.append(path)
            }
        }
        return report
    }

    /// Every block reachable from `roots` that the store holds, and those it lacks. Subtrees
    /// under `complete` (known whole, e.g. segments of versions accepted before) are not read.
    public static func reachable(from roots: [CID], in store: BlockStore, complete: Set<CID> = []) throws -> (
        reached: Set<CID>, missing: [CID]
    ) {
        var seen = complete
        var missing: [CID] = []
        var stack = roots
        while let cid = stack.popLast() {
            guard seen.insert(cid).inserted else { continue }
            let bytes: [UInt8]
            do { bytes = try store.get(cid) } catch BlockError.notFound {
                missing.append(cid)
                continue
            }
            if cid.codec == CID.dagCBOR {
                var links: [CID] = []
                try DagCBOR.links(of: bytes, into: &links)
                stack.append(contentsOf: links)
            }
        }
        return (seen.subtracting(missing).subtracting(complete), missing)
    }

    /// The process that wrote a temporary file `<name>.tmp-<pid>-<random>` (`FileSystem.writeAtomically`).
    static func temporaryFileOwner(_ name: String) -> Int32? {
        guard let r = name.firstRange(of: ".tmp-") else { return nil }
        return name[r.upperBound...].split(separator: "-").first.flatMap { Int32($0) }
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }
}
