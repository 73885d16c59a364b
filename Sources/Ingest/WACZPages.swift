/// A WACZ's pages as its crawler listed them (`pages/pages.jsonl`, `pages/extraPages.jsonl`)
/// and the text it extracted, routing each record of the package's WARCs on the reading thread:
///
/// - With a non-empty page list that was read whole and matched its `datapackage.json` hash
///   (`decidesPages`), only captures of listed URLs become documents; other responses
///   (scripts' JSON, frames, fragments the crawler did not call pages) are left out as "not
///   in the WACZ's page list". A list that was cut or could not be checked only lends titles
///   and text: it must not drop captures.
/// - `urn:text:URL` and `urn:textFinal:URL` resource records (Browsertrix `--text to-warc`,
///   `final-to-warc`) are never documents of their own: their text goes to URL's capture.
///   Browsertrix writes them after the page's response, so a listed page's response whose
///   list entry has no `text` is held until its text record arrives, for at most `window`
///   later held pages and within `maxBytes` (texts that come first wait the same way); past
///   that, or at the end of the package, it goes on without. The order of documents among
///   themselves is kept unless a text releases one early.
///
/// Everything here comes from the package, so nothing is trusted beyond its bounds: the lists
/// are read within `SourceReader.maxMetadataBytes`, held records and texts within `maxBytes`.
final class WACZPages {
    let byURL: [String: CrawlerPage]
    let decidesPages: Bool
    let window: Int
    let maxBytes: Int
    private var held: [(url: String, record: WARCRecord)] = []
    private var early: [(url: String, text: String)] = []
    private var bytes = 0

    init(_ byURL: [String: CrawlerPage], decidesPages: Bool, window: Int = 32, maxBytes: Int) {
        self.byURL = byURL
        self.decidesPages = decidesPages
        self.window = window
        self.maxBytes = maxBytes
    }

    static let textPrefixes = ["urn:text:", "urn:textFinal:"]

    /// What to hand on for `record`, in order.
    func route(_ record: WARCRecord) -> [WorkItem] {
        let h = record.header
        let uri = h.targetURI ?? ""
        if h.type == "resource", let prefix = WACZPages.textPrefixes.first(where: uri.hasPrefix) {
            let url = String(uri.dropFirst(prefix.count))
            let text = String(decoding: record.block, as: UTF8.self)
            var out: [WorkItem] = [.outcome(.ignored(reason: "crawler text record (used for its page)"), isRecord: true)]
            if let i = held.firstIndex(where: { $0.url == url }) {
                let r = held.remove(at: i)
                bytes -= r.record.block.count
                out.insert(release(r.record, url: url, text: text), at: 0)
            } else {
                early.append((url, text))
                bytes += text.utf8.count
                trim(into: &out)
            }
            return out
        }
        guard ["response", "resource", "conversion"].contains(h.type), !byURL.isEmpty else {
            return [.record(record, crawler: byURL[uri])]
        }
        guard let listed = byURL[uri] else {
            if !decidesPages { return [.record(record, crawler: nil)] }
            return [.outcome(.ignored(reason: "not in the WACZ's page list"), isRecord: true)]
        }
        if let i = early.lastIndex(where: { $0.url == uri }) {
            let e = early.remove(at: i)
            bytes -= e.text.utf8.count
            return [release(record, url: uri, text: e.text)]
        }
        guard listed.text == nil, h.type == "response" else { return [.record(record, crawler: listed)] }
        held.append((uri, record))
        bytes += record.block.count
        var out: [WorkItem] = []
        trim(into: &out)
        return out
    }

    /// Everything still held, in order (at the end of the package).
    func finish() -> [WorkItem] {
        defer {
            held = []
            early = []
            bytes = 0
        }
        return held.map { .record($0.record, crawler: byURL[$0.url]) }
    }

    private func release(_ record: WARCRecord, url: String, text: String) -> WorkItem {
        var page = byURL[url] ?? CrawlerPage()
        if page.text == nil { page.text = text }
        return .record(record, crawler: page)
    }

    /// Lets the oldest held records go on without text (and forgets the oldest early texts)
    /// until the window and the byte bound hold again.
    private func trim(into out: inout [WorkItem]) {
        while held.count > window || (bytes > maxBytes && !held.isEmpty) {
            let r = held.removeFirst()
            bytes -= r.record.block.count
            out.append(.record(r.record, crawler: byURL[r.url]))
        }
        while early.count > window || (bytes > maxBytes && !early.isEmpty) {
            bytes -= early.removeFirst().text.utf8.count
        }
    }
}
