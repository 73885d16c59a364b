import Sodium
import Support

/// `names.json` beside a merged index's `manifest.json`: the display names of its groups, signed
/// by the manifest's signer (a hub, which knows the names its groups registered). A reader shows
/// a name only when the file verifies under the key that signed the manifest it read; a name
/// vouches for nothing but what that signer was told.
///
///     {"format": "indexer-names/1", "created": "…", "names": {"<group ID>": "Riverside Makers"},
///      "signer": {"publicKey": "<hex>"}, "signature": "<hex>"}
public enum GroupNames {
    public static let fileName = "names.json"
    public static let format = "indexer-names/1"

    #if !hasFeature(Embedded)
        /// The file's bytes: `names` (group ID to name) signed with `key`.
        public static func signed(_ names: [String: String], key: GroupKey, created: String) throws -> [UInt8] {
            var o: [String: JSON] = [
                "format": .string(format), "created": .string(created), "names": .object(names.mapValues(JSON.string)),
                "signer": .object(["publicKey": .string(Hex.encode(key.publicKey))]),
            ]
            o["signature"] = .string(Hex.encode(try key.sign(JSON.object(o).canonical)))
            return Array(JSON.object(o).pretty.utf8)
        }
    #endif

    /// The names in `bytes` if the file is signed by `signer`; nil otherwise (a reader then just
    /// shows group IDs).
    public static func verified(_ bytes: [UInt8], signer: [UInt8]) -> [String: String]? {
        guard let json = try? JSON.parse(bytes), case .object(var o) = json, json["format"]?.string == format,
            json["signer"]?["publicKey"]?.string == Hex.encode(signer),
            let signature = json["signature"]?.string.flatMap(Hex.decode), let names = json["names"]?.object
        else { return nil }
        o["signature"] = nil
        guard Ed25519.verify(signature, message: JSON.object(o).canonical, publicKey: signer) else { return nil }
        // Shown on terminals: no control characters (C0 and C1, category Cc, by value: no Unicode
        // property tables in the wasm module), bounded.
        return names.compactMapValues { value in
            value.string.map { text in
                var clean = ""
                let shown = text.unicodeScalars.filter { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) }
                clean.unicodeScalars.append(contentsOf: shown.prefix(64))
                return clean
            }
        }
    }
}
