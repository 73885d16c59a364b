import Blocks
import Support

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive lock on an index folder (`DIR/.indexer-lock`, flock), held by `publish` and
/// `gc` while they write or collect there, so a collection never runs between a concurrent
/// publish's blocks and its manifest. Released when closed or when the process dies.
public final class FolderLock: @unchecked Sendable {
    public static let fileName = ".indexer-lock"
    private var fd: Int32

    /// Waits for the lock.
    public init(folder: String) throws {
        try FileSystem.makeDirectories(folder)
        let path = folder + "/" + FolderLock.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BlockError.io(path: path, message: String(cString: strerror(errno))) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let message = String(cString: strerror(errno))
            close(fd)
            throw BlockError.io(path: path, message: "cannot lock: \(message)")
        }
        self.fd = fd
    }

    /// Releases the lock (idempotent; also on deinit).
    public func unlock() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { unlock() }
}
