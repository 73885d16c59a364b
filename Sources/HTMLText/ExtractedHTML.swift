/// What `HTMLExtractor` finds in one HTML document. Every string is valid UTF-8 with its
/// whitespace collapsed, and every field is bounded by `HTMLExtractor.Limits`.
package struct ExtractedHTML: Sendable, Equatable {
    /// The first `<title>` outside SVG/MathML; `nil` when missing or blank.
    package var title: String?
    /// The main text: visible text without script, style, navigation, page header and footer,
    /// asides, and elements marked hidden or as navigation by `role`, `class` or `id`. Blocks are
    /// separated by `\n` (lines: `div`, `li`, `tr`, `br`…) or `\n\n` (paragraphs: `p`, headings,
    /// lists, tables…). When removing boilerplate leaves nothing, the boilerplate text is used.
    package var text: String
    /// `<meta name="description">`, else `<meta property="og:description">`.
    package var description: String?
    /// `<html lang>` (or `xml:lang`), else `<meta http-equiv="Content-Language">`, as written.
    package var lang: String?
    /// `href` of `<a>` and `<area>` in document order, unresolved, trimmed; `javascript:` and
    /// empty ones dropped.
    package var links: [String]
    /// The WHATWG name of the encoding the bytes were decoded from (e.g. `UTF-8`, `Shift_JIS`).
    package var encoding: String
    /// Where `encoding` came from.
    package var encodingSource: CharsetSource
    /// `<link rel="canonical" href>`, unresolved.
    package var canonicalURL: String?
    /// `<base href>`, against which `links` resolve.
    package var baseURL: String?
    /// True when parsing stopped early: `text` reached `Limits.maxTextBytes`, or elements nested
    /// deeper than 2048 (pathological pages that would make libxml2 quadratic). What came
    /// before is kept; the rest of the page was not parsed.
    package var truncated: Bool

    package init(
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
    package struct Limits: Sendable {
        /// Bytes of input parsed; the rest is ignored. Bounds the worst case of libxml2's
        /// linear-per-error recovery on hostile pages to seconds.
        package var maxInputBytes = 32 << 20
        /// Bytes of main text (and, separately, of boilerplate text) kept.
        package var maxTextBytes = 4 << 20
        package var maxTitleBytes = 2048
        package var maxDescriptionBytes = 8192
        package var maxLinks = 10_000
        /// Longer hrefs (data: URLs, tracking blobs) are dropped.
        package var maxLinkBytes = 4096

        package init() {}
        package static let `default` = Limits()
    }
}
