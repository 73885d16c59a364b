// The read path's errors in the wasm module. Embedded Swift has no `any Error`, so the shared
// files throw `ReadFailure` (natively `any Error`, Sources/Blocks/Errors.swift) and here every
// error type they name is this one enum: `throw BlockError.notFound(…)` and
// `catch BlockError.notFound` compile unchanged. The cases are those of the native
// `BlockError` and `TreeError` that the read path throws, with the same payloads and messages;
// the modules' own Errors.swift files are not compiled into the module.

public typealias ReadFailure = CoreError
public typealias BlockError = CoreError
public typealias TreeError = CoreError

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
    // The wasm module's own: zstd refused a payload (the native Zstd.Error's message), or an
    // operation the browser never performs (writing blocks) was reached.
    case zstd(String)
    case unsupported(String)

    public var description: String {
        switch self {
        case .badCID(let t): "not a valid CIDv1: \(t)"
        case .notFound(let c, let s): "block \(c) not found in \(s)"
        case .mismatch(let c, let s): "block \(c) from \(s) does not match its CID (corrupt or forged)"
        case .tooLarge(let c, let n, let l, let s): "block \(c) from \(s) is \(n) bytes, over the \(l)-byte limit"
        case .badCBOR(let o, let r): "invalid DAG-CBOR at byte \(o): \(r)"
        case .corruptNode(let c, let r): "tree node \(c) is invalid: \(r)"
        case .badHeader(let c, let r): "tree header \(c) is invalid: \(r)"
        case .zstd(let m): m
        case .unsupported(let m): "not available in the browser module: \(m)"
        }
    }
}
