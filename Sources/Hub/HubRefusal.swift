import Publish
import Support

/// A request the hub refuses: the HTTP status, a stable code a script can match and a reason a
/// person can act on, sent as `{"error": code, "reason": …}` (details added), as the IPFS
/// pinning API answers InsufficientFunds.
public struct HubRefusal: Error, CustomStringConvertible, Sendable {
    public var status: Int
    public var code: String
    public var reason: String
    public var details: [String: JSON] = [:]

    public init(_ status: Int, _ code: String, _ reason: String, details: [String: JSON] = [:]) {
        self.status = status
        self.code = code
        self.reason = reason
        self.details = details
    }

    public var description: String { "\(code): \(reason)" }
    public var body: JSON { HubProtocol.refusal(code, reason, details: details) }
}
