import Blocks
import Index
import Support
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One index folder being served, read-only. Its view (for the search API) is reopened when
/// `manifest.json` changes on disk, so a rebuilt or re-merged index is served without a
/// restart; blocks are immutable and read straight from `blocks/<cid>`, never through a link
/// (see `IndexFolderFiles`).
public final class ServedIndex: Sendable {
    /// The URL path segment it is served under (`/<name>/`).
    public let name: String
    public let directory: String
    /// Keys whose segments the search API uses (`serve --trust`); nil: every validly signed group.
    public let trustedKeys: [[UInt8]]?
    /// The served files, and the links found at start (never served).
    let files: IndexFolderFiles
    private let state = Mutex<(stamp: FileStamp?, view: IndexView?)>((nil, nil))
    private let names = Mutex<(stamp: FileStamp?, signer: [UInt8], names: [String: String])>((nil, [], [:]))

    public init(name: String, directory: String, trustedKeys: [[UInt8]]? = nil) throws {
        self.name = name
        self.trustedKeys = trustedKeys
        var d = Substring(directory)
        while d.count > 1 && d.hasSuffix("/") { d = d.dropLast() }
        self.directory = String(d)
        guard FileSystem.isDirectory(self.directory + "/blocks"), FileSystem.exists(self.directory + "/" + Manifest.fileName) else {
            throw ServeError.notAnIndexFolder(path: self.directory)
        }
        files = IndexFolderFiles(directory: self.directory)
        _ = try view()
    }

    /// What the start-up log says about this folder's links: what is followed and what is not.
    public var linkNotes: [String] {
        var notes: [String] = []
        if let shared = files.sharedBlocks {
            notes.append("\(directory)/blocks links to \(shared) (merge --store): served; links below it are not")
        }
        if !files.links.isEmpty {
            let shown = files.links.prefix(5).joined(separator: ", ") + (files.links.count > 5 ? ", …" : "")
            notes.append("\(directory): \(files.links.count) symbolic link(s) found and skipped, never served (404): \(shown)")
        }
        return notes
    }

    public var manifestPath: String { directory + "/" + Manifest.fileName }
    /// The block's file as `IndexFolderFiles.block` finds it: fan-out first, then flat.
    public func blockPath(_ cid: CID) -> String {
        let fanned = directory + "/blocks/" + BlockLayout.fanOut.relativePath(cid)
        return FileSystem.exists(fanned) ? fanned : directory + "/blocks/" + cid.description
    }

    /// The verified view of the current manifest (reopened if the file changed).
    public func view() throws -> IndexView {
        let stamp = FileStamp(manifestPath)
        let current = state.withLock { $0 }
        if let stamp, current.stamp == stamp, let view = current.view { return view }
        let opened = try IndexView.open(directory: directory, policy: ReadPolicy(trustedKeys: trustedKeys))
        state.withLock { $0 = (stamp, opened) }
        return opened
    }

    /// Display names by group ID from the folder's `names.json` (a hub's shared index has one),
    /// used only when signed by the key that signed the manifest being served; re-read when
    /// either file changes (a hub writes the names after the manifest). Best effort: none on
    /// any failure.
    public func groupNames(for view: IndexView) -> [String: String] {
        let signer = view.manifest.signer
        // Only a merged index names other groups.
        guard view.versions.contains(where: { $0.version.publicKey != signer }) else { return [:] }
        let stamp = FileStamp(directory + "/" + GroupNames.fileName)
        if let cached = names.withLock({ $0.stamp == stamp && $0.signer == signer ? $0.names : nil }) { return cached }
        var found: [String: String] = [:]
        if case .file(let bytes, let readStamp)? = try? files.groupNames(limit: 1 << 20) {
            found = GroupNames.verified(bytes, signer: signer) ?? [:]
            guard readStamp != nil, readStamp == stamp else { return found }
        }
        names.withLock { $0 = (stamp, signer, found) }
        return found
    }

    /// Distinct, URL-safe names for `directories` (their last path component), avoiding the
    /// server's own top-level paths.
    public static func names(for directories: [String]) -> [String] {
        let reserved: Set<String> = ["api", "ipfs", "blocks", "manifest.json", "index.html", ""]
        var used = Set<String>()
        return directories.map { dir in
            let last = dir.split(separator: "/").last.map(String.init) ?? "index"
            var base = String(
                last.unicodeScalars.map { c -> Character in
                    (c.properties.isAlphabetic && c.isASCII) || ("0"..."9").contains(c) || c == "-" || c == "_" || c == "." ? Character(c) : "-"
                })
            if reserved.contains(base) || base.hasPrefix(".") { base = "index-" + base }
            var name = base
            var n = 2
            while used.contains(name) { name = "\(base)-\(n)"; n += 1 }
            used.insert(name)
            return name
        }
    }
}

/// A file's identity and modification time, to notice a replaced or rewritten file.
struct FileStamp: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int
    var seconds: Int
    var nanoseconds: Int

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        self.init(st)
    }

    init(_ st: stat) {
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int(st.st_size)
        seconds = Int(st.st_mtim.tv_sec)
        nanoseconds = Int(st.st_mtim.tv_nsec)
    }
}
