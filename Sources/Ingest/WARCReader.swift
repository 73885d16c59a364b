/// One WARC record as read: its header and its block (for `response` records, the HTTP message).
package struct WARCRecord: Sendable {
    package var header: WARCHeader
    package var block: [UInt8]
    /// The block was longer than `WARCReader.Limits.maxBlock`; only its first
    /// `Limits.cutBlockPrefix` bytes are kept (enough to tell what it is).
    package var blockCut: Bool
    package var source: SourceRef
    /// Repairs made while reading (e.g. `Content-Length too short`).
    package var repairs: [String]
}

/// What the reader found next.
package enum WARCEvent: Sendable {
    case record(WARCRecord)
    /// A record of a type ingest does not index (request, warcinfo, metadata, unknown); its
    /// block was skipped without being kept.
    case ignored(type: String, source: SourceRef)
    case skipped(Skip)
}

/// Streams records out of a WARC (1.0, 1.1, 0.17, 0.18) in constant memory: one read buffer plus
/// the block of the record being returned, at most `Limits.maxBlock` bytes.
///
/// Tolerates what real files contain: LF-only lines, blank lines or junk between records (it
/// resynchronises on the next line that starts `WARC/<digit>`), a `Content-Length` that is missing,
/// too short or too long (the block is cut or extended to the next record's version line and the
/// repair noted), truncated files (what came before is kept; the cut record is reported), and
/// damaged compression (reported; reading resumes at the next member when the stream can).
package final class WARCReader {
    package struct Limits: Sendable {
        /// Largest block kept whole (bytes). Longer blocks keep only a prefix.
        package var maxBlock = 64 << 20
        /// How much of an over-long block is kept: enough for HTTP headers and sniffing.
        package var cutBlockPrefix = 256 << 10
        /// Longest header accepted before the record is treated as junk (bytes).
        package var maxHeader = 1 << 20
        package init() {}
    }

    /// Record types whose blocks are kept; every other type is skipped unread.
    static let keptTypes: Set<String> = ["response", "resource", "revisit", "conversion", "continuation"]

    private let stream: ByteStream
    private let file: String
    private let limits: Limits
    private var buf: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Stream output position of `buf[0]`.
    private var base: Int64 = 0
    private var eof = false
    private var damage: StreamDamage?
    private var fatal: Error?
    /// After damage the next record can start anywhere: find a `WARC/` line first.
    private var resyncing = false

    package init(stream: ByteStream, file: String, limits: Limits = Limits()) {
        self.stream = stream
        self.file = file
        self.limits = limits
        buf = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit { buf.deallocate() }

    private var position: Int64 { base + Int64(start) }

    private func source(at pos: Int64) -> SourceRef {
        let l = stream.location(ofOutput: pos)
        return SourceRef(file: file, offset: l.offset, inner: l.inner)
    }

    /// Reads more into the buffer, keeping `buf[start...]`; false when nothing more will come
    /// (end of stream, damage, or an I/O error, which is kept for `next` to report).
    private func fillSome() -> Bool {
        if eof { return false }
        if start > 0 && (start == end || end == buf.count) {
            let n = end - start
            if n > 0 { buf.baseAddress!.copyMemory(from: buf.baseAddress! + start, byteCount: n) }
            base += Int64(start)
            start = 0
            end = n
        }
        if end == buf.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buf.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buf.baseAddress!, byteCount: end)
            buf.deallocate()
            buf = bigger
        }
        do {
            let n = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[end...]))
            if n == 0 { eof = true; return false }
            end += n
            return true
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
        while end - start < n {
            if !fillSome() { return false }
        }
        return true
    }

    /// Puts bytes back in front of the read position (the tail of a block that was too long).
    private func unread(_ bytes: ArraySlice<UInt8>) {
        let n = bytes.count
        guard n > 0 else { return }
        if start >= n {
            start -= n
        } else {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(buf.count, n + end - start), alignment: 16)
            bigger.baseAddress!.advanced(by: n).copyMemory(from: buf.baseAddress! + start, byteCount: end - start)
            base = position - Int64(n)
            end = n + end - start
            start = 0
            buf.deallocate()
            buf = bigger
        }
        bytes.withUnsafeBytes { buf.baseAddress!.advanced(by: start).copyMemory(from: $0.baseAddress!, byteCount: n) }
    }

    private static let warcMagic: [UInt8] = Array("WARC/".utf8)
    private static let lineWARC: [UInt8] = Array("\nWARC/".utf8)

    /// True when `buf[at...]` starts a version line: `WARC/` and a digit.
    private func isVersionLine(at k: Int) -> Bool {
        guard end - k >= 6 else { return false }
        for (j, c) in Self.warcMagic.enumerated() where buf[k + j] != c { return false }
        return buf[k + 5] >= 0x30 && buf[k + 5] <= 0x39
    }

    /// Advances to the next version line at a line start, handing every byte passed over to
    /// `keep` (block bytes, or junk). Returns false at the end of the stream.
    private func scanToVersionLine(_ keep: (UnsafeRawBufferPointer) -> Void, atLineStart: Bool) -> Bool {
        if atLineStart, ensure(6), isVersionLine(at: start) { return true }
        while true {
            let raw = UnsafeRawBufferPointer(buf)
            var k = start
            while let hit = Bytes.find(Self.lineWARC, in: raw, from: k, to: end) {
                if hit + 7 > end { break }
                if isVersionLine(at: hit + 1) {
                    keep(UnsafeRawBufferPointer(rebasing: raw[start..<hit + 1]))
                    start = hit + 1
                    return true
                }
                k = hit + 1
            }
            // Keep a possible partial match at the end.
            let safe = max(start, end - 6)
            keep(UnsafeRawBufferPointer(rebasing: raw[start..<safe]))
            start = safe
            if !fillSome() {
                keep(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buf)[start..<end]))
                start = end
                return false
            }
        }
    }

    /// The next record or event, or nil at the end of the file.
    package func next() -> WARCEvent? {
        while true {
            if resyncing {
                resyncing = false
                let from = position
                var junk = 0
                let found = scanToVersionLine({ junk += $0.count }, atLineStart: true)
                if junk > 0 && !found && damage == nil && fatal == nil {
                    return .skipped(Skip(source(at: from), "unreadable bytes", "\(junk) bytes at the end match no record"))
                }
                if junk > 0 && found {
                    return .skipped(Skip(source(at: from), "unreadable bytes", "\(junk) bytes before the next record"))
                }
            }
            // Blank lines between records are normal (each record ends with CRLF CRLF).
            while true {
                while start < end, buf[start] == Bytes.cr || buf[start] == Bytes.lf || buf[start] == Bytes.space || buf[start] == Bytes.tab { start += 1 }
                if start < end || !fillSome() { break }
            }
            if start == end {
                return finish(recordAt: nil)
            }
            let recordStart = position
            guard ensure(6), isVersionLine(at: start) else {
                if end - start < 6 && eof && damage == nil {
                    let n = end - start
                    start = end
                    return .skipped(Skip(source(at: recordStart), "unreadable bytes", "\(n) bytes at the end match no record"))
                }
                if end - start < 6 { start = end; continue }
                resyncing = true
                continue
            }
            guard let headerEnd = findHeaderEnd() else {
                if eof {
                    start = end
                    return finish(recordAt: recordStart) ?? .skipped(Skip(source(at: recordStart), "truncated record", "the file ends inside a record header"))
                }
                start += 5
                resyncing = true
                return .skipped(Skip(source(at: recordStart), "unreadable record header", "no blank line within \(limits.maxHeader) bytes"))
            }
            var header = WARCHeader()
            let raw = UnsafeRawBufferPointer(buf)
            let versionEnd = Bytes.find(Bytes.lf, in: raw, from: start, to: headerEnd.fieldsEnd) ?? headerEnd.fieldsEnd
            let (vs, ve) = Bytes.trim(raw, start + 5, versionEnd)
            header.version = Bytes.string(raw, vs, ve)
            header.parseFields(raw, from: versionEnd + 1, to: headerEnd.fieldsEnd)
            start = headerEnd.blockStart
            let keep = Self.keptTypes.contains(header.type)
            let src = source(at: recordStart)
            if let event = readBlock(header: header, keep: keep, source: src, recordStart: recordStart) {
                return event
            }
        }
    }

    /// After the last record: report damage or an I/O error that ended the stream, once.
    private func finish(recordAt: Int64?) -> WARCEvent? {
        if let d = damage {
            damage = nil
            let at = recordAt.map(source(at:)) ?? SourceRef(file: file, offset: d.offset)
            if d.recovered {
                // Everything buffered came before the damage; the next byte read starts a member.
                start = end
                eof = false
                resyncing = true
            }
            return .skipped(Skip(at, "damaged compressed data", d.description))
        }
        if let f = fatal {
            fatal = nil
            return .skipped(Skip(recordAt.map(source(at:)) ?? SourceRef(file: file, offset: position), "read error", "\(f)"))
        }
        return nil
    }

    /// Finds the blank line ending the header that starts at `start`.
    private func findHeaderEnd() -> (fieldsEnd: Int, blockStart: Int)? {
        var scanFrom = start
        while true {
            let raw = UnsafeRawBufferPointer(buf)
            var k = scanFrom
            while let nl = Bytes.find(Bytes.lf, in: raw, from: k, to: end) {
                // A blank line: LF LF, or LF CR LF.
                if nl + 1 < end, buf[nl + 1] == Bytes.lf { return (nl + 1, nl + 2) }
                if nl + 2 < end, buf[nl + 1] == Bytes.cr, buf[nl + 2] == Bytes.lf { return (nl + 1, nl + 3) }
                if nl + 2 >= end { break }
                k = nl + 1
            }
            scanFrom = max(start, end - 2)
            if end - start > limits.maxHeader { return nil }
            let offsetFromStart = scanFrom - start
            if !fillSome() { return nil }
            scanFrom = start + offsetFromStart
        }
    }

    /// Reads the block of a record whose header has been consumed.
    private func readBlock(header: WARCHeader, keep: Bool, source src: SourceRef, recordStart: Int64) -> WARCEvent? {
        var repairs: [String] = []
        var block: [UInt8] = []
        var cut = false
        if let n = header.contentLength {
            let keepBytes = keep ? (n > limits.maxBlock ? limits.cutBlockPrefix : n) : 0
            cut = keep && n > limits.maxBlock
            block.reserveCapacity(keepBytes)
            var remaining = n
            while remaining > 0 {
                if start == end && !fillSome() { break }
                let take = min(remaining, end - start)
                if block.count < keepBytes {
                    let c = min(take, keepBytes - block.count)
                    block.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buf)[start..<start + c]))
                }
                start += take
                remaining -= take
            }
            if remaining > 0 {
                // The stream ended inside the block: either the file is truncated, or the
                // length was too long and the rest of this block holds later records.
                if keep, !cut, cutAtEmbeddedRecord(&block) {
                    repairs.append("Content-Length too long")
                } else {
                    if let event = finish(recordAt: recordStart) { return event }
                    return .skipped(Skip(src, "truncated record", "\(header.type) record block ends \(remaining) bytes early at the end of the file"))
                }
            } else if case let after = afterBlock(), after != .boundary {
                if after == .terminatorThenJunk {
                    // The record ended properly; what follows is junk for `next` to report.
                    resyncing = true
                } else if keep, !cut, cutAtEmbeddedRecord(&block) {
                    repairs.append("Content-Length too long")
                } else {
                    // The block goes on past its declared length: extend it to the next record.
                    let limit = keep ? (cut ? limits.cutBlockPrefix : limits.maxBlock) : 0
                    _ = scanToVersionLine({ more in
                        let room = limit - block.count
                        if room > 0 { block.append(contentsOf: more.prefix(room)) }
                        if more.count > room { cut = keep }
                    }, atLineStart: true)
                    trimRecordEnd(&block)
                    repairs.append("Content-Length too short")
                }
            }
        } else {
            let limit = keep ? limits.maxBlock : 0
            _ = scanToVersionLine({ more in
                let room = limit - block.count
                if room > 0 { block.append(contentsOf: more.prefix(room)) }
                if more.count > room { cut = keep }
            }, atLineStart: false)
            trimRecordEnd(&block)
            repairs.append("missing Content-Length")
        }
        guard keep else { return .ignored(type: header.type.isEmpty ? "(no type)" : header.type, source: src) }
        return .record(WARCRecord(header: header, block: block, blockCut: cut, source: src, repairs: repairs))
    }

    enum AfterBlock { case boundary, terminatorThenJunk, noTerminator }

    /// What follows a block: CR/LF bytes then the next version line or the end of the stream
    /// (all is well); the CRLF CRLF terminator then something else (junk between records); or
    /// no terminator (the declared length was wrong).
    private func afterBlock() -> AfterBlock {
        var k = 0
        while true {
            if start + k >= end && !fillSome() { return .boundary }
            let c = buf[start + k]
            if c == Bytes.cr || c == Bytes.lf {
                k += 1
                if k > 64 { return .noTerminator }
                continue
            }
            if ensure(k + 6), isVersionLine(at: start + k) { return .boundary }
            let terminated = k >= 4 && buf[start] == Bytes.cr && buf[start + 1] == Bytes.lf && buf[start + 2] == Bytes.cr && buf[start + 3] == Bytes.lf
                || k >= 2 && buf[start] == Bytes.lf && buf[start + 1] == Bytes.lf
            if terminated {
                start += k
                return .terminatorThenJunk
            }
            return .noTerminator
        }
    }

    /// Cuts `block` where a later record begins inside it and puts that tail back to be read
    /// again; false when no record begins inside it.
    private func cutAtEmbeddedRecord(_ block: inout [UInt8]) -> Bool {
        guard let k = embeddedRecordStart(block) else { return false }
        unread(block[k...])
        block.removeSubrange(k...)
        trimRecordEnd(&block)
        return true
    }

    /// Where a later record begins inside `block` (a version line at a line start), if anywhere.
    private func embeddedRecordStart(_ block: [UInt8]) -> Int? {
        block.withUnsafeBytes { b -> Int? in
            var k = 0
            while let hit = Bytes.find(Self.lineWARC, in: b, from: k, to: b.count) {
                let v = hit + 1
                if v + 6 <= b.count, b[v + 5] >= 0x30, b[v + 5] <= 0x39 { return v }
                k = hit + 1
            }
            return nil
        }
    }

    /// Drops the CR/LF record terminator from the end of a block recovered by resynchronising.
    private func trimRecordEnd(_ block: inout [UInt8]) {
        var n = 0
        while n < 4, let last = block.last, last == Bytes.cr || last == Bytes.lf {
            block.removeLast()
            n += 1
        }
    }
}
