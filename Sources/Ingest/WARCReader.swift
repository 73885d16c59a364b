/// One WARC record as read: its header and its block (for `response` records, the HTTP message).
public struct WARCRecord: Sendable {
    public var header: WARCHeader
    public var block: [UInt8]
    /// The block was longer than `WARCReader.Limits.maxBlock`; only its first
    /// `Limits.cutBlockPrefix` bytes are kept (enough to tell what it is).
    public var blockCut: Bool
    public var source: SourceRef
    /// Repairs made while reading (e.g. `Content-Length too short`).
    public var repairs: [String]
    /// Read from an ARC file: it carries no digests, so the payload's is computed.
    public var fromARC = false
}

/// What the reader found next.
public enum WARCEvent: Sendable {
    case record(WARCRecord)
    /// A record of a type ingest does not index (request, warcinfo, metadata, unknown); its
    /// block was skipped without being kept. `repairs`: its framing was repaired (a wrong
    /// Content-Length), which is reported whatever the record's type.
    case ignored(type: String, source: SourceRef, repairs: [String] = [])
    /// Damage that lost bytes; `isRecord` when they were a record whose header was read (a
    /// truncated record, an unknown type), so the record counts agree with other readers.
    case skipped(Skip, isRecord: Bool = false)
}

/// Streams records out of a WARC (1.0, 1.1, 0.17, 0.18) in constant memory: one read buffer plus
/// the block of the record being returned, at most `Limits.maxBlock` bytes.
///
/// Tolerates what real files contain: LF-only lines, blank lines or junk between records and
/// before the first (it resynchronises on the next line that starts `WARC/<digit>`, reporting a
/// run of junk once, in time linear in its length), a `Content-Length` that is missing, too short
/// or too long (trusted only when its end is a record boundary; otherwise the block is cut at, or
/// extended to, the next version line, the repair noted and the next record kept), truncated files
/// (what came before is kept; the cut record is reported), damaged compression (reported; reading
/// resumes at the next member when the stream can), and a missing or unknown `WARC-Type`
/// (reported as a skip). Digests are checked later, by `WARCRecord.digestMismatch`.
public final class WARCReader {
    public struct Limits: Sendable {
        /// Largest block kept whole (bytes). Longer blocks keep only a prefix.
        public var maxBlock = 64 << 20
        /// How much of an over-long block is kept: enough for HTTP headers and sniffing.
        public var cutBlockPrefix = 256 << 10
        /// Longest header accepted before the record is treated as junk (bytes).
        public var maxHeader = 1 << 20
        public init() {}
    }

    /// Record types whose blocks are kept; every other type is skipped unread.
    static let keptTypes: Set<String> = ["response", "resource", "revisit", "conversion", "continuation"]
    /// The other types WARC 1.1 defines: read past and counted as ignored. Any other type (or
    /// none) is a damaged header, reported as a skip: it may have been a response.
    static let ignoredTypes: Set<String> = ["request", "warcinfo", "metadata"]

    private let stream: ByteStream
    private let file: String
    private let limits: Limits
    /// Read ahead, 1 MiB at first; it grows only as far as the limits let a caller hold.
    private var input = ReadBuffer(capacity: 1 << 20)
    private var eof = false
    private var damage: StreamDamage?
    private var fatal: Error?
    /// After damage the next record can start anywhere: find a `WARC/` line first.
    private var resyncing = false
    /// Where the unreadable bytes being passed over began (junk, headers without an end); the
    /// whole run is reported as one skip when reading finds a record or the end again.
    private var junkFrom: Int64?
    /// Version lines in that run whose header had no blank line within `maxHeader` bytes.
    private var headersWithoutEnd = 0
    /// No header end (blank line) begins before this stream position: what a failed header
    /// search already scanned, never scanned again.
    private var noHeaderEndBefore: Int64 = 0
    /// An event found while producing another, returned by the next call to `next`.
    private var pending: WARCEvent?
    /// Bytes put back to be read again after over-long blocks: bounded (see `readBlock`) so that
    /// wrong lengths cannot make reading a file cost more than a few passes over it.
    private var putBack: Int64 = 0

    public init(stream: ByteStream, file: String, limits: Limits = Limits()) {
        self.stream = stream
        self.file = file
        self.limits = limits
    }

    deinit { input.deallocate() }

    private func source(at pos: Int64) -> SourceRef {
        let l = stream.location(ofOutput: pos)
        return SourceRef(file: file, offset: l.offset, inner: l.inner)
    }

    /// Reads more into the buffer (see `ReadBuffer.fill`); false when nothing more will come
    /// (end of stream, damage, or an I/O error, which is kept for `next` to report). The buffer
    /// is not capped: callers bound what they hold ahead of `start` (`maxHeader`, `maxBlock`).
    private func fillSome() -> Bool {
        if eof { return false }
        do {
            if try input.fill(from: stream) ?? 0 > 0 { return true }
            eof = true
            return false
        } catch let d as StreamDamage {
            damage = d
            eof = true
            return false
        } catch {
            fatal = error
            eof = true
            return false
        }
    }

    /// Makes at least `n` bytes available at `start`; false if the stream ends first.
    private func ensure(_ n: Int) -> Bool {
        while input.count < n {
            if !fillSome() { return false }
        }
        return true
    }

    private static let warcMagic: [UInt8] = Array("WARC/".utf8)

    /// True when `input[at...]` starts a version line: `WARC/` and a digit.
    private func isVersionLine(at k: Int) -> Bool {
        guard input.end - k >= 6 else { return false }
        for (j, c) in Self.warcMagic.enumerated() where input[k + j] != c { return false }
        return input[k + 5] >= 0x30 && input[k + 5] <= 0x39
    }

    /// True when `input[at...]` is a whole version line, `WARC/<digit>.<digits>` and a line end:
    /// a record start even where no line starts.
    private func isWholeVersionLine(at k: Int) -> Bool {
        VersionLineFinder.isWholeVersionLine(in: input.raw, at: k, to: input.end)
    }

    /// Advances to the next version line at a line start, or whole version line anywhere,
    /// handing every byte passed over to `keep` (block bytes, or junk). Returns false at the end
    /// of the stream. Junk that does not end with a line end (a gzip member of zeros, a record
    /// cut mid-line by a lost member, bytes after a record whose length is wrong) runs straight
    /// into the next record, which must not be lost with it.
    private func scanToVersionLine(_ keep: (UnsafeRawBufferPointer) -> Void, atLineStart: Bool) -> Bool {
        if atLineStart, ensure(6), isVersionLine(at: input.start) { return true }
        while true {
            let raw = input.raw
            var k = input.start
            while let at = Bytes.find(Self.warcMagic, in: raw, from: k, to: input.end) {
                if at + 12 > input.end && !eof { break }
                if (at > input.start && raw[at - 1] == Bytes.lf && isVersionLine(at: at)) || isWholeVersionLine(at: at) {
                    keep(UnsafeRawBufferPointer(rebasing: raw[input.start..<at]))
                    input.start = at
                    return true
                }
                k = at + 1
            }
            // Keep a possible partial match at the end.
            let safe = max(input.start, input.end - 12)
            keep(UnsafeRawBufferPointer(rebasing: raw[input.start..<safe]))
            input.start = safe
            if !fillSome() {
                keep(UnsafeRawBufferPointer(rebasing: input.raw[input.start..<input.end]))
                input.start = input.end
                return false
            }
        }
    }

    /// The next record or event, or nil at the end of the file.
    public func next() -> WARCEvent? {
        if let p = pending {
            pending = nil
            return p
        }
        while true {
            if resyncing {
                resyncing = false
                let from = junkFrom ?? input.position
                let found = scanToVersionLine({ _ in }, atLineStart: true)
                // Found: the junk is reported when a record header is read after it, so a run of
                // junk and headers without an end is one report.
                junkFrom = input.position > from ? from : nil
                if !found, let from = junkFrom {
                    let why = junkReason
                    junkFrom = nil
                    headersWithoutEnd = 0
                    if damage == nil && fatal == nil {
                        return .skipped(Skip(source(at: from), "unreadable bytes", "\(input.position - from) bytes at the end match no record" + why))
                    }
                }
            }
            // A byte-order mark some editors put before the first record: junk, but a record
            // may follow it on the same line, so it is stepped over rather than resynchronised past.
            if input.position == 0, ensure(3), input[input.start] == 0xEF, input[input.start + 1] == 0xBB, input[input.start + 2] == 0xBF {
                junkFrom = 0
                input.start += 3
                resyncing = true
                continue
            }
            // Blank lines between records are normal (each record ends with CRLF CRLF).
            while true {
                while input.start < input.end,
                    input[input.start] == Bytes.cr || input[input.start] == Bytes.lf || input[input.start] == Bytes.space
                        || input[input.start] == Bytes.tab
                {
                    input.start += 1
                }
                if input.start < input.end || !fillSome() { break }
            }
            if input.start == input.end {
                return finish(recordAt: nil)
            }
            let recordStart = input.position
            guard ensure(6), isVersionLine(at: input.start) else {
                if input.count < 6 && eof && damage == nil {
                    let n = input.count
                    input.start = input.end
                    return .skipped(Skip(source(at: recordStart), "unreadable bytes", "\(n) bytes at the end match no record"))
                }
                if input.count < 6 { input.start = input.end; continue }
                resyncing = true
                continue
            }
            guard let headerEnd = findHeaderEnd() else {
                if input.count <= limits.maxHeader {
                    // The stream ended inside this header: no later version line can have one either.
                    if let from = junkFrom {
                        let why = junkReason
                        junkFrom = nil
                        headersWithoutEnd = 0
                        let n = Int64(input.end) + input.base - from
                        input.start = input.end
                        return finish(recordAt: from)
                            ?? .skipped(Skip(source(at: from), "unreadable bytes", "\(n) bytes at the end match no record" + why))
                    }
                    input.start = input.end
                    return finish(recordAt: recordStart)
                        ?? .skipped(Skip(source(at: recordStart), "truncated record", "the file ends inside a record header"), isRecord: true)
                }
                // No blank line within `maxHeader`: junk up to the next version line, reported
                // once for the whole run when reading finds a record again.
                junkFrom = junkFrom ?? recordStart
                headersWithoutEnd += 1
                input.start += 5
                resyncing = true
                continue
            }
            let raw = input.raw
            // A version line inside the header means what came before it was junk (a run of bare
            // version lines, a cut record): the record starts at the last one.
            if let v = Self.lastVersionLine(in: raw, from: input.start, to: headerEnd.fieldsEnd)
                ?? Self.midLineRecordStart(in: raw, from: input.start, to: headerEnd.fieldsEnd)
            {
                junkFrom = junkFrom ?? recordStart
                input.start = v
                resyncing = true
                continue
            }
            if let from = junkFrom {
                // A record again: report the junk before it; the header is read on the next call.
                let why = junkReason
                junkFrom = nil
                headersWithoutEnd = 0
                return .skipped(Skip(source(at: from), "unreadable bytes", "\(recordStart - from) bytes before the next record" + why))
            }
            var header = WARCHeader()
            let versionEnd = Bytes.find(Bytes.lf, in: raw, from: input.start, to: headerEnd.fieldsEnd) ?? headerEnd.fieldsEnd
            let (vs, ve) = Bytes.trim(raw, input.start + 5, versionEnd)
            header.version = Bytes.string(raw, vs, ve)
            header.parseFields(raw, from: versionEnd + 1, to: headerEnd.fieldsEnd)
            input.start = headerEnd.blockStart
            let keep = Self.keptTypes.contains(header.type)
            let src = source(at: recordStart)
            if let event = readBlock(header: header, keep: keep, source: src, recordStart: recordStart) {
                return event
            }
        }
    }

    /// Why the junk run holds version lines that were not records, for its report.
    private var junkReason: String {
        headersWithoutEnd > 0 ? "; \(headersWithoutEnd) version line(s) without a header end within \(limits.maxHeader) bytes" : ""
    }

    /// Start of the last version line (`WARC/` and a digit right after an LF) in `b[from..<to]`.
    static func lastVersionLine(in b: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        var k = from, last: Int?
        while let hit = VersionLineFinder.firstVersionLine(in: b, from: k, to: to, anywhere: false) {
            last = hit + 1
            k = hit + 1
        }
        return last
    }

    /// Start of a record that a header cut mid-line runs into (a lost gzip member, a truncated
    /// copy): a whole version line after other bytes on its line, when what follows it repeats a
    /// field name of the header before it (two records' headers, as one holds each field once)
    /// or no whole field came before it. A URL or value that merely ends in `WARC/1.0` shares no
    /// field with the rest of its header, and stays a field. The last such start wins.
    ///
    /// One pass over the lines: the names before and after the current line are kept as a set
    /// and as counts, with how many names they share, so a header of thousands of such lines
    /// (hostile input) costs linear time, not a rescan per line.
    static func midLineRecordStart(in b: UnsafeRawBufferPointer, from: Int, to: Int) -> Int? {
        var lines: [(start: Int, name: String?)] = []
        var line = from
        while line < to {
            let nl = Bytes.find(Bytes.lf, in: b, from: line, to: to) ?? to
            lines.append((line, fieldName(in: b, from: line, to: nl)))
            line = nl + 1
        }
        // The header's own first line (its version line) counts on neither side.
        var after: [String: Int] = [:]
        for l in lines.dropFirst() { if let n = l.name { after[n, default: 0] += 1 } }
        var before = Set<String>(), shared = 0, current = 0
        var k = from + 1, found: Int?
        while let hit = VersionLineFinder.firstVersionLine(in: b, from: k, to: to) {
            let at = hit + 1
            k = at + 1
            guard b[at - 1] != Bytes.lf else { continue }
            // Move to the line holding `at`: each line passed joins `before`, the next leaves `after`.
            while current + 1 < lines.count, lines[current + 1].start <= at {
                if current > 0, let n = lines[current].name, before.insert(n).inserted, after[n, default: 0] > 0 { shared += 1 }
                current += 1
                if let n = lines[current].name {
                    after[n, default: 0] -= 1
                    if after[n] == 0 && before.contains(n) { shared -= 1 }
                }
            }
            if before.isEmpty || shared > 0 { found = at }
        }
        return found
    }

    /// The lowercased name of a header field line (`Name: value`) in `b[from..<to]`, if it is one.
    private static func fieldName(in b: UnsafeRawBufferPointer, from: Int, to: Int) -> String? {
        guard from < to, b[from] != Bytes.space, b[from] != Bytes.tab, let colon = Bytes.find(Bytes.colon, in: b, from: from, to: to), colon > from
        else { return nil }
        return Bytes.string(b, from, colon).lowercased()
    }

    /// After the last record: report damage or an I/O error that ended the stream, once.
    private func finish(recordAt: Int64?) -> WARCEvent? {
        if let d = damage {
            damage = nil
            let at = recordAt.map(source(at:)) ?? SourceRef(file: file, offset: d.offset)
            if d.recovered {
                // Everything buffered came before the damage; the next byte read starts a member.
                input.start = input.end
                eof = false
                resyncing = true
            }
            return .skipped(Skip(at, "damaged compressed data", d.description))
        }
        if let f = fatal {
            fatal = nil
            return .skipped(Skip(recordAt.map(source(at:)) ?? SourceRef(file: file, offset: input.position), "read error", "\(f)"))
        }
        return nil
    }

    /// Finds the blank line ending the header that starts at `start`; nil when there is none
    /// within `maxHeader` bytes (then `end - start > maxHeader`) or the stream ends first.
    /// Resumes where an earlier failed search stopped (`noHeaderEndBefore`), so a run of bare
    /// version lines costs one pass, not one `maxHeader` scan per line.
    private func findHeaderEnd() -> (fieldsEnd: Int, blockStart: Int)? {
        var scanFrom = min(input.end, max(input.start, Int(clamping: noHeaderEndBefore - input.base)))
        while true {
            let raw = input.raw
            var k = scanFrom
            while let nl = Bytes.find(Bytes.lf, in: raw, from: k, to: input.end) {
                // A blank line: LF LF, or LF CR LF.
                if nl + 1 < input.end, input[nl + 1] == Bytes.lf { return (nl + 1, nl + 2) }
                if nl + 2 < input.end, input[nl + 1] == Bytes.cr, input[nl + 2] == Bytes.lf { return (nl + 1, nl + 3) }
                if nl + 2 >= input.end { break }
                k = nl + 1
            }
            scanFrom = max(input.start, input.end - 2)
            noHeaderEndBefore = max(noHeaderEndBefore, input.base + Int64(scanFrom))
            if input.count > limits.maxHeader { return nil }
            let offsetFromStart = scanFrom - input.start
            if !fillSome() { return nil }
            scanFrom = input.start + offsetFromStart
        }
    }

    /// Reads the block of a record whose header has been consumed.
    ///
    /// A `Content-Length` is trusted when the declared end is a record boundary (CR/LF, then a
    /// version line or the end). Otherwise the real end is the first version line at a line
    /// start inside the declared block (the length was too long; the bytes from there are read
    /// again as records, so the next record is never absorbed, even when the length is over
    /// `maxBlock`), or else the next version line after it (too short). Both are repairs.
    private func readBlock(header: WARCHeader, keep: Bool, source src: SourceRef, recordStart: Int64) -> WARCEvent? {
        var repairs: [String] = []
        var block: [UInt8] = []
        var cut = false
        if let n = header.contentLength {
            let keepBytes = keep ? (n > limits.maxBlock ? limits.cutBlockPrefix : n) : 0
            cut = keep && n > limits.maxBlock
            // A block that may be kept whole is buffered with the bytes after it, so its end is
            // checked before it is copied: a wrong length then costs a scan up to the real end,
            // not a copy of the declared length and a copy back.
            if n <= limits.maxBlock { _ = ensure(n + 72) }
            if let c = embeddedEndInBuffer(declared: n) {
                // Decided from buffered bytes alone: no streaming, nothing to put back.
                if keep {
                    cut = c > limits.maxBlock
                    block.append(
                        contentsOf: UnsafeRawBufferPointer(rebasing: input.raw[input.start..<input.start + (cut ? limits.cutBlockPrefix : c)]))
                }
                input.start += c
                trimRecordEnd(&block)
                repairs.append("Content-Length too long")
                guard keep else { return ignoredOrSkipped(header, src, repairs) }
                return .record(WARCRecord(header: header, block: block, blockCut: cut, source: src, repairs: repairs))
            }
            block.reserveCapacity(keepBytes)
            // A buffered block whose declared end is followed by a version line is a record as
            // declared (`afterBlock` will say so): nothing inside it needs looking for. Only
            // other blocks are scanned for embedded version lines as they stream.
            let endAfter = skipLineEnds(from: input.start + n)
            let trusted = n <= input.count && endAfter + 6 <= input.end && isVersionLine(at: endAfter)
            // When the block is not kept whole, the finder keeps the bytes from its first
            // embedded version line on, in case the record really ends there.
            var finder = VersionLineFinder(retain: !keep || cut, limit: limits.maxBlock)
            var remaining = n
            while remaining > 0 {
                if input.start == input.end && !fillSome() { break }
                let take = min(remaining, input.count)
                let chunk = UnsafeRawBufferPointer(rebasing: input.raw[input.start..<input.start + take])
                if block.count < keepBytes {
                    block.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<min(take, keepBytes - block.count)]))
                }
                if !trusted { finder.feed(chunk) }
                input.start += take
                remaining -= take
            }
            let read = n - remaining
            var boundary = false
            if remaining == 0 {
                switch afterBlock() {
                case .boundary: boundary = true
                case .terminatorThenJunk:
                    // The record ended properly; what follows is junk for `next` to report.
                    resyncing = true
                    boundary = true
                case .noTerminator:
                    // A version line the declared end cuts through (a length a few bytes long).
                    _ = ensure(12)
                    finder.lookAhead(UnsafeRawBufferPointer(rebasing: input.raw[input.start..<min(input.end, input.start + 12)]))
                }
            }
            if boundary {
                // The declared length holds, unless it swallowed part of the CRLF CRLF after it.
                if keep && !cut && absorbedTerminator(&block) { repairs.append("Content-Length too long") }
            } else if let found = finder.first, found < read {
                // The record ends where the found one's line starts (junk without a line end may
                // precede it), as far as the kept bytes show.
                let c = keep && found <= block.count ? block.withUnsafeBytes { Self.lineStart(of: found, in: $0, from: 0) } : found
                repairs.append("Content-Length too long")
                // The bytes after the real end are put back and read again as records, unless
                // that is too much to hold or would re-read more than twice the stream so far
                // (hostile lengths, one after another): then what lay between the real end and
                // the declared end is lost, and said so, and reading goes on after it.
                let keptWhole = keep && !cut
                let tail = keptWhole ? block.count - c : finder.retained.count
                let tooMuch =
                    (!keptWhole && finder.overflowed) || putBack + Int64(tail) > 2 * (input.base + Int64(input.end)) + Int64(limits.maxBlock)
                if keep && c <= block.count {
                    if keptWhole && !tooMuch { input.unread(block[c...]) }
                    block.removeSubrange(c...)
                    cut = false
                }
                if tooMuch {
                    let lost = Skip(
                        source(at: recordStart), "unreadable bytes",
                        "Content-Length too long by \(read - c) bytes, too many to read again; the records in them are lost")
                    if remaining == 0 { resyncing = true }
                    trimRecordEnd(&block)
                    pending =
                        keep
                        ? .record(WARCRecord(header: header, block: block, blockCut: cut, source: src, repairs: repairs))
                        : ignoredOrSkipped(header, src, repairs)
                    return .skipped(lost)
                }
                if !keptWhole {
                    input.unread(finder.retained[...])
                    // Junk on the line before the record the finder found is reported.
                    if finder.junkBefore > 0 { junkFrom = junkFrom ?? input.position - Int64(finder.junkBefore) }
                }
                putBack += Int64(tail)
                trimRecordEnd(&block)
            } else if remaining > 0 {
                // The stream ended inside the block, and no record begins in it: truncated.
                if let event = finish(recordAt: recordStart) { return event }
                if keep && !cut, let whole = lastRecordWithLongLength(header, block, src, repairs) { return .record(whole) }
                return .skipped(
                    Skip(src, "truncated record", "\(header.type) record block ends \(remaining) bytes early at the end of the file"), isRecord: true)
            } else {
                // The block goes on past its declared length: extend it to the next record.
                extendToNextRecord(
                    &block, cut: &cut, limit: keep ? (cut ? limits.cutBlockPrefix : limits.maxBlock) : 0, atLineStart: true,
                    lineSoFar: finder.sinceLineEnd)
                repairs.append("Content-Length too short")
            }
        } else {
            extendToNextRecord(&block, cut: &cut, limit: keep ? limits.maxBlock : 0, atLineStart: false)
            repairs.append("missing Content-Length")
        }
        guard keep else { return ignoredOrSkipped(header, src, repairs) }
        return .record(WARCRecord(header: header, block: block, blockCut: cut, source: src, repairs: repairs))
    }

    /// The file's last record when only its length is wrong (too long, so it seemed cut): its
    /// block, without the record end, matches its `WARC-Block-Digest`. A cut block would not.
    private func lastRecordWithLongLength(_ header: WARCHeader, _ block: [UInt8], _ src: SourceRef, _ repairs: [String]) -> WARCRecord? {
        guard let digest = header.blockDigest, WARCDigestValue(digest) != nil else { return nil }
        var whole = block
        trimRecordEnd(&whole)
        guard whole.count < block.count else { return nil }
        let r = WARCRecord(header: header, block: whole, blockCut: false, source: src, repairs: repairs + ["Content-Length too long"])
        return r.digestMismatch(payloadStart: nil) == nil ? r : nil
    }

    /// Where the block at `start` really ends when the buffer alone shows that its declared
    /// length `n` is too long: the declared end is buffered and is no record boundary, or the
    /// stream ends before it; then the first version line inside the block is the end. Nil when
    /// the buffer cannot tell (the block is streamed and checked as it is read). This keeps
    /// re-reading linear when records put back after one wrong length have wrong lengths too.
    private func embeddedEndInBuffer(declared n: Int) -> Int? {
        let available = input.count
        if n <= available {
            // Peek at the declared end: CR/LF, then a version line, is a boundary.
            let k = skipLineEnds(from: input.start + n)
            if k + 6 > input.end || isVersionLine(at: k) { return nil }
            if k - (input.start + n) >= 2 { return nil }  // a terminator, then junk: `readBlock` handles it
        } else if !(eof && damage == nil && fatal == nil) {
            return nil
        }
        let raw = input.raw
        if isVersionLine(at: input.start) { return 0 }
        guard let hit = VersionLineFinder.firstVersionLine(in: raw, from: input.start, to: min(input.end, input.start + n + 12)),
            hit + 1 - input.start < n
        else {
            return nil
        }
        return Self.lineStart(of: hit + 1, in: raw, from: input.start) - input.start
    }

    /// The first buffered position at or after `p` that is not CR or LF, looking at most 65
    /// bytes ahead (a record terminator is 4).
    private func skipLineEnds(from p: Int) -> Int {
        var k = p
        while k < input.end, k - p <= 64, input[k] == Bytes.cr || input[k] == Bytes.lf { k += 1 }
        return k
    }

    /// True (and the bytes dropped) when `block` ends with the first 1–3 bytes of the CRLF CRLF
    /// terminator and the rest of it follows at `start`: a length 1–3 bytes too long.
    private func absorbedTerminator(_ block: inout [UInt8]) -> Bool {
        let term: [UInt8] = [Bytes.cr, Bytes.lf, Bytes.cr, Bytes.lf]
        var k = 0
        while k < 4, input.start + k < input.end, input[input.start + k] == Bytes.cr || input[input.start + k] == Bytes.lf { k += 1 }
        guard k < 4, block.count >= 4 - k else { return false }
        for j in 0..<k where input[input.start + j] != term[4 - k + j] { return false }
        guard block.suffix(4 - k).elementsEqual(term.prefix(4 - k)) else { return false }
        block.removeLast(4 - k)
        return true
    }

    /// Appends the bytes up to the next version line to `block` (at most `limit` in all; `cut`
    /// when there were more), without the record terminator.
    /// `lineSoFar`: bytes already read on the current line (the end of a declared block).
    private func extendToNextRecord(_ block: inout [UInt8], cut: inout Bool, limit: Int, atLineStart: Bool, lineSoFar: Int = 0) {
        var sinceLineEnd = lineSoFar
        let found = scanToVersionLine(
            { more in
                let room = limit - block.count
                if room > 0 { block.append(contentsOf: more.prefix(room)) }
                if more.count > room && limit > 0 { cut = true }
                if let lf = more.lastIndex(of: Bytes.lf) { sinceLineEnd = more.endIndex - lf - 1 } else { sinceLineEnd += more.count }
            }, atLineStart: atLineStart)
        // A record found mid-line follows junk without a line end: the junk goes back, for
        // `next` to report, rather than into this block; a block not kept whole holds too
        // little of it to put back, so the junk is reported from where it began.
        if found, sinceLineEnd > 0, limit == 0 || cut {
            junkFrom = junkFrom ?? input.position - Int64(sinceLineEnd)
        } else if found, !cut, let last = block.last, last != Bytes.lf {
            let junk = block.withUnsafeBytes { Self.lineStart(of: block.count, in: $0, from: 0) }
            input.unread(block[junk...])
            putBack += Int64(block.count - junk)
            block.removeSubrange(junk...)
        }
        trimRecordEnd(&block)
    }

    /// A record whose block is not kept: ignored when of a type WARC defines, else a skip (a
    /// damaged or missing `WARC-Type` may have been a response).
    private func ignoredOrSkipped(_ header: WARCHeader, _ src: SourceRef, _ repairs: [String]) -> WARCEvent {
        if Self.ignoredTypes.contains(header.type) { return .ignored(type: header.type, source: src, repairs: repairs) }
        return .skipped(
            Skip(src, "unknown WARC-Type", header.type.isEmpty ? "the header has no WARC-Type" : "WARC-Type \(header.type)"), isRecord: true)
    }

    enum AfterBlock { case boundary, terminatorThenJunk, noTerminator }

    /// What follows a block: CR/LF bytes then the next version line or the end of the stream
    /// (all is well); the CRLF CRLF terminator then something else (junk between records); or
    /// no terminator (the declared length was wrong).
    private func afterBlock() -> AfterBlock {
        var k = 0
        while true {
            if input.start + k >= input.end && !fillSome() { return .boundary }
            let c = input[input.start + k]
            if c == Bytes.cr || c == Bytes.lf {
                k += 1
                if k > 64 { return .noTerminator }
                continue
            }
            if ensure(k + 6), isVersionLine(at: input.start + k) { return .boundary }
            let terminated =
                k >= 4 && input[input.start] == Bytes.cr && input[input.start + 1] == Bytes.lf && input[input.start + 2] == Bytes.cr
                && input[input.start + 3] == Bytes.lf
                || k >= 2 && input[input.start] == Bytes.lf && input[input.start + 1] == Bytes.lf
            if terminated {
                input.start += k
                return .terminatorThenJunk
            }
            return .noTerminator
        }
    }

    /// Start of the line holding `at`, not before `from`: a record found mid-line follows junk
    /// without a line end, which is read again (and reported) rather than kept in the block
    /// before it.
    private static func lineStart(of at: Int, in b: UnsafeRawBufferPointer, from: Int) -> Int {
        var k = at
        while k > from, b[k - 1] != Bytes.lf { k -= 1 }
        return k
    }

    /// Drops the record terminator from the end of a block recovered by resynchronising: CRLF
    /// CRLF (or LF LF) exactly when it is there, so a block that itself ends in a newline keeps
    /// it (and its digest still matches); otherwise up to 4 trailing CR/LF bytes.
    private func trimRecordEnd(_ block: inout [UInt8]) {
        let crlf2: [UInt8] = [Bytes.cr, Bytes.lf, Bytes.cr, Bytes.lf]
        if block.count >= 4, block.suffix(4).elementsEqual(crlf2) {
            block.removeLast(4)
            return
        }
        if block.count >= 2, block.suffix(2).elementsEqual([Bytes.lf, Bytes.lf]) {
            block.removeLast(2)
            return
        }
        var n = 0
        while n < 4, let last = block.last, last == Bytes.cr || last == Bytes.lf {
            block.removeLast()
            n += 1
        }
    }
}

/// Finds the first record start inside a block read in pieces: a version line (`WARC/` and a
/// digit) at a line start, or a whole version line anywhere (junk without a line end may run
/// into the next record, as where the reader resynchronises). With `retain`, keeps the bytes
/// from there on (at most `limit`, else `overflowed`): if the block's declared length proves
/// wrong, the record ends there and they are read again.
struct VersionLineFinder {
    /// Offset in the block of the first version line, if any.
    private(set) var first: Int?
    private(set) var retained: [UInt8] = []
    private(set) var overflowed = false
    /// Bytes on the line of `first` before it (junk without a line end; 0 at a line start).
    private(set) var junkBefore = 0
    /// Bytes fed since the last LF (until `first` is found).
    private(set) var sinceLineEnd = 0
    let retain: Bool
    let limit: Int
    private var count = 0
    /// The last bytes fed (at most 11, a whole version line less one): a version line can
    /// straddle two pieces. A block starts at a line start, hence the LF.
    private var tail: [UInt8] = [Bytes.lf]

    init(retain: Bool, limit: Int) {
        self.retain = retain
        self.limit = limit
    }

    private static let magic: [UInt8] = Array("WARC/".utf8)

    /// Index of the byte before the first record start wholly inside `b[from..<to]`: the LF of
    /// `\nWARC/<digit>`, or (`anywhere`) the byte before a whole version line (`from - 1` for
    /// one at `from`).
    static func firstVersionLine(in b: UnsafeRawBufferPointer, from: Int, to: Int, anywhere: Bool = true) -> Int? {
        var k = from
        while to - k >= 6 {
            guard let hit = Bytes.find(magic, in: b, from: k, to: to - 1) else { return nil }
            if b[hit + 5] >= 0x30 && b[hit + 5] <= 0x39 {
                if hit > from && b[hit - 1] == Bytes.lf { return hit - 1 }
                if anywhere && isWholeVersionLine(in: b, at: hit, to: to) { return hit - 1 }
            }
            k = hit + 1
        }
        return nil
    }

    /// True when `b[k..<to]` starts with a whole version line, `WARC/<digit>.<digits>` and a
    /// line end: a record start even where no line starts.
    static func isWholeVersionLine(in b: UnsafeRawBufferPointer, at k: Int, to: Int) -> Bool {
        guard to - k >= 12 else { return false }
        for (j, c) in magic.enumerated() where b[k + j] != c { return false }
        guard b[k + 5] >= 0x30 && b[k + 5] <= 0x39, b[k + 6] == UInt8(ascii: ".") else { return false }
        var j = k + 7
        while j < k + 10, b[j] >= 0x30 && b[j] <= 0x39 { j += 1 }
        return j > k + 7 && (b[j] == Bytes.cr || b[j] == Bytes.lf)
    }

    mutating func feed(_ p: UnsafeRawBufferPointer) {
        guard p.count > 0 else { return }
        defer { count += p.count }
        if first != nil {
            if retain { keep(p) }
            return
        }
        // A version line that starts in the tail and ends in `p`.
        if junction(p, acceptingUpTo: Int.max) {
            if retain { keep(p) }
            return
        }
        if let hit = Self.firstVersionLine(in: p, from: 0, to: p.count) {
            first = count + hit + 1
            junkBefore = Self.bytesOnLine(before: hit + 1, in: p, carried: sinceLineEnd)
            if retain { keep(UnsafeRawBufferPointer(rebasing: p[(hit + 1)...])) }
            return
        }
        sinceLineEnd = Self.bytesOnLine(before: p.count, in: p, carried: sinceLineEnd)
        tail = Array((tail + p.suffix(11)).suffix(11))
    }

    /// Bytes on the line holding `b[end]` before it: back to the last LF in `b`, else all of
    /// `b[..<end]` and the `carried` bytes of the line before `b`.
    private static func bytesOnLine(before end: Int, in b: some BidirectionalCollection<UInt8>, carried: Int) -> Int {
        let prefix = b.prefix(end)
        guard let lf = prefix.lastIndex(of: Bytes.lf) else { return carried + prefix.count }
        return prefix.distance(from: lf, to: prefix.endIndex) - 1
    }

    /// Checks the bytes right after the block for a version line that began inside it.
    mutating func lookAhead(_ p: UnsafeRawBufferPointer) {
        guard first == nil else { return }
        _ = junction(p, acceptingUpTo: count - 1)
    }

    /// Looks for a version line starting in `tail` and completed by `p` (its start at most
    /// `acceptingUpTo`); records it and the tail bytes from it.
    private mutating func junction(_ p: UnsafeRawBufferPointer, acceptingUpTo last: Int) -> Bool {
        let joined = tail + p.prefix(12)
        let found = joined.withUnsafeBytes { Self.firstVersionLine(in: $0, from: 0, to: joined.count) }
        guard let hit = found, hit < tail.count else { return false }
        let c = count - tail.count + hit + 1
        guard c <= last else { return false }
        first = c
        // The tail's bytes were counted in `sinceLineEnd`; those from the start on were not before it.
        junkBefore = Self.bytesOnLine(before: hit + 1, in: joined, carried: sinceLineEnd - tail.count)
        if retain { retained = Array(tail[(hit + 1)...]) }
        return true
    }

    private mutating func keep(_ p: UnsafeRawBufferPointer) {
        guard !overflowed else { return }
        if retained.count + p.count > limit {
            overflowed = true
            retained = []
        } else {
            retained.append(contentsOf: p)
        }
    }
}
