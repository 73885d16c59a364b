import Support

/// The keys `build`, `merge` and the other signing commands use when given no `--key`: one per
/// collection, kept as `keys/<group>.json` in the user's config folder.
///
/// A key is a collection's identity (readers keep the newest version of each group and refuse an
/// older one as a replay), so one default key shared by every index made two unrelated indexes
/// two versions of one group, the older unreadable once the newer was read. So a new index gets
/// a new key, and a command touching an existing index finds that index's key by its signer.
public struct KeyRing: Sendable {
    public let folder: String

    public init(folder: String = GroupKey.configFolder + "/keys") { self.folder = folder }

    /// The single default key of earlier versions (`indexer/key.json`): still found by its public
    /// key, so indexes it signed keep their group; never used for a new index.
    public var legacyPath: String { String(folder[..<folder.lastIndex(of: "/")!]) + "/key.json" }

    public func path(of group: GroupID) -> String { folder + "/" + group.description + ".json" }

    /// The key whose public half is `publicKey`, with its file, or nil when the ring holds none.
    public func key(publicKey: [UInt8]) throws -> (key: GroupKey, path: String)? {
        for path in [path(of: GroupID(publicKey: publicKey)), legacyPath] where FileSystem.exists(path) {
            let key = try GroupKey.read(from: path)
            if key.publicKey == publicKey { return (key, path) }
        }
        return nil
    }

    /// A new key, written to the ring (mode 0600).
    public func create() throws -> (key: GroupKey, path: String) {
        try FileSystem.makeDirectories(folder)
        let key = GroupKey.generate()
        let path = path(of: key.group)
        try key.write(to: path)
        return (key, path)
    }

    /// Every key in the ring (the legacy key included), by group.
    public func all() throws -> [(group: GroupID, path: String)] {
        var paths =
            FileSystem.exists(folder) ? try FileSystem.listDirectory(folder).filter { $0.hasSuffix(".json") }.sorted().map { folder + "/" + $0 } : []
        if FileSystem.exists(legacyPath) { paths.append(legacyPath) }
        return try paths.map { (try GroupKey.read(from: $0).group, $0) }
    }
}
