/// Media types: parsing `Content-Type`, sniffing payloads, and deciding what gets indexed.
public enum MediaType {
    /// How a payload is turned into text, or why it is not.
    public enum Handling: Sendable, Equatable {
        case html
        case plainText
        case markdown
        /// Not text ingest indexes (images, fonts, scripts, styles, archives…).
        case other
    }

    /// The essence of a `Content-Type` value (`text/html`), lowercased, and its `charset`.
    public static func parse(_ value: String?) -> (essence: String, charset: String?)? {
        guard let value else { return nil }
        var parts = value.split(separator: ";", omittingEmptySubsequences: false).makeIterator()
        let essence = String(parts.next() ?? "").trimmingSpaces.lowercased()
        guard essence.contains("/"), !essence.contains(" ") else { return nil }
        var charset: String?
        while let p = parts.next() {
            let kv = p.split(separator: "=", maxSplits: 1)
            if kv.count == 2, String(kv[0]).trimmingSpaces.lowercased() == "charset" {
                var v = String(kv[1]).trimmingSpaces
                if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
                if !v.isEmpty { charset = v }
            }
        }
        return (essence, charset)
    }

    /// What ingest does with a payload of media type `essence`.
    public static func handling(of essence: String) -> Handling {
        switch essence {
        case "text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml": .html
        case "text/plain": .plainText
        case "text/markdown", "text/x-markdown": .markdown
        default: .other
        }
    }

    /// Types that say nothing and are worth sniffing past.
    static func isVague(_ essence: String) -> Bool {
        essence == "application/octet-stream" || essence == "unknown/unknown" || essence == "application/unknown"
            || essence == "*/*" || essence == "binary/octet-stream" || essence.isEmpty
    }

    /// A media type for `bytes` from their first bytes, after WHATWG MIME sniffing (a subset:
    /// HTML tags, a few binary signatures, then text unless control bytes appear).
    public static func sniff(_ b: UnsafeRawBufferPointer) -> String {
        let n = min(b.count, 1445)
        var k = 0
        if n >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
            k = 3
        } else if n >= 2, (b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE) {
            return "text/plain"
        }
        for (sig, type) in signatures where n >= sig.count {
            var ok = true
            for (j, c) in sig.enumerated() where b[j] != c { ok = false; break }
            if ok { return type }
        }
        while k < n, b[k] == 0x20 || b[k] == 0x09 || b[k] == 0x0A || b[k] == 0x0C || b[k] == 0x0D { k += 1 }
        if k < n, b[k] == 0x3C {
            for tag in htmlTags where Bytes.hasPrefixLower(b, k, n, tag) {
                let after = k + tag.count
                if after < n, b[after] == 0x20 || b[after] == 0x3E || b[after] == 0x09 || b[after] == 0x0A || b[after] == 0x0D || b[after] == 0x2F {
                    return "text/html"
                }
            }
            if Bytes.hasPrefixLower(b, k, n, Array("<?xml".utf8)) { return "text/xml" }
        }
        for j in 0..<min(n, 512) {
            let c = b[j]
            if c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1A) || (c >= 0x1C && c <= 0x1F) { return "application/octet-stream" }
        }
        return "text/plain"
    }

    private static let htmlTags: [[UInt8]] = [
        "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table",
        "<a", "<style", "<title", "<b", "<body", "<br", "<p", "<!--", "<meta", "<link", "<section", "<article",
    ].map { Array($0.utf8) }

    private static let signatures: [([UInt8], String)] = [
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png"),
        (Array("GIF87a".utf8), "image/gif"), (Array("GIF89a".utf8), "image/gif"),
        ([0xFF, 0xD8, 0xFF], "image/jpeg"),
        (Array("%PDF-".utf8), "application/pdf"),
        ([0x50, 0x4B, 0x03, 0x04], "application/zip"),
        ([0x1F, 0x8B, 0x08], "application/gzip"),
        ([0x28, 0xB5, 0x2F, 0xFD], "application/zstd"),
        (Array("wOFF".utf8), "font/woff"), (Array("wOF2".utf8), "font/woff2"),
        ([0x00, 0x00, 0x01, 0x00], "image/x-icon"),
        (Array("BM".utf8), "image/bmp"),
        (Array("OggS".utf8), "application/ogg"),
        (Array("ID3".utf8), "audio/mpeg"),
        (Array("%!PS-Adobe-".utf8), "application/postscript"),
    ]
}
