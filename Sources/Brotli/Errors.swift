/// Errors of the brotli decoder, thrown at the C boundary.
extension Brotli {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case corrupt(String)
        case truncated
        case tooLarge(limit: Int)
        case outOfMemory

        public var description: String {
            switch self {
            case .corrupt(let m): "brotli data is corrupt: \(m)"
            case .truncated: "brotli stream ends early"
            case .tooLarge(let l): "brotli output exceeds the limit of \(l) bytes"
            case .outOfMemory: "brotli decoder could not allocate"
            }
        }
    }
}
