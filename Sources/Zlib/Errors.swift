/// Errors of the zlib layer (gzip, zlib and raw deflate), thrown at the C boundary.
extension Zlib {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        /// The data is not valid for the format (zlib's message, when it gave one).
        case corrupt(String)
        /// The input ended before the stream's end marker.
        case truncated
        /// The output would exceed the caller's limit (bytes).
        case tooLarge(limit: Int)
        case outOfMemory

        public var description: String {
            switch self {
            case .corrupt(let m): "deflate data is corrupt: \(m)"
            case .truncated: "compressed stream ends early"
            case .tooLarge(let l): "decompressed data exceeds the limit of \(l) bytes"
            case .outOfMemory: "zlib ran out of memory"
            }
        }
    }
}
