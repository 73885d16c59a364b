/// Where the encoding of a document came from, in the order browsers consult them.
public enum CharsetSource: String, Sendable {
    case byteOrderMark = "bom"
    case httpHeader = "http"
    case metaPrescan = "meta"
    /// Nothing was declared; UTF-8, or windows-1252 when the bytes are mostly not UTF-8.
    case sniffed = "sniffed"
}

/// The encoding decision for one document, before decoding.
struct CharsetDecision {
    /// `nil`: nothing usable was declared; the decoder picks UTF-8 or windows-1252.
    var charset: Charset?
    var source: CharsetSource
    /// Bytes of byte-order mark to skip.
    var bomLength: Int
}

extension Charset {
    /// The charset named by a `Content-Type` value such as `text/html; Charset="Shift_JIS"`,
    /// or by a bare label such as `utf-8`. `nil` when none is named or the label is unknown.
    public init?(contentType value: String) {
        var bytes = Array(value.utf8)
        if let label = bytes.withUnsafeMutableBytes({ extractMetaCharset(UnsafeRawBufferPointer($0)) }) {
            self.init(label: String(decoding: label, as: UTF8.self))
        } else {
            bytes.removeAll()
            self.init(label: value)
        }
    }
}

/// Decides a document's encoding as the HTML standard's "encoding sniffing algorithm" does:
/// byte-order mark, then the HTTP charset, then a `<meta>` prescan of the first 1024 bytes.
/// The last step (a locale default or a detector) is left to the decoder, which tries UTF-8.
func decideCharset(_ bytes: UnsafeRawBufferPointer, httpCharset: String?) -> CharsetDecision {
    if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
        return CharsetDecision(charset: .utf8, source: .byteOrderMark, bomLength: 3)
    }
    if bytes.count >= 2 {
        if bytes[0] == 0xFE, bytes[1] == 0xFF {
            return CharsetDecision(charset: .utf16BE, source: .byteOrderMark, bomLength: 2)
        }
        if bytes[0] == 0xFF, bytes[1] == 0xFE {
            return CharsetDecision(charset: .utf16LE, source: .byteOrderMark, bomLength: 2)
        }
    }
    if let label = httpCharset, let c = Charset(contentType: label) {
        return CharsetDecision(charset: c, source: .httpHeader, bomLength: 0)
    }
    let head = UnsafeRawBufferPointer(rebasing: bytes.prefix(1024))
    if var c = prescanMeta(head) {
        // A page cannot really be UTF-16 if its ASCII <meta> could be read: the standard says UTF-8.
        if c == .utf16BE || c == .utf16LE { c = .utf8 }
        return CharsetDecision(charset: c, source: .metaPrescan, bomLength: 0)
    }
    return CharsetDecision(charset: nil, source: .sniffed, bomLength: 0)
}

// MARK: - The HTML standard's prescan (13.2.3.2 "Prescan a byte stream to determine its encoding")

/// Returns the charset declared by the first qualifying `<meta>` in `b`, or `nil`.
/// Comments and other tags' attributes are skipped as the standard says, so
/// `<!-- <meta charset=x> -->` and `<img alt="<meta charset=x>">` do not count.
func prescanMeta(_ b: UnsafeRawBufferPointer) -> Charset? {
    let n = b.count
    var i = 0
    while i < n {
        guard b[i] == 0x3C else { i += 1; continue }  // '<'
        if matches(b, i, "<!--") {
            // The first '>' preceded by "--", counting the dashes of "<!--" itself.
            var j = i + 2
            while j + 2 < n, !(b[j] == 0x2D && b[j + 1] == 0x2D && b[j + 2] == 0x3E) { j += 1 }
            guard j + 2 < n else { return nil }
            i = j + 3
            continue
        }
        if matchesCaseless(b, i, "<meta"), i + 5 < n, isSpaceOrSlash(b[i + 5]) {
            var p = i + 5
            var seen = [[UInt8]]()
            var gotPragma = false
            var needPragma: Bool? = nil
            var charset: Charset?? = nil  // nil: none yet; .some(nil): an unknown label
            while let (name, value) = getAttribute(b, &p) {
                if seen.contains(name) { continue }
                seen.append(name)
                if name == Array("http-equiv".utf8) {
                    if value == Array("content-type".utf8) { gotPragma = true }
                } else if name == Array("content".utf8) {
                    if charset == nil, let label = value.withUnsafeBytes({ extractMetaCharset($0) }),
                        let c = Charset(label: String(decoding: label, as: UTF8.self))
                    {
                        charset = .some(c)
                        needPragma = true
                    }
                } else if name == Array("charset".utf8) {
                    charset = .some(Charset(label: String(decoding: value, as: UTF8.self)))
                    needPragma = false
                }
            }
            if let need = needPragma, !(need && !gotPragma), case .some(.some(let c)) = charset {
                return c
            }
            i = max(p, i + 1)
            continue
        }
        if i + 1 < n, isASCIILetter(b[i + 1]) || (b[i + 1] == 0x2F && i + 2 < n && isASCIILetter(b[i + 2])) {
            var p = i + 1
            while p < n, !(isASCIIWhitespace(b[p]) || b[p] == 0x3E) { p += 1 }
            while getAttribute(b, &p) != nil {}
            i = max(p, i + 1)
            continue
        }
        if i + 1 < n, b[i + 1] == 0x21 || b[i + 1] == 0x2F || b[i + 1] == 0x3F {  // "<!", "</", "<?"
            var j = i + 2
            while j < n, b[j] != 0x3E { j += 1 }
            i = j + 1
            continue
        }
        i += 1
    }
    return nil
}

/// The standard's "get an attribute" (names and values lowercased); `nil` at `>` or at the end.
private func getAttribute(_ b: UnsafeRawBufferPointer, _ p: inout Int) -> ([UInt8], [UInt8])? {
    let n = b.count
    while p < n, isSpaceOrSlash(b[p]) { p += 1 }
    guard p < n, b[p] != 0x3E else { return nil }
    var name = [UInt8](), value = [UInt8]()
    nameLoop: while p < n {
        let c = b[p]
        if c == 0x3D, !name.isEmpty { p += 1; break nameLoop }
        if isASCIIWhitespace(c) {
            while p < n, isASCIIWhitespace(b[p]) { p += 1 }
            guard p < n, b[p] == 0x3D else { return (name, value) }
            p += 1
            break nameLoop
        }
        if c == 0x2F || c == 0x3E { return (name, value) }
        name.append(asciiLower(c))
        p += 1
    }
    guard p < n else { return nil }
    while p < n, isASCIIWhitespace(b[p]) { p += 1 }
    guard p < n else { return nil }
    let c = b[p]
    if c == 0x22 || c == 0x27 {
        p += 1
        while p < n {
            if b[p] == c { p += 1; return (name, value) }
            value.append(asciiLower(b[p]))
            p += 1
        }
        return nil
    }
    if c == 0x3E { return (name, value) }
    while p < n, !(isASCIIWhitespace(b[p]) || b[p] == 0x3E) {
        value.append(asciiLower(b[p]))
        p += 1
    }
    return p < n ? (name, value) : nil
}

/// The standard's "extract a character encoding from a meta element" on a `content` value
/// (also the syntax of an HTTP `Content-Type`): the label after `charset=`, quotes removed.
func extractMetaCharset(_ b: UnsafeRawBufferPointer) -> ArraySlice<UInt8>? {
    let n = b.count
    var i = 0
    while i + 7 <= n {
        guard matchesCaseless(b, i, "charset") else { i += 1; continue }
        var p = i + 7
        while p < n, isASCIIWhitespace(b[p]) { p += 1 }
        guard p < n, b[p] == 0x3D else { i = p; continue }
        p += 1
        while p < n, isASCIIWhitespace(b[p]) { p += 1 }
        guard p < n else { return nil }
        let all = Array(b)
        if b[p] == 0x22 || b[p] == 0x27 {
            guard let close = all[(p + 1)...].firstIndex(of: b[p]) else { return nil }
            return all[(p + 1)..<close]
        }
        var e = p
        while e < n, !isASCIIWhitespace(b[e]), b[e] != 0x3B { e += 1 }
        return all[p..<e]
    }
    return nil
}

@inline(__always) private func isSpaceOrSlash(_ c: UInt8) -> Bool { isASCIIWhitespace(c) || c == 0x2F }
@inline(__always) private func isASCIILetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

private func matches(_ b: UnsafeRawBufferPointer, _ i: Int, _ s: StaticString) -> Bool {
    let m = s.utf8CodeUnitCount
    guard i + m <= b.count else { return false }
    let p = s.utf8Start
    for k in 0..<m where b[i + k] != p[k] { return false }
    return true
}

private func matchesCaseless(_ b: UnsafeRawBufferPointer, _ i: Int, _ s: StaticString) -> Bool {
    let m = s.utf8CodeUnitCount
    guard i + m <= b.count else { return false }
    let p = s.utf8Start
    for k in 0..<m where asciiLower(b[i + k]) != p[k] { return false }
    return true
}
