/// What `HTMLExtractor` finds in one HTML document. Every string is valid UTF-8 with its
/// whitespace collapsed, and every field is bounded by `HTMLExtractor.Limits`.
public struct ExtractedHTML: Sendable, Equatable {
    /// The first `<title>` outside SVG/MathML; `nil` when missing or blank.
    public var title: String?
    /// The main text: visible text without script, style, navigation, page header and footer,
    /// asides, and elements marked hidden or as navigation by `role`, `class` or `id`. Blocks are
    /// separated by `\n` (lines: `div`, `li`, `tr`, `br`…) or `\n\n` (paragraphs: `p`, headings,
    /// lists, tables…). When removing boilerplate leaves nothing, the boilerplate text is used.
    public var text: String
    /// `<meta name="description">`, else `<meta property="og:description">`.
    public var description: String?
    /// `<html lang>` (or `xml:lang`), else `<meta http-equiv="Content-Language">`, as written.
    public var lang: String?
    /// `href` of `<a>` and `<area>` in document order, unresolved, trimmed; `javascript:` and
    /// empty ones dropped.
    public var links: [String]
    /// The WHATWG name of the encoding the bytes were decoded from (e.g. `UTF-8`, `Shift_JIS`).
    public var encoding: String
    /// Where `encoding` came from.
    public var encodingSource: CharsetSource
    /// `<link rel="canonical" href>`, unresolved.
    public var canonicalURL: String?
    /// `<base href>`, against which `links` resolve.
    public var baseURL: String?
    /// True when parsing stopped early: `text` reached `Limits.maxTextBytes`, or elements nested
    /// deeper than 2048 (pathological pages that would make libxml2 quadratic). What came
    /// before is kept; the rest of the page was not parsed.
    public var truncated: Bool

    public init(
        title: String? = nil, text: String = "", description: String? = nil, lang: String? = nil,
        links: [String] = [], encoding: String = "UTF-8", encodingSource: CharsetSource = .sniffed,
        canonicalURL: String? = nil, baseURL: String? = nil, truncated: Bool = false
    ) {
        self.title = title
        self.text = text
        self.description = description
        self.lang = lang
        self.links = links
        self.encoding = encoding
        self.encodingSource = encodingSource
        self.canonicalURL = canonicalURL
        self.baseURL = baseURL
        self.truncated = truncated
    }
}

extension HTMLExtractor {
    /// Bounds on input and output, so hostile pages cost bounded time and memory.
    public struct Limits: Sendable {
        /// Bytes of input parsed; the rest is ignored. Bounds the worst case of libxml2's
        /// linear-per-error recovery on hostile pages to seconds.
        public var maxInputBytes = 32 << 20
        /// Bytes of main text (and, separately, of boilerplate text) kept.
        public var maxTextBytes = 4 << 20
        public var maxTitleBytes = 2048
        public var maxDescriptionBytes = 8192
        public var maxLinks = 10_000
        /// Longer hrefs (data: URLs, tracking blobs) are dropped.
        public var maxLinkBytes = 4096

        public init() {}
        public static let `default` = Limits()
    }
}
