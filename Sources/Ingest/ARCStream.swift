/// An ARC file (the Internet Archive's format before WARC) read as the WARC it converts to, so
/// the WARC reader's framing, length repairs and resynchronisation serve both formats.
///
/// ARC is a sequence of records, each one header line `URL IP-address Archive-date
/// Content-type Archive-length` (version 1; version 2 adds five fields before the length),
/// then `Archive-length` bytes, then a newline. The first record, `filedesc://NAME …`, holds the
/// version block: metadata, given out as a `warcinfo` record. Every other record becomes a
/// `response` whose date is the 14-digit archive date; an `http(s)` record's block is the HTTP
/// response (`application/http`), any other keeps the ARC content type. This is warcio's
/// `arc2warc` mapping.
///
/// Each header line is replaced by a WARC header declaring the same length; the bytes between
/// header lines pass through unchanged. When the buffered bytes show that a declared length
/// ends on a record boundary (a newline, then another header line or the end), the block is
/// passed through without looking inside it. Otherwise (the length is wrong, or the block is
/// longer than the look-ahead) every line start in it is checked, so a record that a wrong
/// length would swallow is still converted and the WARC reader finds it; lines that are not
/// header lines become bytes the WARC reader reports as junk, with their offset here.
/// Output positions map back to this stream's input (`location(ofOutput:)`), so reports name
/// offsets in the ARC file (or its gzip members).
final class ARCStream: ByteStream {
    /// Longest header line recognised (URLs can be long, but not this long).
    static let maxLine = 64 << 10

    private let inner: ByteStream
    /// Most bytes buffered to see a declared block's end before passing it through whole.
    private let maxLookahead: Int
    /// Read ahead; `base` is in inner positions.
    private var input = ReadBuffer(capacity: 256 << 10)
    private var innerEOF = false
    /// An error from the inner stream, thrown once the bytes read before it are out.
    private var pendingError: Error?
    /// A translated header being handed out.
    private var header: [UInt8] = []
    private var headerOut = 0
    /// Bytes to pass through unexamined: a block whose declared end was seen to be a boundary.
    private var verbatim = 0
    private var atLineStart = true
    /// Input position where the last converted record's block ends: a newline there is the
    /// ARC record separator, given out as the WARC record terminator (CRLF CRLF) so that the
    /// WARC reader tells junk after a record from a block longer than declared.
    private var blockEnd: Int64?
    /// No newline lies in input positions `from..<to` (a header-line search scanned them).
    private var noLineEnd: (from: Int64, to: Int64) = (0, 0)
    /// Bytes searched for line ends (tests check it stays linear).
    private(set) var lineEndSearched: Int64 = 0
    private var outPosition: Int64 = 0
    /// Each header replaced: output and input position and length, in order.
    private var marks: [(output: Int64, outLength: Int, input: Int64, inLength: Int)] = [(0, 0, 0, 0)]

    init(_ inner: ByteStream, maxLookahead: Int = 4 << 20) {
        self.inner = inner
        self.maxLookahead = max(maxLookahead, 2 * Self.maxLine)
    }

    deinit { input.deallocate() }

    /// Reads more input (see `ReadBuffer.fill`: looking ahead costs linear time however
    /// lengths are declared). False when nothing more will come or the buffer is full at
    /// `maxLookahead`.
    private func fill() -> Bool {
        if innerEOF || pendingError != nil { return false }
        do {
            guard let n = try input.fill(from: inner, maxCapacity: maxLookahead) else { return false }
            if n == 0 { innerEOF = true }
            return n > 0
        } catch {
            pendingError = error
            return false
        }
    }

    /// Makes `n` bytes available at `start` if the input and the look-ahead allow.
    private func ensure(_ n: Int) -> Bool {
        while input.count < n {
            if !fill() { return false }
        }
        return true
    }

    func read(into out: UnsafeMutableRawBufferPointer) throws -> Int {
        var n = 0
        func emit(_ from: UnsafeRawBufferPointer) {
            out.baseAddress!.advanced(by: n).copyMemory(from: from.baseAddress!, byteCount: from.count)
            n += from.count
            outPosition += Int64(from.count)
        }
        while n < out.count {
            if headerOut < header.count {
                let k = min(header.count - headerOut, out.count - n)
                header.withUnsafeBytes { emit(UnsafeRawBufferPointer(rebasing: $0[headerOut..<headerOut + k])) }
                headerOut += k
                continue
            }
            if input.start == input.end && !fill() { break }
            if let e = blockEnd, input.position >= e {
                blockEnd = nil
                if input.position == e && input[input.start] == Bytes.lf {
                    header = Self.terminator
                    headerOut = 0
                    marks.append((outPosition, header.count, input.position, 1))
                    input.start += 1
                    atLineStart = true
                }
                continue
            }
            // Pass-through stops at the block's end, to look at what follows it.
            let room = min(out.count - n, blockEnd.map { Int(clamping: $0 - input.base) - input.start } ?? Int.max)
            if verbatim > 0 {
                let k = min(verbatim, input.count, room)
                emit(UnsafeRawBufferPointer(rebasing: input.raw[input.start..<input.start + k]))
                input.start += k
                verbatim -= k
                if verbatim == 0 { atLineStart = true }
                continue
            }
            if atLineStart {
                if let line = headerLine(at: 0) { convert(line) } else { atLineStart = false }
                continue
            }
            // Inside a line: pass it through, with its newline.
            let raw = input.raw
            let nl = Bytes.find(Bytes.lf, in: raw, from: input.start, to: input.end)
            let k = min((nl ?? input.end) + (nl == nil ? 0 : 1) - input.start, room)
            emit(UnsafeRawBufferPointer(rebasing: raw[input.start..<input.start + k]))
            input.start += k
            if let nl, input.start == nl + 1 { atLineStart = true }
        }
        if n == 0, let e = pendingError {
            // Damage ends what was buffered; a gzip member resumed after it starts a record.
            pendingError = nil
            verbatim = 0
            blockEnd = nil
            atLineStart = true
            throw e
        }
        return n
    }

    /// The header line `rel` bytes after `start`, when it is one. Reads more input to see the
    /// whole line (at most `maxLine` bytes); offsets are relative because reading moves `start`.
    private func headerLine(at rel: Int) -> ARCHeaderLine? {
        // Most lines are rejected by their first byte: a header line starts with a URL scheme.
        guard ensure(rel + 1), ARCHeaderLine.isLetter(input[input.start + rel]) else { return nil }
        _ = ensure(rel + 33)
        guard ARCHeaderLine.startsWithScheme(input.raw, input.start + rel, input.end) else { return nil }
        var scanned = rel + 1
        while true {
            let raw = input.raw
            let lineStart = input.start + rel
            let limit = min(input.end, lineStart + Self.maxLine)
            // Bytes an earlier search found no newline in are not searched again: look-ahead
            // checks of many headers whose lengths point into one long line stay linear.
            var from = input.start + scanned
            if input.base + Int64(from) >= noLineEnd.from && input.base + Int64(from) < noLineEnd.to {
                from = min(limit, Int(noLineEnd.to - input.base))
            }
            let nl = Bytes.find(Bytes.lf, in: raw, from: from, to: limit)
            lineEndSearched += Int64((nl ?? limit) - from)
            let searched = (input.base + Int64(input.start + scanned), input.base + Int64(nl ?? limit))
            // The range kept is the furthest: reading goes on behind a look-ahead's range
            // (the header lines before it) without displacing it.
            if searched.0 <= noLineEnd.to && searched.1 >= noLineEnd.from {
                noLineEnd = (min(searched.0, noLineEnd.from), max(searched.1, noLineEnd.to))
            } else if searched.1 > noLineEnd.to {
                noLineEnd = searched
            }
            if let nl { return ARCHeaderLine(raw, lineStart, nl, length: nl + 1 - lineStart) }
            if limit == lineStart + Self.maxLine { return nil }
            scanned = input.count
            if !fill() {
                // The last line of the input may lack its newline (not so before damage).
                guard innerEOF, pendingError == nil else { return nil }
                return ARCHeaderLine(input.raw, input.start + rel, input.end, length: input.count - rel)
            }
        }
    }

    /// Replaces the header line at `start` by its WARC header; the block is passed through
    /// whole when its declared end is a record boundary.
    private func convert(_ line: ARCHeaderLine) {
        header = line.warcHeader()
        headerOut = 0
        marks.append((outPosition, header.count, input.position, line.length))
        input.start += line.length
        atLineStart = true
        blockEnd = input.position + Int64(line.blockLength)
        if boundaryAfter(line.blockLength) { verbatim = line.blockLength }
    }

    /// True when the `n` bytes at `start` are followed by a newline (CR/LF bytes) and then a
    /// header line or the end of the input, as far as the look-ahead can see.
    private func boundaryAfter(_ n: Int) -> Bool {
        guard n > 0, n < maxLookahead - Self.maxLine else { return false }
        _ = ensure(n + 5)
        guard input.count >= n else { return false }
        var k = n
        while k < n + 4, ensure(k + 1), input[input.start + k] == Bytes.cr || input[input.start + k] == Bytes.lf { k += 1 }
        if k == n { return false }
        if input.start + k == input.end { return innerEOF && pendingError == nil }
        return headerLine(at: k) != nil
    }

    private static let terminator: [UInt8] = [Bytes.cr, Bytes.lf, Bytes.cr, Bytes.lf]

    func location(ofOutput position: Int64) -> StreamLocation {
        let m = lastMark(&marks, atOrBefore: position) { $0.output }
        let inHeader = position < m.output + Int64(m.outLength)
        return inner.location(ofOutput: inHeader ? m.input : m.input + Int64(m.inLength) + position - m.output - Int64(m.outLength))
    }
}

/// One ARC header line, version 1 (`URL IP-address Archive-date Content-type Archive-length`,
/// split from the right as warcio does, so a URL may hold spaces) or version 2 (ten fields:
/// result code, checksum, location, offset and filename before the length).
struct ARCHeaderLine {
    var url: String
    var ip: String
    var date: String
    var contentType: String
    var blockLength: Int
    /// Bytes of the line with its newline.
    var length: Int

    /// Parses `b[from..<to]` (without the newline); nil unless every field is plausible, so that
    /// ordinary text lines are not taken for records.
    init?(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int, length: Int) {
        var e = to
        if e > from, b[e - 1] == Bytes.cr { e -= 1 }
        guard Self.startsWithScheme(b, from, e) else { return nil }
        var tokens: [Range<Int>] = []
        var s = from
        for k in from...e where k == e || b[k] == Bytes.space {
            tokens.append(s..<k)
            s = k + 1
            if tokens.count > 64 { return nil }
        }
        func all(_ r: Range<Int>, _ ok: (UInt8) -> Bool) -> Bool { !r.isEmpty && r.allSatisfy { ok(b[$0]) } }
        func digits(_ r: Range<Int>) -> Bool { all(r) { $0 >= 0x30 && $0 <= 0x39 } }
        let n = tokens.count
        guard n >= 5 else { return nil }
        // Version 2 when ten fields fit it; else version 1, the URL taking what is left.
        let v2 = n == 10 && digits(tokens[2]) && (digits(tokens[4]) || Bytes.string(b, tokens[4].lowerBound, tokens[4].upperBound) == "-")
        let (ip, date, type, len) = v2 ? (tokens[1], tokens[2], tokens[3], tokens[9]) : (tokens[n - 4], tokens[n - 3], tokens[n - 2], tokens[n - 1])
        let urlEnd = v2 ? tokens[0].upperBound : tokens[n - 5].upperBound
        guard urlEnd > from,
            all(ip, { ($0 >= 0x30 && $0 <= 0x3A) || $0 == 0x2E || $0 == 0x2D || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x66) }),
            digits(date), (8...17).contains(date.count),
            all(type, { $0 > 0x20 && $0 < 0x7F }),
            digits(len), let blockLength = Bytes.decimal(b, len.lowerBound, len.upperBound)
        else { return nil }
        url = Bytes.string(b, from, urlEnd)
        self.ip = Bytes.string(b, ip.lowerBound, ip.upperBound)
        // The archive date is YYYYMMDDhhmmss; some writers add milliseconds.
        self.date = Bytes.string(b, date.lowerBound, min(date.upperBound, date.lowerBound + 14))
        contentType = Bytes.string(b, type.lowerBound, type.upperBound)
        self.blockLength = blockLength
        self.length = length
    }

    static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    /// True when `b[from..<to]` starts with a URL scheme and its colon (a letter, then up to 31
    /// letters, digits, `+`, `-` or `.`), as every ARC record's URL does.
    static func startsWithScheme(_ b: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> Bool {
        guard from < to, isLetter(b[from]) else { return false }
        for k in from + 1..<min(to, from + 33) {
            let c = b[k]
            // `Note: …` is text: a URL goes on after its scheme.
            if c == Bytes.colon { return k + 1 < to && b[k + 1] > Bytes.space }
            guard isLetter(c) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2D || c == 0x2E else { return false }
        }
        return false
    }

    var isFileHeader: Bool { url.lowercased().hasPrefix("filedesc:") }

    /// The WARC header this record converts to (warcio's `arc2warc` mapping).
    func warcHeader() -> [UInt8] {
        var h = "WARC/1.0\r\n"
        if isFileHeader {
            h += "WARC-Type: warcinfo\r\nWARC-Filename: \(url.dropFirst(url.hasPrefix("filedesc://") ? 11 : 9))\r\n"
        } else {
            // warcio's conversion: spaces in an ARC URL are not valid in WARC-Target-URI.
            h += "WARC-Type: response\r\nWARC-Target-URI: \(url.split(separator: " ", omittingEmptySubsequences: false).joined(separator: "%20"))\r\n"
            h += "WARC-IP-Address: \(ip)\r\n"
        }
        let lower = url.lowercased()
        let http = lower.hasPrefix("http:") || lower.hasPrefix("https:")
        h += "WARC-Date: \(date)\r\nContent-Type: \(http ? "application/http; msgtype=response" : contentType)\r\n"
        h += "Content-Length: \(blockLength)\r\n\r\n"
        return Array(h.utf8)
    }
}
