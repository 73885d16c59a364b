import Blocks

/// Where `publish` sends an index: a folder (`FolderDestination`) or a hub (`HubDestination`).
/// The publisher asks what is missing, sends those blocks children before parents, and only
/// then commits the manifest, which the destination makes visible in one step.
public protocol PublishDestination: AnyObject, Sendable {
    /// A human name for messages: a path or URL.
    var name: String { get }
    /// The `manifest.json` there now, nil when there is none.
    func currentManifest() async throws -> [UInt8]?
    /// Which of `cids` the destination lacks.
    func missing(_ cids: [CID]) async throws -> Set<CID>
    /// Stores one block (already verified against its CID). `source` is the index folder it
    /// comes from, which a folder on the same file system hard-links instead of copying.
    /// Returns true when linked rather than copied.
    func put(_ cid: CID, bytes: [UInt8], source: DirectoryStore) async throws -> Bool
    /// Makes `manifest` (the index's `manifest.json`, byte for byte) the current one.
    func commit(manifest: [UInt8]) async throws
    /// Blocks sent in parallel at most (1 for a folder, more over a network).
    var concurrency: Int { get }
    /// Told before anything is sent: the block layout the manifest being published names, so a
    /// folder stores its blocks where that manifest's readers look for them.
    func adopt(blockLayout: BlockLayout)
}

extension PublishDestination {
    /// A hub stores blocks its own way and answers both URL forms.
    public func adopt(blockLayout: BlockLayout) {}
}
