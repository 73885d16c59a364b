// The read path's errors in the wasm module. Embedded Swift has no `any Error`, so the shared
// files throw `ReadFailure` (natively `any Error`, Sources/Blocks/Errors.swift) and here every
// error type they name is this one enum: `throw BlockError.notFound(…)` and
// `catch BlockError.notFound` compile unchanged. The cases are those of the native
// `BlockError` and `TreeError` that the read path throws, with the same payloads and messages;
// the modules' own Errors.swift files are not compiled into the module.

public typealias ReadFailure = CoreError
public typealias BlockError = CoreError
public typealias TreeError = CoreError
public typealias IndexError = CoreError
public typealias SearchError = CoreError

public enum CoreError: Error, Equatable, CustomStringConvertible {
    // BlockError
    case badCID(String)
    case notFound(cid: CID, source: String)
    case mismatch(cid: CID, source: String)
    case tooLarge(cid: CID, size: Int, limit: Int, source: String)
    case badCBOR(offset: Int, reason: String)
    // TreeError
    case corruptNode(cid: CID, reason: String)
    case badHeader(cid: CID, reason: String)
    case io(path: String, message: String)
    // IndexError
    case corrupt(String)
    case malformedValue(tree: ShardTree, document: DocRef)
    case malformedKey(tree: ShardTree, key: [UInt8])
    case malformedAggregate(tree: ShardTree, block: CID)
    case badManifest(path: String, reason: String)
    case badSignature(path: String)
    case missingTree(String)
    case treeParameters(tree: String, found: String)
    case otherAnalyzer(input: String, found: String, expected: String)
    case conflict(String)
    case nothingTrusted(reasons: [String])
    // SearchError
    case nothingToSearch
    case badGroup(String)
    case needsFormat2(what: String, segments: [String])
    // The wasm module's own: zstd refused a payload (the native Zstd.Error's message), or an
    // operation the browser never performs (writing blocks) was reached.
    case zstd(String)
    case unsupported(String)

    /// The index layer's form (one segment named), as Sources/Index/Errors.swift spells it.
    public static func needsFormat2(what: String, segment: String) -> CoreError { .needsFormat2(what: what, segments: [segment]) }

    public var description: String {
        switch self {
        case .badCID(let t): "not a valid CIDv1: \(t)"
        case .notFound(let c, let s): "block \(c) not found in \(s)"
        case .mismatch(let c, let s): "block \(c) from \(s) does not match its CID (corrupt or forged)"
        case .tooLarge(let c, let n, let l, let s): "block \(c) from \(s) is \(n) bytes, over the \(l)-byte limit"
        case .badCBOR(let o, let r): "invalid DAG-CBOR at byte \(o): \(r)"
        case .corruptNode(let c, let r): "tree node \(c) is invalid: \(r)"
        case .badHeader(let c, let r): "tree header \(c) is invalid: \(r)"
        case .io(let p, let m): "\(p): \(m)"
        case .corrupt(let m): "index data is corrupt: \(m)"
        case .malformedValue(let t, let d): "index data is corrupt: the \(t.name) entry of document \(d) is malformed"
        case .malformedKey(let t, let k): "index data is corrupt: \(t.name) key \(Hex.encode(k)) is malformed"
        case .malformedAggregate(let t, let c): "index data is corrupt: the \(t.name) aggregate of block \(c) is malformed"
        case .badManifest(let p, let r): "\(p): invalid manifest: \(r)"
        case .badSignature(let p): "\(p): manifest signature does not verify (forged or altered)"
        case .missingTree(let t): "index data is corrupt: index has no \(t) tree"
        case .treeParameters(let t, let found):
            "the \(t) tree was built with other parameters (\(found)); rebuild the index with this version"
        case .otherAnalyzer(let input, let found, let expected):
            "\(input) was analyzed with \(found), this tool uses \(expected): its terms would not match."
        case .conflict(let m): "conflicting inputs: \(m)"
        case .nothingTrusted(let reasons): "nothing to read: \(reasons.joined(separator: "; "))"
        case .nothingToSearch: "the query has nothing to search for (only exclusions or filters with no words)"
        case .badGroup(let g): "group: wants a 16-digit hex group ID, not \(g)"
        case .needsFormat2(let what, let segments):
            "\(what) needs segments of format indexer-segment/2; \(segments.count) segment(s) of this index are older: rebuild them with this version"
        case .zstd(let m): m
        case .unsupported(let m): "not available in the browser module: \(m)"
        }
    }
}
