import Blocks
import Support

/// Errors of the tree layer. Decoding errors name the block so a person can find it.
public enum TreeError: Error, Equatable, CustomStringConvertible {
    /// Node (or value) block `cid` does not decode, or breaks an invariant its parent promises.
    case corruptNode(cid: CID, reason: String)
    /// Header block `cid` is not a tree header this code can read.
    case badHeader(cid: CID, reason: String)
    /// The builder was given `key` after `previous`: input must be strictly increasing.
    case unsortedInput(key: [UInt8], previous: [UInt8])
    /// A builder's aggregator differs from the one its parameters name.
    case aggregatorMismatch(aggregator: String, parameters: String)
    /// A structural merge needs at least one tree.
    case nothingToMerge
    /// Trees chunked with different parameters cannot be merged node by node.
    case parametersDiffer(TreeParameters, TreeParameters)
    /// An out-of-line value was met while streaming a tree opened without a store to read it from.
    case valueWithoutStore
    /// The builder's own bookkeeping failed (a bug, not bad input).
    case builderInconsistency(level: Int)

    public var description: String {
        switch self {
        case .corruptNode(let c, let r): "tree node \(c) is invalid: \(r)"
        case .badHeader(let c, let r): "tree header \(c) is invalid: \(r)"
        case .unsortedInput(let k, let p): "tree builder input is not strictly increasing: key \(printable(k)) after \(printable(p))"
        case .aggregatorMismatch(let a, let p): "trees cannot be combined structurally: aggregator \(a) does not match parameters (\(p))"
        case .nothingToMerge: "trees cannot be combined structurally: nothing to merge"
        case .parametersDiffer(let a, let b):
            "trees cannot be combined structurally: parameters differ: \(a) vs \(b); merge by streaming entries into a new build instead"
        case .valueWithoutStore: "tree value is stored out of line but the tree was read without a block store"
        case .builderInconsistency(let l): "tree builder lost track of level \(l) (a bug)"
        }
    }
}

/// Keys in error messages: text when printable, hex otherwise.
func printable(_ key: [UInt8]) -> String {
    if key.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return "\"" + String(decoding: key, as: UTF8.self) + "\"" }
    return "0x" + Hex.encode(key)
}
