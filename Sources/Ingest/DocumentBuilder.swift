import Support

/// Turns records into documents: HTTP parsing, transfer and content decoding, media type
/// decisions, text extraction. Pure and `Sendable`, so the build can run it on every core.
public struct DocumentBuilder: Sendable {
    public struct Limits: Sendable {
        /// Most bytes a payload may decode to (chunked, gzip, br, …); larger ones are skipped.
        public var maxDecodedBytes = 32 << 20
        public init() {}
    }

    public var limits: Limits
    public let html: HTMLExtraction
    /// Checks `WARC-Block-Digest` / `WARC-Payload-Digest` (`WARCRecord.digestMismatch`); off
    /// only to trust a source's digests (`--no-digest-check`, and the benchmark of their cost).
    public var checksDigests = true

    public init(html: @escaping HTMLExtraction, limits: Limits = Limits()) {
        self.html = html
        self.limits = limits
    }

    /// The outcome for one WARC record. `crawler` (a WACZ's `pages.jsonl` entry and `urn:text:`
    /// record for its URL) fills in what the payload lacks (`usingCrawlerText`).
    public func build(_ record: WARCRecord, crawler: CrawlerPage? = nil) -> Outcome {
        let h = record.header
        // A repaired record's bytes are suspect (a wrong length may have joined it to part of
        // another): its block digest is checked before anything can leave it out as non-text or
        // an error page, so damage is never hidden behind a policy decision.
        if checksDigests, !record.repairs.isEmpty, let bad = record.digestMismatch(payloadStart: nil) { return .skipped(bad) }
        switch h.type {
        case "response":
            let head = record.block.withUnsafeBytes { HTTPHead.parse($0) }
            if let status = head?.status, !(200...299).contains(status) {
                return .ignored(reason: "http status \(status / 100)xx")
            }
            let declared =
                head != nil
                ? h.identifiedPayloadType ?? head?.contentType
                : h.identifiedPayloadType ?? (h.contentType?.lowercased().hasPrefix("application/http") == true ? nil : h.contentType)
            return payload(record, kind: .response, head: head, declared: declared, charsetSource: head?.contentType ?? declared, crawler: crawler)
        case "resource", "conversion":
            let declared = h.identifiedPayloadType ?? h.contentType
            return payload(
                record, kind: h.type == "resource" ? .resource : .conversion, head: nil, declared: declared,
                charsetSource: h.contentType, crawler: crawler)
        case "revisit":
            return revisit(record)
        case "continuation":
            return .skipped(Skip(record.source, "orphan continuation", "no earlier segment with id \(h.segmentOriginID ?? "?") in this file"))
        default:
            return .ignored(reason: "warc type \(h.type)")
        }
    }

    private func payload(
        _ record: WARCRecord, kind: Document.Kind, head: HTTPHead?, declared: String?, charsetSource: String?,
        crawler: CrawlerPage?
    ) -> Outcome {
        let h = record.header
        var repairs = record.repairs
        if let t = h.truncated { repairs.append("WARC-Truncated: \(t)") }
        var essence = MediaType.parse(declared)?.essence
        if let e = essence, MediaType.isVague(e) { essence = nil }
        if let e = essence, MediaType.handling(of: e) == .other { return .ignored(reason: "non-text \(e)") }
        if record.blockCut {
            let sniffed = record.block.withUnsafeBytes { MediaType.sniff(UnsafeRawBufferPointer(rebasing: $0[(head?.bodyStart ?? 0)...])) }
            let e = essence ?? sniffed
            if MediaType.handling(of: e) == .other { return .ignored(reason: "non-text \(e)") }
            return .skipped(Skip(record.source, "record too large", "\(h.targetURI ?? "") (\(e)) is longer than the block limit"))
        }
        // Checked only for records that would become documents (see `digestMismatch`).
        if checksDigests, let bad = record.digestMismatch(payloadStart: head?.bodyStart ?? (kind == .response ? nil : 0)) {
            return .skipped(bad)
        }
        // ARC carries no digest: the payload's SHA-1 is computed, as warcio's conversion writes it.
        let payloadDigest = h.payloadDigest ?? (record.fromARC ? record.payloadSHA1(from: head?.bodyStart ?? 0) : nil)
        var body = record.block
        var range = (head?.bodyStart ?? 0)..<body.count
        if let te = head?.transferEncoding?.lowercased(), te.contains("chunked") {
            let decoded = body.withUnsafeBytes { Chunked.decode(UnsafeRawBufferPointer(rebasing: $0[range]), limit: limits.maxDecodedBytes) }
            if let decoded {
                if !decoded.complete { repairs.append("chunked body incomplete") }
                body = decoded.body
                range = 0..<body.count
            } else {
                repairs.append("not chunked despite Transfer-Encoding")
            }
        }
        if let ce = head?.contentEncoding {
            do {
                let decoded = try ContentDecoding.decode(Array(body[range]), header: ce, limit: limits.maxDecodedBytes)
                body = decoded
                range = 0..<body.count
            } catch .tooLarge {
                return .skipped(Skip(record.source, "payload too large", "\(h.targetURI ?? "") decodes to more than \(limits.maxDecodedBytes) bytes"))
            } catch {
                repairs.append("Content-Encoding \(ce) not decodable; raw body used")
            }
        }
        let charset = MediaType.parse(charsetSource)?.charset
        return body.withUnsafeBytes { all -> Outcome in
            let b = UnsafeRawBufferPointer(rebasing: all[range])
            let sniffed = MediaType.sniff(b)
            let e = essence ?? sniffed
            let handling = MediaType.handling(of: e)
            if handling == .other { return .ignored(reason: "non-text \(e)") }
            if essence != nil, sniffed != "text/html", sniffed != "text/plain", sniffed != "text/xml" {
                return .ignored(reason: "binary payload labelled \(e)")
            }
            let url = h.targetURI ?? h.recordID ?? ""
            // Crawler instructions, not content, though served as text/plain.
            if url.hasSuffix("/robots.txt") { return .ignored(reason: "robots.txt") }
            var page: PageText
            switch handling {
            case .html:
                page = html(b, charset)
            case .markdown:
                let md = Markdown.convert(TextDecoding.decode(b, charset: charset))
                page = PageText(title: md.title, text: md.text, description: nil, lang: nil, links: md.links)
            default:
                page = PageText(title: nil, text: TextDecoding.decode(b, charset: charset), description: nil, lang: nil, links: [])
            }
            if let crawler { DocumentBuilder.use(crawler, in: &page) }
            let lang = page.lang ?? head?.contentLanguage.flatMap { $0.split(separator: ",").first.map { String($0).trimmingSpaces } }
            let doc = Document(
                kind: kind, url: url, title: page.title, text: page.text, description: page.description,
                date: h.date.flatMap(ISODate.parse), mime: e, lang: lang, source: record.source,
                links: page.links, recordID: h.recordID, payloadDigest: payloadDigest, httpStatus: head?.status)
            return .document(doc, recovered: repairs)
        }
    }

    /// The crawler's text replaces the extracted text when the HTML holds under a quarter of
    /// it: a page built by script (the HTML an app shell, "Loading…") or one whose text is in
    /// frames. Otherwise the extracted text is kept: it leaves out navigation and boilerplate,
    /// which a browser's rendered text includes. The crawler's title goes with its text (the
    /// HTML's title is then the shell's); otherwise it only fills in a missing title.
    static func use(_ crawler: CrawlerPage, in page: inout PageText) {
        if let text = crawler.text, page.text.utf8.count * 4 < text.utf8.count, text.contains(where: { !$0.isWhitespace }) {
            page.text = text
            if let t = crawler.title, !t.isEmpty { page.title = t }
        }
        if page.title?.isEmpty ?? true, let t = crawler.title, !t.isEmpty { page.title = t }
    }

    private func revisit(_ record: WARCRecord) -> Outcome {
        let h = record.header
        let head = record.block.withUnsafeBytes { HTTPHead.parse($0) }
        var essence = MediaType.parse(h.identifiedPayloadType ?? head?.contentType)?.essence
        if let e = essence, MediaType.isVague(e) { essence = nil }
        if let e = essence, MediaType.handling(of: e) == .other { return .ignored(reason: "non-text \(e)") }
        let info = RevisitInfo(
            refersTo: h.refersTo, refersToTargetURI: h.refersToTargetURI,
            refersToDate: h.refersToDate.flatMap(ISODate.parse), profile: h.profile)
        let doc = Document(
            kind: .revisit, url: h.targetURI ?? "", text: "", date: h.date.flatMap(ISODate.parse),
            mime: essence ?? "", source: record.source, recordID: h.recordID, payloadDigest: h.payloadDigest,
            revisit: info, httpStatus: head?.status)
        return .document(doc, recovered: record.repairs)
    }
}
