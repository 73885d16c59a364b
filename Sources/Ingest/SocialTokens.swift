/// `#hashtags` and `@mentions` in post text, scanned over UTF-8 bytes.
enum SocialTokens {
    /// Word bytes: ASCII letters, digits, `_`, and any non-ASCII byte (letters of other scripts).
    @inline(__always)
    private static func isWord(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c >= 0x80
    }

    /// Hashtags without `#`, lowercased, deduplicated in order. A tag starts at a `#` that does
    /// not follow a word byte (`C#`, `a#b` are not tags) and must not be all digits (`#1`).
    /// Mentions without `@`: `@name`, `@name@host.tld` (fediverse), `@handle.bsky.social`;
    /// an `@` after a word byte (an e-mail address) is not a mention.
    static func extract(_ text: String) -> (tags: [String], mentions: [String]) {
        var tags: [String] = [], mentions: [String] = []
        var seenTags = Set<String>(), seenMentions = Set<String>()
        let u = Array(text.utf8)
        var k = 0
        while k < u.count {
            let c = u[k]
            guard (c == 0x23 || c == 0x40) && (k == 0 || !isWord(u[k - 1]) && u[k - 1] != 0x26 && u[k - 1] != 0x2F) else { k += 1; continue }
            var e = k + 1
            if c == 0x23 {
                while e < u.count, isWord(u[e]) { e += 1 }
                let tag = String(decoding: u[(k + 1)..<e], as: UTF8.self)
                if !tag.isEmpty, !tag.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    let t = tag.lowercased()
                    if seenTags.insert(t).inserted { tags.append(t) }
                }
            } else {
                var ats = 0
                while e < u.count, isWord(u[e]) && u[e] < 0x80 || u[e] == 0x2E || u[e] == 0x2D || (u[e] == 0x40 && ats == 0 && e > k + 1) {
                    if u[e] == 0x40 { ats += 1 }
                    e += 1
                }
                while e > k + 1, u[e - 1] == 0x2E || u[e - 1] == 0x2D || u[e - 1] == 0x40 { e -= 1 }
                if e > k + 1 {
                    let m = String(decoding: u[(k + 1)..<e], as: UTF8.self).lowercased()
                    if seenMentions.insert(m).inserted { mentions.append(m) }
                }
            }
            k = max(e, k + 1)
        }
        return (tags, mentions)
    }
}
