import Blocks
import Index
import Support

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The two kinds of files `serve` answers with from an index folder, `manifest.json` and
/// `blocks/<cid>`, opened so that no symbolic link inside the folder is ever followed.
///
/// Why not `lstat` or `realpath` and then `open`: a link made between the check and the open
/// would be followed. Instead every request opens the folder (by the path the operator gave,
/// links in it included: those are the operator's), then each name inside it with
/// `openat(…, O_NOFOLLOW)`. Our paths are at most three names deep, so this covers every
/// component inside the folder. `O_NONBLOCK` keeps a FIFO planted under a block's name from
/// hanging a thread, and only regular files are read.
///
/// The one link followed is `blocks` itself when it leads to a folder named `blocks`: the
/// link `indexer merge --store` makes to the shared store's block folder. Nothing below
/// it is followed, and every block is checked against its CID anyway (`BlockChecks`), so a
/// planted `blocks` link can only ever serve files named by the hash of their own bytes.
final class IndexFolderFiles: Sendable {
    let directory: String
    /// Where `blocks` leads when it is the shared store's link (found at start, for the log).
    let sharedBlocks: String?
    /// Links found at start, relative to the folder (`blocks/<name>` for those in blocks/):
    /// never served.
    let links: [String]

    init(directory: String) {
        self.directory = directory
        // Links anywhere at the top level are counted too: unreachable by URL, but worth a word.
        var found = IndexFolderFiles.linkNames(in: directory)
        var st = stat()
        sharedBlocks = IndexFolderFiles.sharedStore(directory)
        if sharedBlocks != nil { found.removeAll { $0 == "blocks" } }
        // A refused `blocks` link is not looked into.
        let blocksFolder = lstat(directory + "/blocks", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR ? directory + "/blocks" : nil
        if let scanned = sharedBlocks ?? blocksFolder {
            found += IndexFolderFiles.linkNames(in: scanned).map { "blocks/" + $0 }
        }
        links = found
    }

    /// What opening one of the folder's files found.
    enum Read {
        case file(bytes: [UInt8], stamp: FileStamp?)
        /// No such file, a link, or not a regular file: all answer 404.
        case absent
    }

    func manifest(limit: Int) throws -> Read { try read(nil, nil, "manifest.json", limit: limit) }

    /// `bootstrap.car`, the manifest's bootstrap blocks (readers check it against the manifest).
    func bootstrap(limit: Int) throws -> Read { try read(nil, nil, Bootstrap.fileName, limit: limit) }

    /// `names.json`, a merged index's display names (checked by the caller against its signer).
    func groupNames(limit: Int) throws -> Read { try read(nil, nil, GroupNames.fileName, limit: limit) }

    /// `name` must be a single path component (a CID's text). Looked up in either block layout
    /// (fan-out first, the layout of new folders), so both URL forms serve every folder.
    func block(_ name: String, limit: Int) throws -> Read {
        let fanned = try read("blocks", BlockLayout.shard(of: name), name, limit: limit)
        if case .file = fanned { return fanned }
        return try read("blocks", nil, name, limit: limit)
    }

    /// A file of the static page in `search/` (`name` one of `PageFiles.names`).
    func pageFile(_ name: String, limit: Int) throws -> Read { try read(PageFiles.folder, nil, name, limit: limit, shared: false) }

    /// `sub/name` (or `sub/shard/name`) in the folder, following no link but the shared store's. `stamp` is the
    /// file's identity when it did not change while being read (nil otherwise: check the
    /// bytes, do not remember the result).
    private func read(_ sub: String?, _ shard: String?, _ name: String, limit: Int, shared: Bool = true) throws -> Read {
        let root = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard root >= 0 else { return try IndexFolderFiles.absent(directory, errno) }
        defer { close(root) }
        var folder = root
        if let sub {
            folder = openat(root, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var error = errno
            if folder < 0 && shared && (error == ELOOP || error == ENOTDIR) {
                guard let shared = IndexFolderFiles.sharedStore(directory) else { return .absent }
                folder = open(shared, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                error = errno
            }
            guard folder >= 0 else { return try IndexFolderFiles.absent(directory + "/" + sub, error) }
        }
        defer { if folder != root { close(folder) } }
        if let shard {
            let inner = openat(folder, shard, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard inner >= 0 else { return try IndexFolderFiles.absent(directory + "/" + (sub ?? "") + "/" + shard, errno) }
            defer { close(inner) }
            return try read(in: inner, path: directory + "/" + (sub ?? "") + "/" + shard + "/" + name, name, limit: limit)
        }
        return try read(in: folder, path: directory + "/" + (sub.map { $0 + "/" } ?? "") + name, name, limit: limit)
    }

    private func read(in folder: Int32, path: String, _ name: String, limit: Int) throws -> Read {
        let fd = openat(folder, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return try IndexFolderFiles.absent(path, errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return .absent }
        let before = FileStamp(st)
        let bytes = try FileSystem.readAll(fd, path: path, limit: limit)
        guard fstat(fd, &st) == 0 else { return .file(bytes: bytes, stamp: nil) }
        return .file(bytes: bytes, stamp: FileStamp(st) == before ? before : nil)
    }

    /// After a failed open: absent for a missing name, a link (ELOOP is what O_NOFOLLOW
    /// answers) or a non-folder; an error otherwise (permissions, I/O).
    private static func absent(_ path: String, _ error: Int32) throws -> Read {
        if [ENOENT, ELOOP, ENOTDIR, ENXIO].contains(error) { return .absent }
        throw FileSystem.Error.io(path: path, message: String(cString: strerror(error)))
    }

    /// The shared block folder when `directory/blocks` is a link to a folder named `blocks`
    /// (what `merge --store` makes), else nil.
    static func sharedStore(_ directory: String) -> String? {
        var st = stat()
        guard lstat(directory + "/blocks", &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK,
            let target = realPath(directory + "/blocks"), target.hasSuffix("/blocks"), FileSystem.isDirectory(target)
        else { return nil }
        return target
    }

    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Names of the links in `folder` (from the directory entries' types, no `stat` per file
    /// unless the file system does not report types).
    static func linkNames(in folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = FileSystem.entryName(entry)
            var isLink = entry.pointee.d_type == UInt8(DT_LNK)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var st = stat()
                isLink = lstat(folder + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
            }
            if isLink { names.append(name) }
        }
        return names.sorted()
    }
}
