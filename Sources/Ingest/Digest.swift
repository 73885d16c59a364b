import Sodium

extension Document {
    /// The digest `Document.digest` documents: SHA-256 of title, 0x00, text.
    public static func contentDigest(title: String?, text: String) -> String {
        var hasher = SHA256Hasher()
        var t = title ?? ""
        t.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        withUnsafeBytes(of: UInt8(0)) { hasher.update($0) }
        var body = text
        body.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        return "sha256:" + hex(hasher.finish())
    }
}

/// Lowercase hex of `bytes`.
func hex(_ bytes: [UInt8]) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
