import Sodium
import Support

/// Passes bytes through while hashing them with SHA-256 (WACZ `datapackage.json` checks).
final class HashingStream: ByteStream {
    private let inner: ByteStream
    private var hasher: SHA256Hasher? = SHA256Hasher()
    private(set) var count: Int64 = 0

    init(_ inner: ByteStream) { self.inner = inner }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try inner.read(into: buffer)
        hasher?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        count += Int64(n)
        return n
    }

    func location(ofOutput position: Int64) -> StreamLocation { inner.location(ofOutput: position) }

    /// Reads whatever the consumer left unread, then returns `sha256:<hex>`.
    func finish() throws -> String {
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        while try chunk.withUnsafeMutableBytes({ try read(into: $0) }) > 0 {}
        guard let h = hasher.take() else { return "" }
        return "sha256:" + Hex.encode(h.finish())
    }
}

extension SourceReader {
    /// A WACZ (or any ZIP with WARCs under `archive/`): the page list, titles and crawler text
    /// from `pages/*.jsonl` and `urn:text:` records (`WACZPages`), every WARC member streamed
    /// through the WARC reader, every resource that `datapackage.json` lists checked against
    /// its SHA-256 (a mismatch or missing member is a skip), and `datapackage-digest.json`
    /// (WACZ 1.1) checked against datapackage.json; its signer is reported as a notice, the
    /// signature itself unverified (ECDSA P-384 and X.509 chains are not implemented here).
    ///
    /// ZIP damage is reported as skips naming the archive, the byte offset and the member: a
    /// directory rebuilt from local headers, refused overlapping entries, and members failing
    /// their CRC-32, size or ratio check. A WARC member that fails its CRC-32 has had its
    /// records indexed as they streamed (checking first would hold the member in memory or
    /// read it twice), so those documents are kept and the member is reported as skipped,
    /// which makes the exit status 3; the same holds for a WARC member whose SHA-256 differs
    /// from its datapackage.json hash. datapackage.json and the pages lists are read whole
    /// before use, so a failed check there drops them.
    func readWACZ(_ path: String, emit: (WorkItem) -> Bool) throws {
        let zip: ZipArchive
        do { zip = try ZipArchive(path: path, limits: zipLimits) } catch let e as ZipArchive.Error {
            throw IngestError(SourceRef(file: path, offset: e.offset), .badZip(reason: e.message))
        }
        func ref(_ name: String) -> SourceRef { SourceRef(file: path + "#" + name) }
        func skip(_ name: String, _ reason: String, _ detail: String) -> Bool {
            emit(.outcome(.skipped(Skip(ref(name), reason, detail)), isRecord: false))
        }
        /// ZIP damage is located in the archive itself: its offset, the member named in the detail.
        func report(_ r: ZipArchive.Report) -> Bool {
            let detail = r.member.map { "\($0): \(r.detail)" } ?? r.detail
            return emit(.outcome(.skipped(Skip(SourceRef(file: path, offset: r.offset), r.reason, detail)), isRecord: false))
        }
        for r in zip.reports where !report(r) { return }

        // datapackage.json: path -> expected hash. It is parsed whole, and a parsed tree takes
        // several times its bytes, so it gets an eighth of the metadata budget (at least 1 MiB).
        var expected: [String: String] = [:]
        if let dp = zip.entry(named: "datapackage.json") {
            do {
                let bytes = try zip.read(dp, limit: max(maxMetadataBytes / 8, 1 << 20))
                if let problem = Self.checkDigest(zip, datapackage: bytes, path: path), !emit(problem) { return }
                let json = try JSON.parse(bytes, options: .metadata)
                for res in json["resources"]?.array ?? [] {
                    // Only SHA-256 is checked; `wacz create --hash-type md5` writes MD5, left unchecked.
                    if let p = res["path"]?.string, let h = res["hash"]?.string?.lowercased(), h.hasPrefix("sha256:") { expected[p] = h }
                }
            } catch {
                if !skip("datapackage.json", "invalid datapackage.json", "\(error)") { return }
            }
        }

        var listed: [String: CrawlerPage] = [:]
        // Whether every list used was whole and matched its datapackage.json hash: only then
        // may the list decide which captures are pages (a cut or unchecked list would drop them).
        var verified = true
        var budget = maxMetadataBytes
        for name in ["pages/pages.jsonl", "pages/extraPages.jsonl"] {
            guard let e = zip.entry(named: name) else { continue }
            do {
                let member = try zip.open(e)
                let hashing = HashingStream(member)
                var these: [String: CrawlerPage] = [:]  // used only once the member's checks pass
                if try Self.readPages(hashing, budget: &budget, into: &these) {
                    // The rest is left unread (it could inflate up to the ratio cap), so its
                    // CRC-32 and datapackage hash go unchecked; the cut itself is reported.
                    listed.merge(these) { $1 }
                    verified = false
                    expected[name] = nil
                    if !skip(
                        name, "pages list cut",
                        "pages kept from the first part only: the pages lists' budget of \(maxMetadataBytes) bytes is spent; the rest, its CRC-32 and hash not read"
                    ) {
                        return
                    }
                    continue
                }
                let got = try hashing.finish()
                let want = expected.removeValue(forKey: name)
                // A list is used only once every check passed: its titles would label pages.
                if let d = member.damage {
                    if !report(d) { return }
                } else if let want, got != want {
                    if !skip(name, "datapackage hash mismatch", "expected \(want), got \(got); its pages, titles and texts are not used") { return }
                } else {
                    listed.merge(these) { $1 }
                    if want == nil { verified = false }
                }
            } catch {
                if !skip(name, "unreadable pages list", "\(error)") { return }
                expected[name] = nil
            }
        }
        // Held page records share the bound of records waiting for their continuations.
        let pages = WACZPages(listed, decidesPages: verified, maxBytes: maxPendingSegments)

        for entry in zip.entries where entry.name.hasPrefix("archive/") && !entry.name.hasSuffix("/") {
            let file = path + "#" + entry.name
            do {
                let format = try SourceFormat.detect(stream: zip.open(entry))
                guard format.isRecords else {
                    if !skip(entry.name, "unreadable archive member", "not a WARC or ARC (first bytes match none)") { return }
                    continue
                }
                let member = try zip.open(entry)
                let hashing = HashingStream(member)
                if !readWARC(hashing, format: format, file: file, pages: pages, emit: emit) { return }
                let got = try hashing.finish()  // reads to the end: the CRC-32 covers every byte
                if let d = member.damage {
                    if !report(d) { return }
                    expected[entry.name] = nil  // the member is already reported damaged
                }
                if let want = expected.removeValue(forKey: entry.name), got != want {
                    if !skip(entry.name, "datapackage hash mismatch", "expected \(want), got \(got)") { return }
                }
            } catch {
                if !skip(entry.name, "unreadable archive member", "\(error)") { return }
                expected[entry.name] = nil
            }
        }

        for item in pages.finish() where !emit(item) { return }

        // The rest of what datapackage.json lists (indexes, pages already done).
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            guard let entry = zip.entry(named: name) else {
                if !skip(name, "missing member", "listed in datapackage.json but not in the ZIP") { return }
                continue
            }
            do {
                let member = try zip.open(entry)
                let got = try HashingStream(member).finish()
                if let d = member.damage {
                    if !report(d) { return }
                } else if got != want, !skip(name, "datapackage hash mismatch", "expected \(want), got \(got)") {
                    return
                }
            } catch {
                if !skip(name, "unreadable member", "\(error)") { return }
            }
        }
    }

    /// Longest pages-list line parsed; longer ones are passed over.
    static let maxPageLine = 1 << 20

    /// `pages.jsonl`: a header line, then one JSON object per page with `url` and, optionally,
    /// `title` and `text` (Browsertrix `--text to-pages`). Lines that are not valid JSON are
    /// passed over (the page list is advisory). Streamed a line at a time; every byte read and
    /// every page kept (its bytes plus 64 for the table) is taken from `budget`, and reading
    /// stops when it is spent: returns true if it cut the list short. Memory: `budget` plus one line.
    static func readPages(_ stream: ByteStream, budget: inout Int, into pages: inout [String: CrawlerPage]) throws -> Bool {
        var line: [UInt8] = []
        var overlong = false
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        func take(_ line: [UInt8]) {
            let v = line.withUnsafeBytes { try? JSON.parse($0, options: .metadata) }
            if let v, let url = v["url"]?.string, !url.isEmpty {
                // `wacz create` titles an untitled page with its URL: a placeholder, not a title.
                let title = v["title"]?.string.flatMap { $0.isEmpty || $0 == url ? nil : $0 }, text = v["text"]?.string
                budget -= url.utf8.count + (title?.utf8.count ?? 0) + (text?.utf8.count ?? 0) + 64
                pages[url] = CrawlerPage(title: title, text: text)
            }
        }
        while true {
            // Once the budget is spent, one more byte tells a cut list from one that just fits.
            let room = budget > 0 ? min(chunk.count, budget) : 1
            let n = try chunk.withUnsafeMutableBytes { try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<room])) }
            if n == 0 {
                if !overlong, !line.isEmpty { take(line) }
                return false
            }
            if budget <= 0 { return true }
            budget -= n
            var from = 0
            while from < n {
                let nl = chunk[from..<n].firstIndex(of: Bytes.lf) ?? n
                if !overlong {
                    line.append(contentsOf: chunk[from..<nl])
                    if line.count > maxPageLine { overlong = true; line = [] }
                }
                if nl < n {
                    if !overlong { take(line) }
                    line.removeAll(keepingCapacity: true)
                    overlong = false
                }
                from = nl + 1
            }
        }
    }

    /// WACZ 1.1's `datapackage-digest.json`: `{"path": "datapackage.json", "hash": "sha256:…",
    /// "signedData": {"hash", "signature", "publicKey" or "domain", "created", "software"}}`.
    /// The hash is checked against `datapackage` (a mismatch, or a signed hash that is not the
    /// same one, is a skip); a signature is reported as a notice naming the signer, and saying
    /// that it was not verified. Nil when there is nothing to say.
    static func checkDigest(_ zip: ZipArchive, datapackage: [UInt8], path: String) -> WorkItem? {
        let name = "datapackage-digest.json"
        guard let entry = zip.entry(named: name) else { return nil }
        func skip(_ reason: String, _ detail: String) -> WorkItem {
            .outcome(.skipped(Skip(SourceRef(file: path + "#" + name), reason, detail)), isRecord: false)
        }
        let json: JSON
        do { json = try JSON.parse(try zip.read(entry, limit: 1 << 20), options: .metadata) } catch {
            return skip("invalid datapackage-digest.json", "\(error)")
        }
        var hasher = SHA256Hasher()
        datapackage.withUnsafeBytes { hasher.update($0) }
        let got = "sha256:" + Hex.encode(hasher.finish())
        let want = json["hash"]?.string?.lowercased()
        guard want == got else {
            return skip("datapackage digest mismatch", "datapackage.json hashes to \(got), the digest says \(want ?? "nothing (no sha256 hash)")")
        }
        guard let signed = json["signedData"], signed.object != nil else { return nil }
        if let h = signed["hash"]?.string, h.lowercased() != got {
            return skip("datapackage digest mismatch", "the signed hash \(h) is not datapackage.json's \(got)")
        }
        let signer =
            signed["domain"]?.string.map { "the domain \($0)" } ?? signed["publicKey"]?.string.map { "the key \($0.prefix(24))…" }
            ?? "an unnamed signer"
        let by = [signed["software"]?.string.map { " with \($0)" }, signed["created"]?.string.map { " on \($0)" }].compactMap { $0 }.joined()
        return .notice(
            "\(path): signed by \(signer)\(by); datapackage.json matches the signed hash, but the signature itself (ECDSA, X.509 chain) was not verified"
        )
    }
}
