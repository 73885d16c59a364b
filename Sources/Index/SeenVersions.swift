import Blocks
import Support
import Synchronization

/// The newest version of each group a reader has accepted, kept in a small JSON file (in the
/// block cache folder), so a replayed older version — validly signed, but stale — is refused as
/// IPNS refuses a record with a lower sequence number.
public final class SeenVersions: Sendable {
    public let path: String
    private let state: Mutex<[String: Entry]>

    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var version: CID
        /// Where it was read (a folder or URL), so a refusal can say where the newer one is:
        /// often not an attack but two collections built with one key.
        public var location: String?
    }

    /// Reads `path` if it exists; a damaged file is treated as empty (it only ever makes a
    /// reader stricter, so losing it weakens replay protection but never breaks reading).
    public init(path: String) {
        self.path = path
        state = Mutex(SeenVersions.read(path))
    }

    /// The file's entries; a missing or damaged file reads as empty.
    static func read(_ path: String) -> [String: Entry] {
        var entries: [String: Entry] = [:]
        if let bytes = try? FileSystem.readFile(path, limit: 16 << 20), let json = try? JSON.parse(bytes),
            let groups = json["groups"]?.object
        {
            for (key, v) in groups {
                if case .int(let n)? = v["sequence"], n >= 0, let c = v["version"]?.string.flatMap({ try? CID($0) }) {
                    entries[key] = Entry(sequence: UInt64(n), version: c, location: v["location"]?.string)
                }
            }
        }
        return entries
    }

    public func sequence(of publicKey: [UInt8]) -> Entry? { state.withLock { $0[Hex.encode(publicKey)] } }

    /// Records versions just accepted (only ever raising a group's sequence) and saves the file.
    public func remember(_ versions: [(cid: CID, version: GroupVersion, location: String?)]) throws(ReadFailure) {
        // Another reader may have written the file since it was read: keep the higher of each.
        let onDisk = SeenVersions.read(path)
        let snapshot: [String: Entry]? = state.withLock { s in
            var changed = false
            for (key, e) in onDisk where (s[key]?.sequence ?? 0) < e.sequence || s[key] == nil {
                s[key] = e
            }
            for (cid, v, location) in versions {
                let key = Hex.encode(v.publicKey)
                if let e = s[key], e.sequence >= v.sequence { continue }
                s[key] = Entry(sequence: v.sequence, version: cid, location: location)
                changed = true
            }
            return changed ? s : nil
        }
        guard let snapshot else { return }
        let json = JSON.object([
            "format": .string("indexer-seen/1"),
            "groups": .object(
                snapshot.mapValues { e in
                    var o: [String: JSON] = ["sequence": .int(Int64(clamping: e.sequence)), "version": .string(e.version.description)]
                    if let l = e.location { o["location"] = .string(l) }
                    return .object(o)
                }),
        ])
        if let slash = path.lastIndex(of: "/") { try FileSystem.makeDirectories(String(path[..<slash])) }
        try FileSystem.writeAtomically(path, Array(json.pretty.utf8))
    }
}
