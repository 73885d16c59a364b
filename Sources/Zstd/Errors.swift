/// Errors of the zstd layer: libzstd's own message where it gave one.
extension Zstd {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case compressionFailed(String)
        case corrupt(String)
        case tooLarge(declared: UInt64, limit: Int)
        case unknownSize

        public var description: String {
            switch self {
            case .compressionFailed(let m): "zstd compression failed: \(m)"
            case .corrupt(let m): "zstd data is corrupt: \(m)"
            case .tooLarge(let d, let l): "zstd frame declares \(d) bytes, more than the limit of \(l)"
            case .unknownSize: "zstd frame does not declare its content size"
            }
        }
    }
}
