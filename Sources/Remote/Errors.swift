/// Why a remote fetch failed. Every case names the URL, so the CLI's one-line message tells a
/// person which host and file to look at.
public enum RemoteError: Error, Equatable, CustomStringConvertible {
    /// HTTP 404 or 410: the host does not have this file.
    case notFound(url: String)
    /// Any other non-2xx status (after retries for 5xx).
    case status(url: String, code: Int, attempts: Int)
    /// The body ended before the length the server announced.
    case truncated(url: String, received: Int, expected: Int?)
    /// The body is larger than the limit for this kind of file.
    case tooLarge(url: String, limit: Int)
    /// The bytes do not hash to the CID they were fetched under.
    case mismatch(url: String)
    /// No complete answer within the time limit (seconds, per attempt).
    case timeout(url: String, seconds: Double, attempts: Int)
    /// Connection refused, reset, DNS failure and the like.
    case connection(url: String, message: String, attempts: Int)
    /// Not an http:// or https:// URL we can request.
    case badURL(String)
    /// A blocking fetch was called on an event-loop thread, where it would deadlock (a bug).
    case onEventLoop(url: String)

    public var url: String {
        switch self {
        case .notFound(let u), .status(let u, _, _), .truncated(let u, _, _), .tooLarge(let u, _), .mismatch(let u),
            .timeout(let u, _, _), .connection(let u, _, _), .badURL(let u), .onEventLoop(let u):
            u
        }
    }

    public var description: String {
        func tries(_ n: Int) -> String { n > 1 ? " after \(n) attempts" : "" }
        switch self {
        case .notFound(let u): return "\(u): not found (HTTP 404); is this the index folder's URL?"
        case .status(let u, let c, let n): return "\(u): server answered HTTP \(c)\(tries(n))"
        case .truncated(let u, let got, let expected):
            return "\(u): body cut short at \(got) bytes" + (expected.map { " of \($0)" } ?? "") + " (connection closed early)"
        case .tooLarge(let u, let l): return "\(u): larger than the \(l)-byte limit; refusing it"
        case .mismatch(let u): return "\(u): bytes do not match the block's CID (corrupt or forged by the host)"
        case .timeout(let u, let s, let n): return "\(u): no complete answer within \(RemoteError.seconds(s))\(tries(n))"
        case .connection(let u, let m, let n): return "\(u): \(m)\(tries(n))"
        case .badURL(let u): return "\(u): not an http:// or https:// URL"
        case .onEventLoop(let u): return "\(u): a blocking fetch was called on an event-loop thread (a bug: it would deadlock)"
        }
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\((s * 1000).rounded() / 1000) s"
    }

    /// Worth another attempt: the server or the path to it may recover.
    var isTransient: Bool {
        switch self {
        case .status(_, let c, _): c >= 500 || c == 429 || c == 408
        case .truncated, .timeout, .connection: true
        case .notFound, .tooLarge, .mismatch, .badURL, .onEventLoop: false
        }
    }

    func withAttempts(_ n: Int) -> RemoteError {
        switch self {
        case .status(let u, let c, _): .status(url: u, code: c, attempts: n)
        case .timeout(let u, let s, _): .timeout(url: u, seconds: s, attempts: n)
        case .connection(let u, let m, _): .connection(url: u, message: m, attempts: n)
        default: self
        }
    }
}

/// Why a trust file (`--trust`) was refused. Every case names the file, and a bad key its line.
public enum TrustListError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String)
    /// Line `line` (1-based) does not start with 64 hex digits; `found` is its first word.
    case badKey(path: String, line: Int, found: String)
    /// No keys at all (only blank lines and comments).
    case empty(path: String)

    public var description: String {
        switch self {
        case .unreadable(let p): "\(p): cannot read the trust file"
        case .badKey(let p, let n, let found): "\(p):\(n): expected a public key as 64 hex digits, found \"\(found)\""
        case .empty(let p): "\(p): no public keys (one 64-hex-digit key per line)"
        }
    }
}
