import Blocks
import Index
import Support

/// A folder to publish into (a static site checkout, a mounted bucket): `manifest.json`,
/// `blocks/<cid>` and the log `versions/<n>.json`. Holds the folder's lock from creation until
/// released, so `gc` and other publishes wait.
public final class FolderDestination: PublishDestination, @unchecked Sendable {
    public let folder: String
    public private(set) var store: DirectoryStore
    public var name: String { folder }
    public let concurrency = 1
    private var lock: FolderLock?

    public init(folder: String) throws {
        self.folder = folder
        lock = try FolderLock(folder: folder)
        store = try DirectoryStore(root: folder)
    }

    /// Blocks go where the published manifest's readers look: a folder published flat before
    /// fan-out gets the new layout's paths (hard links of the blocks it keeps) with the first
    /// manifest that names it, while its older manifests' blocks stay where they were.
    public func adopt(blockLayout: BlockLayout) {
        if blockLayout != store.layout, let s = try? DirectoryStore(root: folder, layout: blockLayout) { store = s }
    }

    /// Releases the folder's lock (also on deinit).
    public func release() { lock?.unlock() }

    var manifestPath: String { folder + "/" + Manifest.fileName }

    public func currentManifest() async throws -> [UInt8]? {
        guard FileSystem.exists(manifestPath) else { return nil }
        return try FileSystem.readFile(manifestPath, limit: Manifest.maxBytes)
    }

    public func missing(_ cids: [CID]) async throws -> Set<CID> {
        Set(try cids.filter { !(try store.has($0)) })
    }

    public func put(_ cid: CID, bytes: [UInt8], source: DirectoryStore) async throws -> Bool {
        if try store.link(cid, from: source) { return true }
        // The destination's own copy in its former layout, when the source is elsewhere.
        if store.existingPath(of: cid) != nil, try store.link(cid, from: store) { return true }
        try store.put(bytes, cid: cid)
        return false
    }

    /// Logs the manifest being replaced (unless it is the newest entry already: a folder built
    /// in place has none) and the new one, then renames the
    /// new one into place, synced: readers see the old index or the new one, whole.
    public func commit(manifest: [UInt8]) async throws {
        let log = ManifestLog(folder: folder)
        if let old = try await currentManifest() { try log.append(old) }
        try log.append(manifest)
        // Its bootstrap file, rebuilt from the blocks just sent, before the manifest naming it.
        try Bootstrap.writeFile(forManifest: manifest, store: store, folder: folder)
        try FileSystem.writeAtomically(manifestPath, manifest, sync: true)
    }
}
