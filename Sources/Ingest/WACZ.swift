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
    /// Most bytes of JSON metadata (datapackage.json, pages.jsonl) held in memory.
    static let maxMetadata = 256 << 20

    /// A WACZ (or any ZIP with WARCs under `archive/`): titles from `pages/*.jsonl`, every WARC
    /// member streamed through the WARC reader, and every resource that `datapackage.json`
    /// lists checked against its SHA-256 (a mismatch or missing member is a skip).
    func readWACZ(_ path: String, emit: (WorkItem) -> Bool) throws {
        let zip: ZipArchive
        do { zip = try ZipArchive(path: path) } catch let e as ZipArchive.Error {
            throw IngestError(SourceRef(file: path, offset: e.offset), .badZip(reason: e.message))
        }
        func ref(_ name: String) -> SourceRef { SourceRef(file: path + "#" + name) }
        func skip(_ name: String, _ reason: String, _ detail: String) -> Bool {
            emit(.outcome(.skipped(Skip(ref(name), reason, detail)), isRecord: false))
        }

        // datapackage.json: path -> expected hash.
        var expected: [String: String] = [:]
        if let dp = zip.entry(named: "datapackage.json") {
            do {
                let json = try JSON.parse(try zip.read(dp, limit: Self.maxMetadata), options: .metadata)
                for res in json["resources"]?.array ?? [] {
                    if let p = res["path"]?.string, let h = res["hash"]?.string { expected[p] = h.lowercased() }
                }
            } catch {
                if !skip("datapackage.json", "invalid datapackage.json", "\(error)") { return }
            }
        }

        var titles: [String: String] = [:]
        for name in ["pages/pages.jsonl", "pages/extraPages.jsonl"] {
            guard let e = zip.entry(named: name) else { continue }
            do {
                let bytes = try zip.read(e, limit: Self.maxMetadata)
                if let want = expected.removeValue(forKey: name) {
                    let got = "sha256:" + Hex.encode(Sodium.sha256(bytes))
                    if got != want, !skip(name, "datapackage hash mismatch", "expected \(want), got \(got)") { return }
                }
                Self.readPages(bytes, into: &titles)
            } catch {
                if !skip(name, "unreadable pages list", "\(error)") { return }
            }
        }
        let shared = PageTitles(titles)

        for entry in zip.entries where entry.name.hasPrefix("archive/") && !entry.name.hasSuffix("/") {
            let file = path + "#" + entry.name
            do {
                let format = try memberFormat(zip, entry)
                guard format == .warc || format == .warcGzip || format == .warcZstd else {
                    if !skip(entry.name, "unreadable archive member", "not a WARC (first bytes match none)") { return }
                    continue
                }
                let hashing = HashingStream(try zip.open(entry))
                if !readWARC(hashing, format: format, file: file, titles: shared, emit: emit) { return }
                if let want = expected.removeValue(forKey: entry.name) {
                    let got = try hashing.finish()
                    if got != want, !skip(entry.name, "datapackage hash mismatch", "expected \(want), got \(got)") { return }
                }
            } catch {
                if !skip(entry.name, "unreadable archive member", "\(error)") { return }
                expected[entry.name] = nil
            }
        }

        // The rest of what datapackage.json lists (indexes, pages already done).
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            guard let entry = zip.entry(named: name) else {
                if !skip(name, "missing member", "listed in datapackage.json but not in the ZIP") { return }
                continue
            }
            do {
                let hashing = HashingStream(try zip.open(entry))
                let got = try hashing.finish()
                if got != want, !skip(name, "datapackage hash mismatch", "expected \(want), got \(got)") { return }
            } catch {
                if !skip(name, "unreadable member", "\(error)") { return }
            }
        }
    }

    private func memberFormat(_ zip: ZipArchive, _ entry: ZipEntry) throws -> SourceFormat {
        let s = try zip.open(entry)
        var head = [UInt8](repeating: 0, count: 16)
        var got = 0
        while got < head.count {
            let n = try head.withUnsafeMutableBytes { try s.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
            if n == 0 { break }
            got += n
        }
        return head.withUnsafeBytes { SourceFormat.detect(head: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
    }

    /// `pages.jsonl`: a header line, then one JSON object per page with `url` and `title`.
    /// Lines that are not valid JSON are passed over (the page list is advisory).
    static func readPages(_ bytes: [UInt8], into titles: inout [String: String]) {
        bytes.withUnsafeBytes { b in
            var line = 0
            while line < b.count {
                let nl = Bytes.find(Bytes.lf, in: b, from: line, to: b.count) ?? b.count
                if let v = try? JSON.parse(UnsafeRawBufferPointer(rebasing: b[line..<nl]), options: .metadata),
                   let url = v["url"]?.string, let title = v["title"]?.string, !title.isEmpty {
                    titles[url] = title
                }
                line = nl + 1
            }
        }
    }
}
