/// Reads sources (WARC and ARC files, WACZ packages, site folders) into `WorkItem`s, sequentially and
/// in constant memory. The expensive part of a document, its extraction, is left to the items'
/// consumers, which may run on other threads.
public struct SourceReader: Sendable {
    /// The base URL of every site folder with none of its own (`--base-url URL`).
    public var baseURL: String?
    /// Base URLs of particular site folders (`--base-url DIR=URL`), keyed by the folder's path
    /// as it is passed to `read` (trailing `/` ignored). A folder's URL is, first to last: its
    /// pair here, its `site.json`, `baseURL`, its `file://` URL (with a notice).
    public var folderBaseURLs: [String: String] = [:]
    public var limits = WARCReader.Limits()
    /// Most bytes held for segmented records waiting for their continuations.
    public var maxPendingSegments = 64 << 20
    /// Most bytes of WACZ page lists (`pages/*.jsonl`, read plus titles kept) held in memory;
    /// `datapackage.json` may take an eighth of it. A list cut short is reported.
    public var maxMetadataBytes = 64 << 20
    /// The decompression-ratio cap, on each ZIP member and on each gzip member or zstd frame
    /// of a compressed WARC or ARC.
    public var zipLimits = ZipArchive.Limits()

    public init(baseURL: String? = nil, folderBaseURLs: [String: String] = [:]) {
        self.baseURL = baseURL
        self.folderBaseURLs = folderBaseURLs
    }

    /// Reads `path`, handing each item to `emit` in order; `emit` returns false to stop early.
    /// Throws `IngestError` only when the source cannot be read at all (missing, unknown format,
    /// no ZIP directory); damage inside a readable source becomes `.skipped` items instead.
    public func read(_ path: String, emit: (WorkItem) -> Bool) throws {
        let format = try SourceFormat.detect(path: path)
        switch format {
        case .warc, .warcGzip, .warcZstd, .arc, .arcGzip:
            _ = readWARC(try FileStream(path: path), format: format, file: path, pages: nil, emit: emit)
        case .zip:
            try readWACZ(path, emit: emit)
        case .siteFolder:
            try readSite(path, emit: emit)
        case .unknown:
            throw IngestError(SourceRef(file: path), .unknownFormat)
        }
    }

    /// Streams the records of one WARC, joining segmented records; a WACZ's records go through
    /// its `pages`. Crawler text records (`urn:text:`) are no documents of their own; outside
    /// a WACZ, with no page list to match them to, they are left out, as are crawl metadata
    /// records (`isCrawlMetadata`). Returns false if stopped.
    func readWARC(_ raw: ByteStream, format: SourceFormat, file: String, pages: WACZPages?, emit: (WorkItem) -> Bool) -> Bool {
        let stream: ByteStream
        // The ARC look-ahead holds part of a block, so it stays within the block bound.
        do { stream = try warcStream(raw, format: format, arcLookahead: min(4 << 20, limits.maxBlock / 2), ratioCap: zipLimits) } catch {
            return emit(.outcome(.skipped(Skip(SourceRef(file: file), "unreadable source", "\(error)")), isRecord: false))
        }
        let reader = WARCReader(stream: stream, file: file, limits: limits)
        var segments = Segments(limit: maxPendingSegments)
        while let event = reader.next() {
            let ok: Bool
            switch event {
            case .record(var r):
                r.fromARC = format == .arc || format == .arcGzip
                ok = segments.add(r).allSatisfy { item in
                    switch item {
                    case .left(let rec):
                        if SourceReader.isCrawlMetadata(rec) {
                            emit(.outcome(.ignored(reason: "crawl metadata record (metadata:)"), isRecord: true))
                        } else if let pages {
                            pages.route(rec).allSatisfy(emit)
                        } else {
                            emit(SourceReader.plain(rec))
                        }
                    case .right(let skip): emit(.outcome(.skipped(skip), isRecord: true))
                    }
                }
            case .ignored(let type, let src, let repairs):
                ok = emit(
                    repairs.isEmpty
                        ? .outcome(.ignored(reason: "warc type \(type)"), isRecord: true)
                        : .ignoredRepaired(reason: "warc type \(type)", Repair(src, repairs)))
            case .skipped(let s, let isRecord):
                ok = emit(.outcome(.skipped(s), isRecord: isRecord))
            }
            if !ok { return false }
        }
        for skip in segments.unfinished() {
            if !emit(.outcome(.skipped(skip), isRecord: true)) { return false }
        }
        return true
    }

    /// The base URL of the site folder `root`, by the precedence of `folderBaseURLs`: a pair
    /// names one folder and a `site.json` travels with it, so both outrank the build-wide
    /// `baseURL`, and the pair outranks the file (`site.json` is then not read).
    public func siteBaseURL(_ root: String) throws -> String? {
        if let pair = folderBaseURLs[SiteFolder.key(root)] { return pair }
        return try SiteFolder.settings(root)?.baseURL ?? baseURL
    }

    /// The key of the folder `path` in `folderBaseURLs`: the path without trailing `/`.
    public static func folderKey(_ path: String) -> String { SiteFolder.key(path) }

    func readSite(_ root: String, emit: (WorkItem) -> Bool) throws {
        let baseURL = try siteBaseURL(root)
        if baseURL == nil {
            let notice =
                "warning: \(root) has no base URL: its pages get file:// URLs readers cannot open; give --base-url DIR=URL or a site.json"
            if !emit(.notice(notice)) { return }
        }
        let authors = SiteFolder.authors(root, baseURL: baseURL, maxFile: limits.maxBlock)
        _ = SiteFolder.walk(root) { rel in
            let path = root.hasSuffix("/") ? root + rel : root + "/" + rel
            let src = SourceRef(file: path)
            guard let role = SiteFolder.role(of: rel) else {
                return emit(.outcome(.ignored(reason: "site file type"), isRecord: true))
            }
            do {
                // A site file is held whole like a record's block: the same bound.
                let bytes = try SiteFolder.readFile(path, maxFile: limits.maxBlock)
                let url = SiteFolder.url(base: baseURL, root: root, relative: rel)
                let siteRoot = SiteFolder.url(base: baseURL, root: root, relative: "")
                var file = SiteFile(source: src, relative: rel, url: url, role: role, bytes: bytes, siteRoot: siteRoot)
                file.author = SiteFolder.author(of: rel, in: authors)
                return emit(.siteFile(file))
            } catch {
                return emit(.outcome(.skipped(Skip(src, "unreadable file", "\(error)")), isRecord: true))
            }
        }
    }
}

extension SourceReader {
    /// A record about the crawl rather than a capture: wget writes its log and arguments as
    /// `resource` records at `metadata://gnu.org/software/wget/warc/…` (its manifest as a
    /// `metadata` record, which the reader already leaves out). Such a record is no page
    /// anyone searches for, nor one a replay tool serves.
    static func isCrawlMetadata(_ record: WARCRecord) -> Bool {
        (record.header.targetURI ?? "").prefix(9).lowercased() == "metadata:"
    }

    static func plain(_ record: WARCRecord) -> WorkItem {
        let uri = record.header.targetURI ?? ""
        if record.header.type == "resource", WACZPages.textPrefixes.contains(where: uri.hasPrefix) {
            return .outcome(.ignored(reason: "crawler text record (no page list to match it to)"), isRecord: true)
        }
        return .record(record, crawler: nil)
    }
}

enum Either<L, R> { case left(L), right(R) }

/// Joins segmented records (WARC-Segment-Number 1 plus `continuation` records naming it by
/// WARC-Segment-Origin-ID) into one record, holding at most `limit` bytes while waiting.
struct Segments {
    let limit: Int
    private var pending: [String: (first: WARCRecord, parts: [[UInt8]], bytes: Int, next: Int)] = [:]
    private var held = 0

    init(limit: Int) { self.limit = limit }

    mutating func add(_ r: WARCRecord) -> [Either<WARCRecord, Skip>] {
        let h = r.header
        if h.type == "continuation", let origin = h.segmentOriginID, var p = pending[origin] {
            if h.segmentNumber != nil && h.segmentNumber != p.next {
                pending[origin] = nil
                held -= p.bytes
                return [.right(Skip(p.first.source, "broken segmented record", "segment \(h.segmentNumber!) arrived, \(p.next) expected"))]
            }
            p.parts.append(r.block)
            p.bytes += r.block.count
            p.next += 1
            held += r.block.count
            if h.segmentTotalLength != nil {
                pending[origin] = nil
                held -= p.bytes
                var joined = p.first
                for part in p.parts { joined.block.append(contentsOf: part) }
                joined.header.contentLength = joined.block.count
                joined.repairs.append(contentsOf: r.repairs)
                return [.left(joined)]
            }
            pending[origin] = p
            if held > limit {
                pending[origin] = nil
                held -= p.bytes
                return [.right(Skip(p.first.source, "record too large", "segmented record exceeds \(limit) bytes"))]
            }
            return []
        }
        if h.type != "continuation", h.segmentNumber == 1, let id = h.recordID {
            pending[id] = (r, [], r.block.count, 2)
            held += r.block.count
            return []
        }
        return [.left(r)]
    }

    /// Segmented records whose last segment never came.
    mutating func unfinished() -> [Skip] {
        let out = pending.values.sorted { $0.first.source.offset < $1.first.source.offset }
            .map { Skip($0.first.source, "incomplete segmented record", "\($0.next - 1) segment(s) read, the rest missing") }
        pending = [:]
        return out
    }
}
