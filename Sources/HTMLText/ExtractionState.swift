import CLibXML2

/// The SAX consumer: tracks which open elements hide their text and routes character data to
/// the main, boilerplate or title buffer. Lives in manually allocated memory so that the C
/// callbacks reach it through `userData` without reference counting.
struct ExtractionState {
    var main: TextSink
    var boilerplate: TextSink
    var title: TextSink
    var description: TextSink
    var ogDescription: TextSink
    var lang: String?
    var metaLang: String?
    var links: [String] = []
    var canonicalURL: String?
    var baseURL: String?
    let limits: HTMLExtractor.Limits
    /// Set while parsing so a full main-text buffer can stop the parser.
    var parser: htmlParserCtxtPtr?

    /// One entry per open element: which counters it raised and the separator it owes on close.
    private var stack: [UInt16] = []
    /// Set when parsing stopped before the end (text full, or nesting too deep).
    private(set) var stopped = false
    private var skipDepth = 0, boilerplateDepth = 0, articleDepth = 0, preDepth = 0, foreignDepth = 0
    private var inTitle = false, titleDone = false, sawHTML = false

    /// libxml2 2.9 scans its whole element stack for every end tag, so a page nesting n
    /// elements and then closing n others costs O(n²); parsing stops at this depth (Chrome's
    /// parser stops nesting at 512; real pages stay far below).
    static let maxDepth = 2048
    private static let raisedSkip: UInt16 = 1, raisedBoilerplate: UInt16 = 2, raisedArticle: UInt16 = 4
    private static let raisedPre: UInt16 = 8, raisedForeign: UInt16 = 16, raisedTitle: UInt16 = 32
    private static let separatorShift: UInt16 = 8

    init(limits: HTMLExtractor.Limits, inputBytes: Int) {
        self.limits = limits
        main = TextSink(limit: limits.maxTextBytes, reserve: inputBytes / 2)
        boilerplate = TextSink(limit: limits.maxTextBytes)
        title = TextSink(limit: limits.maxTitleBytes)
        description = TextSink(limit: limits.maxDescriptionBytes)
        ogDescription = TextSink(limit: limits.maxDescriptionBytes)
    }

    // MARK: SAX events

    mutating func startElement(_ name: UnsafePointer<UInt8>, _ attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?) {
        let kind = ElementKind.of(name)
        var hide = false, boiler = false
        var href: UnsafePointer<UInt8>?, rel: UnsafePointer<UInt8>?, content: UnsafePointer<UInt8>?
        var metaName: UnsafePointer<UInt8>?, property: UnsafePointer<UInt8>?, httpEquiv: UnsafePointer<UInt8>?
        if var a = attributes {
            while let n = a[0] {
                let v = a[1]
                a += 2
                let (key, length) = packName(n)
                guard let v else {
                    if key == AttributeName.hidden && length == 6 { hide = true }
                    continue
                }
                switch (key, length) {
                case (AttributeName.href, 4): href = v
                case (AttributeName.class, 5), (AttributeName.id, 2):
                    if !kind.contains(.root), hasToken(v, in: boilerplateTokens) { boiler = true }
                    if kind.contains(.link), key == AttributeName.class, hasToken(v, in: permalinkTokens) { hide = true }
                case (AttributeName.role, 4):
                    if !kind.contains(.root), isBoilerplateRole(v) { boiler = true }
                case (AttributeName.hidden, 6): hide = true
                case (AttributeName.ariaHidden, 11): if equalsCaseless(v, "true") { hide = true }
                case (AttributeName.style, 5): if hidesByStyle(v) { hide = true }
                case (AttributeName.lang, 4), (AttributeName.xmlLang, 8):
                    if kind.contains(.html), !sawHTML, lang == nil { lang = trimmedString(v, limit: 64) }
                case (AttributeName.rel, 3): rel = v
                case (AttributeName.content, 7): content = v
                case (AttributeName.name, 4): metaName = v
                case (AttributeName.property, 8): property = v
                case (AttributeName.httpEquiv, 10): httpEquiv = v
                default: break
                }
            }
        }
        if kind.contains(.html) { sawHTML = true }
        if let href {
            if kind.contains(.link) {
                addLink(href)
            } else if kind.contains(.head) {
                if name[0] == 0x62 {  // <base>
                    if baseURL == nil { baseURL = trimmedString(href, limit: limits.maxLinkBytes) }
                } else if let rel, canonicalURL == nil, equalsCaseless(rel, "canonical") {
                    canonicalURL = trimmedString(href, limit: limits.maxLinkBytes)
                }
            }
        }
        if kind.contains(.meta), let content { meta(name: metaName, property: property, httpEquiv: httpEquiv, content: content) }

        var entry: UInt16 = 0
        if kind.contains(.skip) || hide { entry |= Self.raisedSkip; skipDepth += 1 }
        if kind.contains(.boilerplate) || boiler || (kind.contains(.headerFooter) && articleDepth == 0) {
            entry |= Self.raisedBoilerplate; boilerplateDepth += 1
        }
        if kind.contains(.article) { entry |= Self.raisedArticle; articleDepth += 1 }
        if kind.contains(.pre) { entry |= Self.raisedPre; preDepth += 1 }
        if kind.contains(.foreign) { entry |= Self.raisedForeign; foreignDepth += 1 }
        if kind.contains(.title), !titleDone, !inTitle, foreignDepth == 0 { entry |= Self.raisedTitle; inTitle = true }
        let separator: TextSink.Separator =
            kind.contains(.paragraph) ? .paragraph : kind.contains(.line) ? .line : kind.contains(.cell) ? .space : .none
        if separator != .none { separate(separator) }
        entry |= UInt16(separator.rawValue) << Self.separatorShift
        stack.append(entry)
        if stack.count >= Self.maxDepth { stop() }
    }

    mutating func endElement() {
        guard let entry = stack.popLast() else { return }  // libxml2 balances events; be safe anyway
        if entry & Self.raisedSkip != 0 { skipDepth -= 1 }
        if entry & Self.raisedBoilerplate != 0 { boilerplateDepth -= 1 }
        if entry & Self.raisedArticle != 0 { articleDepth -= 1 }
        if entry & Self.raisedPre != 0 { preDepth -= 1 }
        if entry & Self.raisedForeign != 0 { foreignDepth -= 1 }
        if entry & Self.raisedTitle != 0 { inTitle = false; titleDone = true }
        if let s = TextSink.Separator(rawValue: UInt8(entry >> Self.separatorShift)), s != .none { separate(s) }
    }

    mutating func characters(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if inTitle { title.append(p, count: n); return }
        if skipDepth > 0 { return }
        if boilerplateDepth > 0 {
            boilerplate.append(p, count: n, preformatted: preDepth > 0)
        } else {
            main.append(p, count: n, preformatted: preDepth > 0)
            if main.isFull { stop() }
        }
    }

    private mutating func stop() {
        stopped = true
        if let parser { xmlStopParser(parser) }
    }

    // MARK: Results

    func result(encoding: Charset, source: CharsetSource) -> ExtractedHTML {
        ExtractedHTML(
            title: title.nonEmptyString,
            text: main.isEmpty ? boilerplate.string : main.string,
            description: description.nonEmptyString ?? ogDescription.nonEmptyString,
            lang: lang ?? metaLang,
            links: links,
            encoding: encoding.rawValue,
            encodingSource: source,
            canonicalURL: canonicalURL,
            baseURL: baseURL,
            truncated: stopped
        )
    }

    // MARK: Helpers

    private mutating func separate(_ s: TextSink.Separator) {
        main.separate(s)
        boilerplate.separate(s)
    }

    private mutating func addLink(_ href: UnsafePointer<UInt8>) {
        guard links.count < limits.maxLinks, let link = trimmedString(href, limit: limits.maxLinkBytes) else { return }
        if link.utf8.count >= 11, equalsCaseless(link.utf8.prefix(11), "javascript:") { return }
        links.append(link)
    }

    private mutating func meta(
        name: UnsafePointer<UInt8>?, property: UnsafePointer<UInt8>?,
        httpEquiv: UnsafePointer<UInt8>?, content: UnsafePointer<UInt8>
    ) {
        if let name, description.isEmpty, equalsCaseless(name, "description") {
            description.append(cString: content)
        } else if let property, ogDescription.isEmpty, equalsCaseless(property, "og:description") {
            ogDescription.append(cString: content)
        } else if let httpEquiv, metaLang == nil, equalsCaseless(httpEquiv, "content-language") {
            metaLang = trimmedString(content, limit: 64)
        }
    }
}

// MARK: - Attribute tests (bytes only; values are NUL-terminated UTF-8 from libxml2)

/// Lowercased ASCII tokens of at most 8 bytes, packed; longer ones (up to 16) are looked up by
/// their first 8 bytes and then compared whole.
private struct TokenSet: Sendable {
    private let table: PackedTable<[UInt8]>

    init(_ words: [String]) {
        table = PackedTable(words.map { (pack($0), Array($0.utf8)) })
    }

    /// Whether `p[0..<n]`, ASCII-lowercased, is in the set.
    @inline(__always) func contains(_ p: UnsafePointer<UInt8>, count n: Int) -> Bool {
        guard n > 0, n <= 16 else { return false }
        var key: UInt64 = 0
        for k in 0..<min(n, 8) { key |= UInt64(asciiLower(p[k])) << (8 * UInt64(k)) }
        guard let word = table[key], word.count == n else { return false }
        for k in 8..<max(n, 8) where asciiLower(p[k]) != word[k] { return false }
        return true
    }
}

/// `class`/`id` tokens that mark navigation and page chrome. Whole tokens only, so
/// `has-sidebar` or `footnote` do not hide anything.
private let boilerplateTokens = TokenSet(
    [
        "nav", "navbar", "navigation", "menu", "sidebar", "sphinxsidebar", "footer", "breadcrumb", "breadcrumbs",
        "cookie-banner", "cookie-notice", "skip-link", "site-footer", "site-header", "site-nav",
    ])

/// `class` tokens of the permalink anchors documentation generators put after each heading
/// (`<a class="headerlink" href="#x">¶</a>`: Sphinx, MkDocs, Pelican; `header-anchor`:
/// VuePress/VitePress; `hash-link`: Docusaurus; `anchorjs-link`: AnchorJS). Their glyph is not
/// text: it would end every heading with `¶` in snippets.
private let permalinkTokens = TokenSet(["headerlink", "header-anchor", "hash-link", "anchorjs-link"])

/// ARIA landmark roles of page chrome (the first role token counts).
private let boilerplateRoles = TokenSet(
    ["navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "toolbar"])

/// Whether the space-separated attribute value `v` holds a token of `tokens`.
private func hasToken(_ v: UnsafePointer<UInt8>, in tokens: TokenSet) -> Bool {
    var i = 0
    while i < 4096 {
        while isASCIIWhitespace(v[i]) { i += 1 }
        if v[i] == 0 { return false }
        let start = i
        while v[i] != 0, !isASCIIWhitespace(v[i]) { i += 1 }
        if tokens.contains(v + start, count: i - start) { return true }
    }
    return false
}

private func isBoilerplateRole(_ v: UnsafePointer<UInt8>) -> Bool {
    var i = 0
    while isASCIIWhitespace(v[i]) { i += 1 }
    let start = i
    while v[i] != 0, !isASCIIWhitespace(v[i]) { i += 1 }
    return boilerplateRoles.contains(v + start, count: i - start)
}

/// `display:none` or `visibility:hidden` in an inline style.
private func hidesByStyle(_ v: UnsafePointer<UInt8>) -> Bool {
    var compact = [UInt8]()
    var i = 0
    while v[i] != 0, i < 512 {
        let c = v[i]
        if !isASCIIWhitespace(c) { compact.append(asciiLower(c)) }
        i += 1
    }
    return compact.contains(subsequence: Array("display:none".utf8)) || compact.contains(subsequence: Array("visibility:hidden".utf8))
}

func equalsCaseless(_ v: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
    let p = s.utf8Start
    for k in 0..<s.utf8CodeUnitCount where asciiLower(v[k]) != p[k] { return false }  // stops at v's NUL
    return v[s.utf8CodeUnitCount] == 0
}

func equalsCaseless(_ v: some Collection<UInt8>, _ s: StaticString) -> Bool {
    guard v.count == s.utf8CodeUnitCount else { return false }
    return zip(v, UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)).allSatisfy { asciiLower($0) == $1 }
}

/// The value with ASCII whitespace trimmed (inner runs collapsed only when there are any);
/// `nil` if empty or longer than `limit` bytes.
func trimmedString(_ v: UnsafePointer<UInt8>, limit: Int) -> String? {
    var start = 0
    while isASCIIWhitespace(v[start]) { start += 1 }
    var end = start, inner = false
    while v[end] != 0 {
        if isASCIIWhitespace(v[end]) { inner = true }
        end += 1
        if end - start > limit + 64 { return nil }
    }
    while end > start, isASCIIWhitespace(v[end - 1]) { end -= 1 }
    guard end > start, end - start <= limit else { return nil }
    if inner {
        var sink = TextSink(limit: limit)
        sink.append(v + start, count: end - start)
        return sink.string
    }
    return String(decoding: UnsafeBufferPointer(start: v + start, count: end - start), as: UTF8.self)
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
