/// Errors from the block layer: every case names the CID or source a person needs to act.
public enum BlockError: Error, Equatable, CustomStringConvertible {
    case badCID(String)
    case notFound(cid: CID, source: String)
    case mismatch(cid: CID, source: String)
    case tooLarge(cid: CID, size: Int, limit: Int, source: String)
    case io(path: String, message: String)
    /// The DAG-CBOR decoder stopped at `offset` (from the start of the block) for `reason`.
    case badCBOR(offset: Int, reason: String)
    case badCAR(path: String, offset: Int, message: String)

    public var description: String {
        switch self {
        case .badCID(let t): "not a valid CIDv1: \(t)"
        case .notFound(let c, let s): "block \(c) not found in \(s)"
        case .mismatch(let c, let s): "block \(c) from \(s) does not match its CID (corrupt or forged)"
        case .tooLarge(let c, let n, let l, let s): "block \(c) from \(s) is \(n) bytes, over the \(l)-byte limit"
        case .io(let p, let m): "\(p): \(m)"
        case .badCBOR(let o, let r): "invalid DAG-CBOR at byte \(o): \(r)"
        case .badCAR(let p, let o, let m): "\(p) at byte \(o): \(m)"
        }
    }
}
