import Blocks
import Support

/// Where `indexer diff --since last` left off: per index location and query, the manifest of
/// the version last looked at. A small JSON file (`diff-marks.json`) in the cache folder maps
/// `location ‖ query` to a root CID; the manifests themselves sit beside it as
/// `manifests/<root>.json` (a root CID given to `--since` is looked up there too), so the
/// file stays small however large the index.
public struct DiffMarks: Sendable {
    public let directory: String
    var file: String { directory + "/diff-marks.json" }

    public init(directory: String) { self.directory = directory }

    static func key(_ location: String, _ query: String?) -> String { location + "\n" + (query ?? "") }

    /// The root CID last looked at for `location` and `query`, if any. A damaged file reads as
    /// empty: the next diff then lists everything as new, which is safe.
    public func root(location: String, query: String?) -> CID? {
        marks()[DiffMarks.key(location, query)]?["root"]?.string.flatMap { try? CID($0) }
    }

    /// The manifest bytes kept for `root`, if this machine saved them.
    public func manifest(_ root: CID) -> [UInt8]? { try? FileSystem.readFile(manifestPath(root), limit: 64 << 20) }

    /// Records that `location` with `query` was looked at in the version of `manifestBytes`.
    public func remember(location: String, query: String?, root: CID, manifestBytes: [UInt8], at time: String) throws {
        try FileSystem.makeDirectories(directory + "/manifests")
        try FileSystem.writeAtomically(manifestPath(root), manifestBytes)
        var all = marks()
        all[DiffMarks.key(location, query)] = .object(["root": .string(root.description), "seen": .string(time)])
        try FileSystem.writeAtomically(file, Array(JSON.object(["marks": .object(all)]).pretty.utf8))
    }

    func manifestPath(_ root: CID) -> String { directory + "/manifests/" + root.description + ".json" }

    func marks() -> [String: JSON] {
        guard let bytes = try? FileSystem.readFile(file, limit: 16 << 20), let json = try? JSON.parse(bytes) else { return [:] }
        return json["marks"]?.object ?? [:]
    }
}

/// The bytes of a manifest file at `location`: a local path, or an http(s) URL (a published
/// folder's `versions/<n>.json`), at most 64 MiB. Its signature is checked by whoever opens it.
public func manifestFile(_ location: String, options: RemoteOptions = .init()) throws -> [UInt8] {
    guard RemoteURL.isRemote(location) else { return try FileSystem.readFile(location, limit: 64 << 20) }
    return try Fetcher(options: options).fetchOne(FetchRequest(url: location, limit: 64 << 20)).body
}
