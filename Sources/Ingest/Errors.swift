#if canImport(Glibc)
    import Glibc
#endif

/// Errors that stop a whole source: the file cannot be opened or read, or is of no known format.
/// Damage inside a readable source is a `Skip`, not an error.
public struct IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file, and the byte offset in it where the problem was found (0 when it is the whole file).
    public var source: SourceRef
    public var problem: Problem

    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// `open(2)` failed with `errno`.
        case cannotOpen(errno: Int32)
        /// `read(2)` failed with `errno`.
        case readFailed(errno: Int32)
        /// The first bytes match none of the formats read.
        case unknownFormat
        /// A site-folder file is larger than `limit` bytes.
        case fileTooLarge(limit: Int)
        /// The ZIP (WACZ) central directory is unreadable: `reason` at `source.offset`.
        case badZip(reason: String)
        /// Any other error a reader threw, as it describes itself.
        case failed(String)

        public var description: String {
            switch self {
            case .cannotOpen(let e): "cannot open: \(String(cString: strerror(e)))"
            case .readFailed(let e): "read failed: \(String(cString: strerror(e)))"
            case .unknownFormat: "not a WARC, WARC.gz, WARC.zst, ARC, ARC.gz, WACZ or folder (first bytes match none)"
            case .fileTooLarge(let limit): "file larger than \(limit) bytes"
            case .badZip(let reason): reason
            case .failed(let message): message
            }
        }
    }

    public init(_ source: SourceRef, _ problem: Problem) {
        self.source = source
        self.problem = problem
    }

    public var description: String { "\(source): \(problem)" }
}

/// A compressed stream was damaged. When `recovered`, reading goes on at the next member or frame
/// (at `resumedAt`) and the output is discontinuous there; otherwise the stream has ended.
public struct StreamDamage: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Offset in the underlying bytes where the damage was detected.
    public var offset: Int64
    public var resumedAt: Int64?
    public var recovered: Bool { resumedAt != nil }

    public var description: String {
        if let r = resumedAt { return "\(message) at byte \(offset); resumed at the member starting at byte \(r)" }
        return "\(message) at byte \(offset)"
    }
}

extension ZipArchive {
    /// A ZIP whose structure is damaged: `message` at byte `offset` of the archive.
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public var offset: Int64
        public var message: String
        public var description: String { "ZIP: \(message) (at byte \(offset))" }
    }
}
