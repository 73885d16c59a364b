import Blocks
import Index
import Support

/// The groups a reader trusts: a text file of Ed25519 public keys, one per line as 64 hex
/// digits, optionally followed by whitespace and a label; blank lines and lines starting with
/// `#` are ignored. (Public keys, not group IDs: the key is what a group publishes and what
/// signs its manifests; the group ID is derived from it.)
public struct TrustList: Sendable, Equatable {
    public var keys: [[UInt8]]
    public var groups: [GroupID] { keys.map { GroupID(publicKey: $0) } }

    public init(keys: [[UInt8]]) { self.keys = keys }

    /// Parses a trust file's text; `path` names it in errors (with the line number).
    public init(parsing text: String, path: String) throws {
        var keys: [[UInt8]] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            let word = line.prefix { $0 != " " && $0 != "\t" }
            guard word.count == 64, let key = Hex.decode(String(word).lowercased()), key.count == 32 else {
                throw TrustListError.badKey(path: path, line: n + 1, found: String(word.prefix(80)))
            }
            if !keys.contains(key) { keys.append(key) }
        }
        guard !keys.isEmpty else { throw TrustListError.empty(path: path) }
        self.keys = keys
    }

    public init(contentsOf path: String) throws {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 16 << 20) } catch {
            throw TrustListError.unreadable(path: path)
        }
        try self.init(parsing: String(decoding: bytes, as: UTF8.self), path: path)
    }
}

extension Substring {
    var trimmingWhitespace: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}
