import Blocks
import Support

/// Why a publish or a collection did not happen; each names the index, destination or block a
/// person must look at, and what to do.
public enum PublishError: Error, Equatable, CustomStringConvertible {
    /// The index to publish does not verify (a version not signed by its key, say).
    case indexInvalid(path: String, reason: String)
    /// The destination holds a newer version of a group than the index to publish.
    case stale(destination: String, group: String, have: UInt64, publishing: UInt64)
    /// Two different versions of a group under one sequence number.
    case equivocation(destination: String, group: String, sequence: UInt64)
    /// The destination's index lists a group the index to publish does not (without `--force`).
    case dropsGroup(destination: String, group: String)
    /// The destination holds an index signed by another key (without `--force`).
    case otherSigner(destination: String, found: String, publishing: String)
    /// The destination's manifest cannot be read or does not verify (without `--force`).
    case destinationUnreadable(destination: String, reason: String)
    /// A block the index reaches is missing from the index folder itself.
    case incompleteIndex(path: String, cid: CID)
    /// A hub refused a request: HTTP status, its machine-readable code and its reason.
    case refused(url: String, status: Int, code: String, reason: String)
    /// A hub or its network failed (not a refusal).
    case transport(url: String, message: String)
    /// A collection that would be unsafe: a kept manifest cannot be read, so what it reaches is unknown.
    case unreadableKeptManifest(path: String, reason: String)

    public var description: String {
        switch self {
        case .indexInvalid(let p, let r): "\(p) does not verify, not publishing it: \(r)"
        case .stale(let d, let g, let have, let new):
            "\(d) already holds version \(have) of group \(g), newer than the version \(new) being published; rebuild to get a higher sequence number"
        case .equivocation(let d, let g, let s):
            "\(d) holds a different version \(s) of group \(g): a group must never sign two versions with one sequence number"
        case .dropsGroup(let d, let g): "\(d) holds group \(g), which the index being published lacks (--force replaces it anyway)"
        case .otherSigner(let d, let f, let p):
            "\(d) holds an index signed by \(f), not by \(p) who signed this one (--force replaces it)"
        case .destinationUnreadable(let d, let r): "\(d): its manifest does not verify (\(r)); --force replaces it"
        case .incompleteIndex(let p, let c): "\(p) lacks block \(c) that its manifest reaches; run `indexer verify \(p)`"
        case .refused(let u, let s, let c, let r): "\(u): refused (HTTP \(s), \(c)): \(r)"
        case .transport(let u, let m): "\(u): \(m)"
        case .unreadableKeptManifest(let p, let r): "\(p): \(r); nothing collected (remove or repair it first)"
        }
    }
}
