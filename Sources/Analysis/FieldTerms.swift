/// Terms for the fields other than body and title: `tag`, `mention`, `url`, `site`, `lang`.
extension Analyzer {
    /// `#hashtags` in `text`, folded (case and diacritics, as words are; `_` kept), in order,
    /// repeats included. A hashtag follows the start or a non-word character (so `C#`, `a#b`
    /// and `&#38;` are not tags), runs over letters, digits, marks, unspaced scripts and `_`,
    /// and has at least one non-digit (`#1` is not a tag). At most 64 bytes.
    public static func hashtags(in text: String) -> [String] {
        scanPrefixed(text, marker: 0x23) { p, i, n in
            var j = i
            while j < n {
                let (v, k) = decodeScalar(p, j, n)
                guard v == 0x5F || isTagScalar(v) else { break }
                j += k
            }
            return j
        }.filter { $0.utf8.contains { !($0 >= 0x30 && $0 <= 0x39) } }
    }

    /// `@mentions` in `text`, folded: `@Alice` → `alice`, `@bob@Example.Social` →
    /// `bob@example.social` (fediverse handles keep their host). A mention follows the start or
    /// a non-word character (so e-mail addresses are not mentions); a handle is letters, digits,
    /// `_` `.` `-`, not ending in `.` or `-`. At most 64 bytes.
    public static func mentions(in text: String) -> [String] {
        scanPrefixed(text, marker: 0x40) { p, i, n in
            var j = handleEnd(p, i, n)
            if j < n, p[j] == 0x40, j + 1 < n, isHandleByte(p[j + 1]) {
                let host = handleEnd(p, j + 1, n)
                if host > j + 1 { j = host }
            }
            return j
        }
    }

    /// The term for a `tag:` or `mention:` query value: the leading `#`/`@` dropped, folded as
    /// `hashtags(in:)`/`mentions(in:)` fold.
    public static func fieldValueTerm(_ value: String) -> String {
        var v = Substring(value)
        if let f = v.first, f == "#" || f == "@" { v = v.dropFirst() }
        return foldRaw(Array(v.utf8))
    }

    /// The `url` field: words of the host (without `www.`) and of the percent-decoded path,
    /// as the analyzer splits them, unstemmed. Scheme, user, port, query and fragment are left out.
    public static func urlTerms(_ url: String) -> [Token] {
        let parts = URLParts(url)
        var text = parts.host
        text.append(" ")
        text.append(String(decoding: percentDecoded(parts.path), as: UTF8.self))
        return Analyzer().tokens(text, stemming: .none)
    }

    /// Whether `url` holds the words of `value` (a `url:` query value such as `docs/saving`)
    /// consecutively and in order, as `urlTerms` reads both: words of several segments must
    /// be neighbouring segments (`/docs/saving.html`, not `/docs/x/saving`). Compounds are
    /// left out; their parts are compared. True for a value of one word or none: the url
    /// field's postings already decide those.
    public static func urlContainsSequence(_ url: String, _ value: String) -> Bool {
        let wanted = urlTerms(value).filter { $0.kind != .compound }
        guard wanted.count > 1 else { return true }
        let have = urlTerms(url).filter { $0.kind != .compound }
        var at: [Int: String] = [:]
        for t in have { at[t.position] = t.term }
        let base = wanted[0].position
        return have.contains { start in
            start.term == wanted[0].term && wanted.allSatisfy { at[start.position + $0.position - base] == $0.term }
        }
    }

    /// Whether a `url:` value needs `urlContainsSequence` after its postings: it has words at
    /// two or more positions.
    public static func urlValueIsSequence(_ value: String) -> Bool {
        Set(urlTerms(value).filter { $0.kind != .compound }.map { $0.position }).count > 1
    }

    /// The `site` field: the host and each parent domain of two or more labels
    /// (`blog.example.co.uk` → that, `example.co.uk`, `co.uk`). A query's `site:H` looks up its
    /// first term, H itself, so it finds H and the hosts under it, as web search engines do:
    /// `site:example.co.uk` finds `blog.example.co.uk`, `site:www.iana.org` does not find
    /// `example.iana.org`. `www.` is a label like any other (`www.x.org` is under `x.org`).
    /// Accepts a URL or a bare host; empty if there is no host.
    public static func siteTerms(_ urlOrHost: String) -> [String] {
        let source = urlOrHost.contains("/") ? urlOrHost : "//" + urlOrHost
        let host = URLParts(source, keepingWWW: true).host
        guard !host.isEmpty else { return [] }
        if host.hasPrefix("[") || host.allSatisfy({ "0123456789.".contains($0) }) { return [host] }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return [host] }
        return (0...(labels.count - 2)).map { labels[$0...].joined(separator: ".") }
    }

    /// The `lang` field: the primary subtag of a BCP 47 tag, lowercased (`en-GB` → `en`,
    /// `zh_Hant` → `zh`); `nil` unless it is 2–3 ASCII letters.
    public static func languageTerm(_ tag: String?) -> String? {
        guard let tag else { return nil }
        let primary = tag.utf8.drop { $0 == 0x20 }.prefix { $0 != 0x2D && $0 != 0x5F && $0 != 0x20 }
        guard (2...3).contains(primary.count), primary.allSatisfy({ ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }) else {
            return nil
        }
        return String(decoding: primary.map { $0 | 0x20 }, as: UTF8.self)
    }

    // MARK: Helpers

    /// Finds `marker` bytes not preceded by a word character, takes the span `end` returns after
    /// it, and folds it; spans over 64 folded bytes are dropped.
    private static func scanPrefixed(
        _ text: String, marker: UInt8,
        end: (UnsafePointer<UInt8>, Int, Int) -> Int
    ) -> [String] {
        var text = text
        return text.withUTF8 { buf -> [String] in
            guard let p = buf.baseAddress else { return [] }
            let n = buf.count
            var out = [String]()
            var i = 0
            var previousIsWord = false
            while i < n {
                let (v, k) = decodeScalar(p, i, n)
                if v == UInt32(marker), !previousIsWord {
                    let e = end(p, i + 1, n)
                    if e > i + 1 {
                        let term = foldRaw(Array(UnsafeBufferPointer(start: p + i + 1, count: e - i - 1)))
                        if !term.isEmpty, term.utf8.count <= Tokenizer.maxTermBytes { out.append(term) }
                        previousIsWord = true
                        i = e
                        continue
                    }
                }
                previousIsWord = v == 0x5F || v == 0x26 || v == 0x2F || isTagScalar(v)
                i += k
            }
            return out
        }
    }

    private static func isTagScalar(_ v: UInt32) -> Bool {
        if v < 0x80 { return isASCIIWordByte(UInt8(v)) }
        switch ScalarTables.shared.scalarClass(v) {
        case .letter, .mark, .bigram, .ignorable: return true
        default: return false
        }
    }

    /// Folds without splitting: each scalar as the tokenizer folds it; ASCII punctuation kept.
    static func foldRaw(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        bytes.withUnsafeBufferPointer { b in
            guard let p = b.baseAddress else { return }
            var i = 0
            while i < b.count {
                let (v, k) = decodeScalar(p, i, b.count)
                if let (f, m) = ScalarTables.shared.fold(v) {
                    out.append(contentsOf: UnsafeBufferPointer(start: f, count: m))
                } else if v != 0xFFFD || k != 1 {
                    out.append(contentsOf: UnsafeBufferPointer(start: p + i, count: k))
                }
                i += k
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isHandleByte(_ c: UInt8) -> Bool {
        isASCIIWordByte(c) || c == 0x5F || c >= 0x80
    }

    /// End of a handle (`[word _ . -]+`, non-ASCII letters allowed) starting at `i`, trailing
    /// `.` and `-` excluded.
    private static func handleEnd(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        var j = i
        while j < n {
            let (v, k) = decodeScalar(p, j, n)
            guard v == 0x5F || v == 0x2E || v == 0x2D || isTagScalar(v) else { break }
            j += k
        }
        while j > i, p[j - 1] == 0x2E || p[j - 1] == 0x2D { j -= 1 }
        return j
    }

    private static func percentDecoded(_ s: Substring) -> [UInt8] {
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 0x25, i + 2 < b.count, let h = hexValue(b[i + 1]), let l = hexValue(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i] == 0x2B ? 0x20 : b[i])
                i += 1
            }
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}

/// The host and path of a URL, leniently: `scheme://user@host:port/path?query#fragment`, or
/// `//host/path`, or a bare `host/path`. The host is lowercased, without `www.` and a final dot.
struct URLParts {
    var host = ""
    var path: Substring = ""

    init(_ url: String, keepingWWW: Bool = false) {
        var rest = Substring(url.trimmingASCIIWhitespace())
        // ASCII letters, digits and + - . by value (Character.isLetter would link the stdlib's
        // Unicode property tables into the wasm module).
        let isSchemeCharacter = { (c: Character) -> Bool in
            guard let b = c.asciiValue else { return false }
            return (0x30...0x39).contains(b) || (0x61...0x7A).contains(b | 0x20) || b == 0x2B || b == 0x2D || b == 0x2E
        }
        if let colon = rest.firstIndex(of: ":"), rest[..<colon].allSatisfy(isSchemeCharacter),
            rest[rest.index(after: colon)...].hasPrefix("//")
        {
            rest = rest[rest.index(colon, offsetBy: 3)...]
        } else if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            authority = authority[...close]
        } else if let colon = authority.lastIndex(of: ":") {
            authority = authority[..<colon]
        }
        var h = authority.lowercased()
        if h.hasSuffix(".") { h.removeLast() }
        if !keepingWWW, h.hasPrefix("www."), h.count > 4 { h.removeFirst(4) }
        host = h
        let afterAuthority = rest[authorityEnd...]
        path = afterAuthority.prefix { $0 != "?" && $0 != "#" }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[start...end]
    }
}
