import Support

/// What the hub and its clients agree on besides plain index folders: the messages a group key
/// signs to prove control of it, and the error body of a refusal.
public enum HubProtocol {
    /// The bytes a group signs to answer nonce `nonce` for `purpose` ("register" or "session").
    /// The prefix keeps these signatures from ever passing for a manifest's or a version's.
    public static func challenge(purpose: String, nonce: String) -> [UInt8] {
        Array("indexer-hub/1 \(purpose) \(nonce)".utf8)
    }

    /// The file a self-hosting group puts in its index folder to let a hub follow it:
    /// `{"nonce", "signature"}`, the signature over `challenge(purpose: "follow <URL>", nonce:)`.
    public static let proofFile = "indexer-hub-proof.json"

    /// A refusal's JSON body: `{"error": code, "reason": text, …details}`.
    public static func refusal(_ code: String, _ reason: String, details: [String: JSON] = [:]) -> JSON {
        var o = details
        o["error"] = .string(code)
        o["reason"] = .string(reason)
        return .object(o)
    }
}
