/// The named fields of a WARC record header that ingest uses. Field names match
/// case-insensitively; values are trimmed; unknown fields are ignored.
public struct WARCHeader: Sendable, Hashable {
    /// The version line's number, e.g. `1.1`, `1.0`, `0.18`, `0.17`.
    public var version = ""
    /// `WARC-Type`, lowercased.
    public var type = ""
    public var recordID: String?
    /// `WARC-Target-URI`, without the `<…>` some writers wrap it in.
    public var targetURI: String?
    public var date: String?
    public var contentLength: Int?
    public var contentType: String?
    public var identifiedPayloadType: String?
    public var payloadDigest: String?
    /// `WARC-Block-Digest`, e.g. `sha1:<base32>`; checked by `WARCRecord.digestMismatch`.
    public var blockDigest: String?
    public var refersTo: String?
    public var refersToTargetURI: String?
    public var refersToDate: String?
    public var profile: String?
    public var segmentNumber: Int?
    public var segmentOriginID: String?
    public var segmentTotalLength: Int?
    /// `WARC-Truncated`: the writer cut the block (length, time, disconnect, unspecified).
    public var truncated: String?

    public init() {}

    private static let names: [[UInt8]] = [
        "warc-type", "warc-record-id", "warc-target-uri", "warc-date", "content-length", "content-type",
        "warc-identified-payload-type", "warc-payload-digest", "warc-refers-to", "warc-refers-to-target-uri",
        "warc-refers-to-date", "warc-profile", "warc-segment-number", "warc-segment-origin-id",
        "warc-segment-total-length", "warc-truncated", "warc-block-digest",
    ].map { Array($0.utf8) }

    /// Parses header lines from `b[from..<to]` (the bytes after the version line, up to the
    /// blank line). Lines end in CRLF or a bare LF; folded continuation lines are joined.
    mutating func parseFields(_ b: UnsafeRawBufferPointer, from: Int, to: Int) {
        var line = from
        var lastField = -1
        while line < to {
            let nl = Bytes.find(Bytes.lf, in: b, from: line, to: to) ?? to
            var end = nl
            if end > line, b[end - 1] == Bytes.cr { end -= 1 }
            defer { line = nl + 1 }
            guard end > line else { continue }
            if b[line] == Bytes.space || b[line] == Bytes.tab {
                // Folded continuation of the previous field (WARC 1.0 allowed it).
                if lastField >= 0 {
                    let (s, e) = Bytes.trim(b, line, end)
                    if s < e { append(field: lastField, " " + Bytes.string(b, s, e)) }
                }
                continue
            }
            guard let colon = Bytes.find(Bytes.colon, in: b, from: line, to: end) else { continue }
            let (ns, ne) = Bytes.trim(b, line, colon)
            let (vs, ve) = Bytes.trim(b, colon + 1, end)
            lastField = -1
            let len = ne - ns
            for (i, name) in Self.names.enumerated() where name.count == len && Bytes.equalsLower(b, ns, ne, name) {
                lastField = i
                set(field: i, b, vs, ve)
                break
            }
        }
    }

    private mutating func set(field: Int, _ b: UnsafeRawBufferPointer, _ s: Int, _ e: Int) {
        switch field {
        case 0: type = Bytes.string(b, s, e).lowercased()
        case 1: recordID = Bytes.string(b, s, e)
        case 2:
            var (s, e) = (s, e)
            if e - s >= 2, b[s] == 0x3C, b[e - 1] == 0x3E { s += 1; e -= 1 }
            targetURI = Bytes.string(b, s, e)
        case 3: date = Bytes.string(b, s, e)
        case 4: contentLength = Bytes.decimal(b, s, e)
        case 5: contentType = Bytes.string(b, s, e)
        case 6: identifiedPayloadType = Bytes.string(b, s, e)
        case 7: payloadDigest = Bytes.string(b, s, e)
        case 8: refersTo = Bytes.string(b, s, e)
        case 9: refersToTargetURI = Bytes.string(b, s, e)
        case 10: refersToDate = Bytes.string(b, s, e)
        case 11: profile = Bytes.string(b, s, e)
        case 12: segmentNumber = Bytes.decimal(b, s, e)
        case 13: segmentOriginID = Bytes.string(b, s, e)
        case 14: segmentTotalLength = Bytes.decimal(b, s, e)
        case 15: truncated = Bytes.string(b, s, e)
        case 16: blockDigest = Bytes.string(b, s, e)
        default: break
        }
    }

    private mutating func append(field: Int, _ more: String) {
        switch field {
        case 2: targetURI? += more.trimmingSpaces
        case 5: contentType? += more
        case 6: identifiedPayloadType? += more
        default: break
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
