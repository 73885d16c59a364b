import Support

/// A replay link template: how a search result leads to its archived capture in a replay tool.
///
/// Given as a built-in style or a template of its own (`indexer build --replay`, recorded in the
/// group's signed version; `search`/`serve --replay`, overriding it):
///
/// - `pywb:PREFIX`, `openwayback:PREFIX`: `PREFIX/{timestamp}/{url}` (pywb's collection URL,
///   e.g. `http://localhost:8080/my-web-archive`; OpenWayback's `…/wayback`).
/// - `solrwayback:PREFIX`: `PREFIX/services/web/{timestamp}/{url}` (SolrWayback's playback,
///   PREFIX its web app, e.g. `http://localhost:8080/solrwayback`).
/// - `replayweb:SOURCE`: `https://replayweb.page/?source=SOURCE#view=pages&url={url}&ts={timestamp}`,
///   SOURCE the URL of the WACZ or WARC; a SOURCE ending in `/` is a folder holding the
///   archives, to which each capture's `{archive}` is appended.
/// - anything else: a template of its own, `http(s)://host/…` with placeholders `{url}`,
///   `{timestamp}` (14-digit WARC date, `yyyyMMddHHmmss` UTC), `{recordId}` (`WARC-Record-ID`),
///   `{file}` (`crawl.warc.gz`, `coll.wacz#archive/data.warc.gz`), `{archive}` (the file before
///   any `#`: the WARC or WACZ itself) and `{offset}` (the record's, or its gzip member's, byte
///   offset).
///
/// Values are percent-encoded where they land: before the template's `?` or `#`, only what a
/// URL path cannot hold is encoded (the archived URL stays readable, as wayback tools expect
/// it); in the query or fragment, everything but unreserved characters is, so a value cannot
/// add parameters. The scheme and host are literal and must be http or https, so no capture
/// can turn a link into `javascript:` or point it at another host.
public struct ReplayTemplate: Sendable, Hashable, CustomStringConvertible {
    /// The template with its placeholders, as recorded in a version (`GroupVersion.replay`).
    public let text: String
    private let parts: [Part]

    enum Part: Hashable {
        case literal(String)
        case value(Placeholder, inQuery: Bool)
    }

    enum Placeholder: String, CaseIterable {
        case url, timestamp, recordId, file, archive, offset
    }

    /// Why a template was refused; `description` says what to write instead.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// What a link is made from: one document's capture.
    public struct Capture: Sendable {
        public var url: String
        /// Capture time, seconds since 1970 UTC.
        public var date: Int64?
        public var recordID: String?
        public var file: String?
        public var offset: Int64?

        public init(url: String, date: Int64?, recordID: String?, file: String?, offset: Int64?) {
            self.url = url
            self.date = date
            self.recordID = recordID
            self.file = file
            self.offset = offset
        }
    }

    /// Parses a style (`pywb:URL`, …) or a template; throws `Invalid` for an unknown
    /// placeholder, an unclosed brace, or a scheme or host that is not literal http(s).
    public init(_ spec: String) throws(Invalid) {
        func prefix(_ p: Substring) -> String { p.hasSuffix("/") ? String(p.dropLast()) : String(p) }
        var text = spec
        if let colon = spec.firstIndex(of: ":"), !spec[colon...].hasPrefix("://") {
            let style = spec[..<colon].lowercased(), rest = spec[spec.index(after: colon)...]
            switch style {
            case "pywb", "openwayback", "wayback": text = prefix(rest) + "/{timestamp}/{url}"
            case "solrwayback": text = prefix(rest) + "/services/web/{timestamp}/{url}"
            case "replayweb":
                let source = ReplayTemplate.encode(String(rest), query: true) + (rest.hasSuffix("/") ? "{archive}" : "")
                text = "https://replayweb.page/?source=" + source + "#view=pages&url={url}&ts={timestamp}"
            default:
                throw Invalid(
                    description:
                        "unknown replay style \(style): use pywb:URL, openwayback:URL, solrwayback:URL, replayweb:URL, or a template http(s)://… with {url}, {timestamp}, {recordId}, {file}, {archive}, {offset}"
                )
            }
            if !rest.lowercased().hasPrefix("http://") && !rest.lowercased().hasPrefix("https://") {
                let got = rest.isEmpty ? "nothing" : String(rest)
                throw Invalid(description: "the replay style \(style) needs an http(s) URL after \(style): (got \(got))")
            }
        }
        self.text = text
        parts = try ReplayTemplate.parse(text)
    }

    private static func parse(_ text: String) throws(Invalid) -> [Part] {
        let lower = text.lowercased()
        guard let schemeEnd = ["http://", "https://"].first(where: lower.hasPrefix)?.count else {
            throw Invalid(description: "a replay template must start with http:// or https:// (got \(text))")
        }
        let afterScheme = text.dropFirst(schemeEnd)
        let host = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if host.isEmpty || host.contains("{") || host.contains("}") || host.contains("@") {
            throw Invalid(description: "a replay template's host must be written out, without placeholders or user info (got \(text))")
        }
        var parts: [Part] = []
        var literal = ""
        var inQuery = false
        var rest = Substring(text)
        while let ch = rest.first {
            if ch == "}" { throw Invalid(description: "a } without its { in the replay template \(text)") }
            if ch != "{" {
                if ch == "?" || ch == "#" { inQuery = true }
                literal.append(ch)
                rest = rest.dropFirst()
                continue
            }
            guard let close = rest.firstIndex(of: "}") else { throw Invalid(description: "an unclosed { in the replay template \(text)") }
            let name = rest[rest.index(after: rest.startIndex)..<close]
            guard let p = Placeholder(rawValue: String(name)) else {
                throw Invalid(
                    description:
                        "unknown placeholder {\(name)} in the replay template; known: \(Placeholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", "))"
                )
            }
            if !literal.isEmpty { parts.append(.literal(literal)) }
            literal = ""
            parts.append(.value(p, inQuery: inQuery))
            rest = rest[rest.index(after: close)...]
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    public var description: String { text }

    /// The link to `capture`, or nil when the template needs a value the capture lacks (a site
    /// folder's page has no record ID, a document without a date no timestamp) or the capture
    /// is no web page (`metadata://…` crawl logs, `dns:` records: no replay tool serves them).
    public func link(_ capture: Capture) -> String? {
        let scheme = capture.url.prefix(8).lowercased()
        guard scheme.hasPrefix("http://") || scheme.hasPrefix("https://") else { return nil }
        var out = ""
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .value(let p, let inQuery):
                let value: String?
                switch p {
                case .url: value = capture.url
                case .timestamp: value = capture.date.map(ReplayTemplate.timestamp)
                case .recordId: value = capture.recordID
                case .file: value = capture.file
                case .archive: value = capture.file.map { String($0.prefix { $0 != "#" }) }
                case .offset: value = capture.offset.map(String.init)
                }
                guard let value, !value.isEmpty else { return nil }
                out += ReplayTemplate.encode(value, query: inQuery, keepURL: p == .url)
            }
        }
        return out
    }

    /// `yyyyMMddHHmmss` in UTC, the 14-digit timestamp of WARC dates in CDX and wayback URLs.
    public static func timestamp(_ seconds: Int64) -> String {
        ISODate.format(seconds).filter { "0123456789".contains($0) }.prefix(14).description
    }

    /// Percent-encodes `s` as UTF-8. In a query or fragment, all but unreserved characters. In a
    /// path, what a path cannot hold (and `?`, `#` and `%`, unless `keepURL`: an archived URL
    /// keeps its own query and escapes, as wayback tools read it from the path; its `#`, which
    /// would end the link's path, is still encoded).
    static func encode(_ s: String, query: Bool, keepURL: Bool = false) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            let unreserved = (0x30...0x39).contains(b) || (0x61...0x7A).contains(b | 0x20) || "-._~".contains(c)
            let pathSafe = b < 0x80 && "!$&'()*+,;=:@/".contains(c)
            let urlSafe = keepURL && (c == "?" || c == "%")
            if unreserved || (!query && (pathSafe || urlSafe)) {
                out.append(c)
            } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
