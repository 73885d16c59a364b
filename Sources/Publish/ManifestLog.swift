import Blocks
import Index
import Support

/// The manifests published to a folder, kept as `DIR/versions/<n>.json` (n = 1, 2, …, byte
/// copies of what `manifest.json` was), so readers holding an older manifest, `diff` and
/// rollback audits find them, and collection knows what older versions still reach.
public struct ManifestLog: Sendable {
    public static let folderName = "versions"
    public let folder: String
    public var path: String { folder + "/" + ManifestLog.folderName }

    public init(folder: String) { self.folder = folder }

    /// The logged manifests, oldest first.
    public func entries() throws -> [(number: Int, path: String)] {
        guard FileSystem.isDirectory(path) else { return [] }
        return try FileSystem.listDirectory(path).compactMap { name -> (Int, String)? in
            guard name.hasSuffix(".json"), let n = Int(name.dropLast(5)), n > 0, String(n) + ".json" == name else { return nil }
            return (n, path + "/" + name)
        }.sorted { $0.0 < $1.0 }
    }

    /// Logs `bytes` as the next entry (unless the newest entry is already these bytes) and
    /// returns its path.
    @discardableResult
    public func append(_ bytes: [UInt8]) throws -> String {
        let all = try entries()
        if let last = all.last, (try? FileSystem.readFile(last.path, limit: Manifest.maxBytes)) == bytes { return last.path }
        try FileSystem.makeDirectories(path)
        let p = path + "/\((all.last?.number ?? 0) + 1).json"
        try FileSystem.writeAtomically(p, bytes, sync: true)
        return p
    }
}
