/// Errors of Ed25519 key handling and signing.
extension Ed25519 {
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case badKeyLength(Int)
        case signingFailed
        public var description: String {
            switch self {
            case .badKeyLength(let n): "Ed25519 key has \(n) bytes, expected 32 (public) or 64 (secret)"
            case .signingFailed: "Ed25519 signing failed"
            }
        }
    }
}
