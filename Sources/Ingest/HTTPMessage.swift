/// The parts of an HTTP response head ingest needs, parsed leniently: any `HTTP/x` version,
/// a missing reason phrase, LF-only lines, folded or malformed header lines (skipped).
public struct HTTPHead: Sendable, Hashable {
    public var status: Int?
    public var contentType: String?
    public var contentEncoding: String?
    public var transferEncoding: String?
    public var contentLanguage: String?
    /// Offset of the first body byte in the block.
    public var bodyStart: Int

    private static let http: [UInt8] = Array("http/".utf8)
    private static let names: [[UInt8]] = ["content-type", "content-encoding", "transfer-encoding", "content-language"].map { Array($0.utf8) }

    /// Parses the head at the start of `b`, or returns nil when `b` does not start (after
    /// blank lines) with `HTTP/`. When no blank line ends the head, the whole block is head.
    public static func parse(_ b: UnsafeRawBufferPointer) -> HTTPHead? {
        var k = 0
        while k < b.count, b[k] == Bytes.cr || b[k] == Bytes.lf || b[k] == Bytes.space || b[k] == Bytes.tab { k += 1 }
        guard Bytes.hasPrefixLower(b, k, b.count, http) else { return nil }
        var head = HTTPHead(bodyStart: b.count)
        let lineEnd = Bytes.find(Bytes.lf, in: b, from: k, to: b.count) ?? b.count
        // Status: the first run of three digits after the version.
        if let sp = Bytes.find(Bytes.space, in: b, from: k, to: lineEnd) {
            var s = sp
            while s < lineEnd, b[s] == Bytes.space { s += 1 }
            var e = s
            while e < lineEnd, b[e] >= 0x30, b[e] <= 0x39 { e += 1 }
            if e - s == 3 { head.status = Bytes.decimal(b, s, e) }
        }
        var line = lineEnd + 1
        while line < b.count {
            let nl = Bytes.find(Bytes.lf, in: b, from: line, to: b.count) ?? b.count
            var end = nl
            if end > line, b[end - 1] == Bytes.cr { end -= 1 }
            if end == line {
                head.bodyStart = min(nl + 1, b.count)
                return head
            }
            if b[line] != Bytes.space && b[line] != Bytes.tab, let colon = Bytes.find(Bytes.colon, in: b, from: line, to: end) {
                let (ns, ne) = Bytes.trim(b, line, colon)
                for (i, name) in names.enumerated() where Bytes.equalsLower(b, ns, ne, name) {
                    let (vs, ve) = Bytes.trim(b, colon + 1, end)
                    let value = Bytes.string(b, vs, ve)
                    switch i {
                    case 0: head.contentType = head.contentType ?? value
                    case 1: head.contentEncoding = head.contentEncoding.map { $0 + ", " + value } ?? value
                    case 2: head.transferEncoding = head.transferEncoding.map { $0 + ", " + value } ?? value
                    default: head.contentLanguage = head.contentLanguage ?? value
                    }
                    break
                }
            }
            line = nl + 1
        }
        head.bodyStart = b.count
        return head
    }
}

/// HTTP/1.1 chunked transfer coding.
enum Chunked {
    /// Decodes a chunked body. Returns nil when `b` does not begin with a chunk-size line (many
    /// WARC writers store the body already de-chunked but keep the header: use it raw). A
    /// truncated or damaged later chunk ends the body with what was decoded so far, and
    /// `complete` is false. Output is at most `limit` bytes.
    static func decode(_ b: UnsafeRawBufferPointer, limit: Int) -> (body: [UInt8], complete: Bool)? {
        var out: [UInt8] = []
        var k = 0
        var first = true
        while true {
            guard let nl = Bytes.find(Bytes.lf, in: b, from: k, to: min(b.count, k + 1024)) else {
                return first ? nil : (out, false)
            }
            var size = 0
            var digits = 0
            var j = k
            while j < nl, b[j] == Bytes.space || b[j] == Bytes.tab { j += 1 }
            while j < nl {
                let c = b[j]
                let v: Int
                switch c {
                case 0x30...0x39: v = Int(c) - 0x30
                case 0x41...0x46: v = Int(c) - 0x41 + 10
                case 0x61...0x66: v = Int(c) - 0x61 + 10
                default: v = -1
                }
                if v < 0 { break }
                guard digits < 15 else { return first ? nil : (out, false) }
                size = size * 16 + v
                digits += 1
                j += 1
            }
            // After the digits only chunk extensions (`;…`), spaces or CR may follow.
            if j < nl, b[j] != 0x3B, b[j] != Bytes.space, b[j] != Bytes.tab, b[j] != Bytes.cr { digits = 0 }
            guard digits > 0 else { return first ? nil : (out, false) }
            first = false
            k = nl + 1
            if size == 0 { return (out, true) }
            let available = min(size, b.count - k)
            let room = limit - out.count
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[k..<k + min(available, max(room, 0))]))
            if available < size || room < available { return (out, false) }
            k += size
            if k < b.count, b[k] == Bytes.cr { k += 1 }
            if k < b.count, b[k] == Bytes.lf { k += 1 }
            if k >= b.count { return (out, false) }
        }
    }
}
