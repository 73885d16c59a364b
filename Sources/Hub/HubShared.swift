import Blocks
import GRDB
import Index
import Publish
import Support

/// The shared index at `/shared/`: after each accepted version of a shared group, the latest
/// versions of every shared group are merged by reference (`IndexMerge`: blocks hard-linked
/// from the namespaces, each group's signature unchanged) and the result signed with the hub's
/// key (`DATA/hub-key.json`). Which groups are shared is the admin's choice (`indexer hub
/// share`); none is by default, so an open hub does not merge whatever registers. The folder
/// `DATA/shared/` is a published folder: `versions/<n>.json` keeps the last few manifests and
/// blocks no kept one reaches are collected; `names.json` (`GroupNames`) holds the shared
/// groups' display names, signed with the same key.
extension HubService {
    public var sharedFolder: String { config.data + "/shared" }

    /// The hub's own key, made on first use.
    public func hubKey() throws -> GroupKey {
        let path = config.data + "/hub-key.json"
        if FileSystem.exists(path) { return try GroupKey.read(from: path) }
        let key = GroupKey.generate()
        try key.write(to: path)
        return key
    }

    /// Logs a new shared manifest in the version log (once: a merge giving the same root, as
    /// at a restart, is not a new version).
    func logShared(number: Int, root: String) throws {
        let key = Hex.encode(try hubKey().publicKey)
        let t = now
        try db.queue.write { db in
            let last = try String.fetchOne(db, sql: "SELECT root FROM log WHERE kind = 'shared' ORDER BY id DESC LIMIT 1")
            if last != root { _ = try HubDatabase.appendLog(db, kind: "shared", publicKey: key, number: number, root: root, accepted: t) }
        }
    }

    /// Merges the shared index after an accepted version, unless a merge is running: that one
    /// then runs once more when it ends, taking in every version accepted meanwhile. So N
    /// concurrent publishes cost about two merges, not N merges of every group in a row; a
    /// publish that finds a merge running returns before the shared index shows its version.
    public func updateSharedSoon() throws {
        let start = sharedMerge.withLock { s -> Bool in
            if s.running {
                s.again = true
                return false
            }
            s.running = true
            return true
        }
        guard start else { return }
        do {
            repeat {
                try updateShared()
            } while sharedMerge.withLock { s -> Bool in
                // Checked and released at once, so a request arriving now is never left unmerged.
                if s.again {
                    s.again = false
                    return true
                }
                s.running = false
                return false
            }
        } catch {
            sharedMerge.withLock { $0 = (false, false) }
            throw error
        }
    }

    /// Merges the shared groups' current versions into `DATA/shared`; false when no shared
    /// group has published yet.
    @discardableResult
    public func updateShared() throws -> Bool {
        // Each group's current manifest as committed, not its folder's `manifest.json`: that
        // mirror is written after the commit, so a merge running meanwhile (another group's
        // publish) found a new group's folder without one and refused the whole merge. Its
        // blocks are in place before the commit (a version is accepted only complete).
        let inputs = try db.sharedCurrent()
        guard !inputs.isEmpty else { return false }
        let manifests = Dictionary(uniqueKeysWithValues: inputs.map { (folder($0.group), $0.manifest) })
        let lock = try FolderLock(folder: sharedFolder)
        defer { lock.unlock() }
        let merged = try IndexMerge.merge(
            named: inputs.map { folder($0.group) },
            open: { dir in
                .init(manifestBytes: manifests[dir]!, path: dir + "/" + Manifest.fileName, store: try DirectoryStore(root: dir, create: false))
            }, out: sharedFolder, key: try hubKey(),
            policy: ReadPolicy(trustedKeys: inputs.compactMap { Hex.decode($0.publicKey) }), created: ISODate.now(),
            compaction: config.sharedCompactAbove > 0 ? .init(above: config.sharedCompactAbove) : nil)
        let logged = try ManifestLog(folder: sharedFolder).append(merged.manifest.fileBytes)
        // Readers show these beside group IDs; written after the manifest, so a reader may see
        // the previous names for a moment, never names signed by anyone else.
        let names = Dictionary(uniqueKeysWithValues: inputs.compactMap { g in g.name.map { (g.group, $0) } })
        try FileSystem.writeAtomically(
            sharedFolder + "/" + GroupNames.fileName, try GroupNames.signed(names, key: try hubKey(), created: ISODate.now()), sync: true)
        try logShared(number: Int(logged.split(separator: "/").last!.dropLast(5))!, root: merged.manifest.root.description)
        _ = try BlockCollector.collectLocked(folder: sharedFolder, keep: config.sharedVersionsKept, dryRun: false)
        return true
    }
}

/// The version log as `/log` serves it: a page of entries and a checkpoint over the whole log
/// signed with the hub's key, read at once so they agree.
extension HubService {
    public func logPage(after: Int, limit: Int) throws -> JSON {
        let key = try hubKey()
        let (entries, size, head) = try db.log(after: after, limit: limit)
        let checkpoint = try HubLog.Checkpoint.signed(size: size, head: head, publicKey: key.publicKey) { try key.sign($0) }
        let last = entries.last?.sequence ?? after
        return .object([
            "format": .string("indexer-hub-log/1"),
            "entries": .array(entries.map(\.json)),
            "checkpoint": checkpoint.json,
            "next": last < size ? .int(Int64(last)) : .null,
        ])
    }
}
