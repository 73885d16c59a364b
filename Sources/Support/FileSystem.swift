#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small POSIX file helpers: Foundation's are slower and hide errno.
public enum FileSystem {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case notFound
        case tooLarge(Int)
        /// A failed system call: the path and `strerror(errno)`.
        case io(path: String, message: String)

        public var description: String {
            switch self {
            case .notFound: "not found"
            case .tooLarge(let size): "too large (\(size) bytes)"
            case .io(let path, let message): "\(path): \(message)"
            }
        }
    }

    static func errorText() -> String { String(cString: strerror(errno)) }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Whether two paths name the same existing file or folder (same device and inode), however
    /// they are spelled.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Bytes of a regular file; 0 for a folder or a path that cannot be read (a site folder's
    /// size is not recorded in manifests, and progress counts its files as they come).
    public static func fileSize(_ path: String) -> UInt64 {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT != S_IFDIR else { return 0 }
        return UInt64(max(0, st.st_size))
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw Error.io(path: prefix, message: errorText())
            }
        }
    }

    /// Reads a whole file, refusing files larger than `limit` before allocating.
    /// `folder`: an open folder a relative `path` starts from (`openat`).
    public static func readFile(_ path: String, in folder: Int32 = AT_FDCWD, limit: Int = Int.max) throws -> [UInt8] {
        let fd = openat(folder, path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw Error.notFound }
            throw Error.io(path: path, message: errorText())
        }
        defer { close(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    /// Reads an open file from its current offset to the end (`path` names it in errors),
    /// refusing files larger than `limit` before allocating.
    public static func readAll(_ fd: Int32, path: String, limit: Int = Int.max) throws -> [UInt8] {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw Error.io(path: path, message: errorText()) }
        let size = Int(st.st_size)
        guard size <= limit else { throw Error.tooLarge(size) }
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < size {
                let n = read(fd, buf.baseAddress! + done, size - done)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw Error.io(path: path, message: errorText()) }
                if n == 0 { break }
                done += n
            }
        }
        if done < size { out.removeLast(size - done) }
        return out
    }

    /// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: readers
    /// see the old file or the new one, never a part. `sync` also fsyncs before the rename.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool = false) throws {
        let tmp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Error.io(path: tmp, message: errorText()) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        try bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { close(fd); throw Error.io(path: tmp, message: errorText()) }
                done += n
            }
        }
        if sync && fsync(fd) != 0 { close(fd); throw Error.io(path: tmp, message: errorText()) }
        guard close(fd) == 0 else { throw Error.io(path: tmp, message: errorText()) }
        guard rename(tmp, path) == 0 else { throw Error.io(path: path, message: errorText()) }
        ok = true
    }

    /// Writes a new file `path` that must not exist yet: open, write, close, three system calls
    /// (`writeAtomically` makes five). False, writing nothing, when `path` exists; throws
    /// `notFound` when its folder does not. For content-addressed files only: a writer killed
    /// mid-write leaves a short file, which the caller tells by its size and replaces.
    public static func writeNew(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            if errno == EEXIST { return false }
            if errno == ENOENT { throw Error.notFound }
            throw Error.io(path: path, message: errorText())
        }
        var failed = false
        bytes.withUnsafeBytes { buf in
            var done = 0
            while done < buf.count {
                let n = write(fd, buf.baseAddress! + done, buf.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { failed = true; return }
                done += n
            }
        }
        let message = errorText()
        if close(fd) != 0 || failed {
            unlink(path)
            throw Error.io(path: path, message: failed ? message : errorText())
        }
        return true
    }

    /// A `readdir` entry's name, read in place up to its NUL. Copying `entry.pointee` (or its
    /// 256-byte `d_name`) reads a whole `dirent`, but readdir's records are only `d_reclen` long,
    /// and one ending at the end of a mapped page crashed the hub (SIGSEGV, seen in the bench).
    public static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
    }

    /// `path` joined to the working directory when relative (not normalised, links not
    /// resolved); unchanged when absolute or when the working directory cannot be read.
    public static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/"), let cwd = getcwd(nil, 0) else { return path }
        defer { free(cwd) }
        return String(cString: cwd) + "/" + path
    }

    /// Whether `path` is a folder with no entries; false when it cannot be read. Stops at the
    /// first entry, however large the folder.
    public static func isEmptyDirectory(_ path: String) -> Bool {
        guard let dir = opendir(path) else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = entryName(entry)
            if name != "." && name != ".." { return false }
        }
        return true
    }

    public static func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw Error.io(path: path, message: errorText()) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = entryName(entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

extension FileSystem {
    /// Removes a folder and everything in it (no symlink following).
    public static func removeTree(_ path: String) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try listDirectory(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw Error.io(path: path, message: errorText()) }
        } else {
            guard unlink(path) == 0 else { throw Error.io(path: path, message: errorText()) }
        }
    }
}
