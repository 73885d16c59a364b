/// What an HTML element means for text extraction. libxml2 reports element and attribute names
/// lowercased and NUL-terminated; they are classified by their first eight bytes packed into a
/// `UInt64`, so a lookup allocates nothing.
struct ElementKind: OptionSet, Sendable {
    let rawValue: UInt16

    /// Content is never text (script, style, media fallbacks, form widgets, `<head>` clutter).
    static let skip = ElementKind(rawValue: 1 << 0)
    /// Navigation and asides: text kept aside, used only when a page has nothing else.
    static let boilerplate = ElementKind(rawValue: 1 << 1)
    /// `<header>`/`<footer>`: boilerplate for the page, content inside `<article>`/`<main>`.
    static let headerFooter = ElementKind(rawValue: 1 << 2)
    /// `<article>`/`<main>`: inside them, header and footer are the article's own.
    static let article = ElementKind(rawValue: 1 << 3)
    /// Starts and ends a paragraph (a blank line in the text).
    static let paragraph = ElementKind(rawValue: 1 << 4)
    /// Starts and ends a line.
    static let line = ElementKind(rawValue: 1 << 5)
    /// Separated from its neighbours by a space (table cells).
    static let cell = ElementKind(rawValue: 1 << 6)
    /// Whitespace is preformatted: line breaks survive.
    static let pre = ElementKind(rawValue: 1 << 7)
    static let title = ElementKind(rawValue: 1 << 8)
    /// Carries an `href` worth reporting (`<a>`, `<area>`).
    static let link = ElementKind(rawValue: 1 << 9)
    static let meta = ElementKind(rawValue: 1 << 10)
    static let html = ElementKind(rawValue: 1 << 11)
    /// `<link>` and `<base>`: canonical URL and base URL.
    static let head = ElementKind(rawValue: 1 << 12)
    /// SVG and MathML: a `<title>` inside is not the page title.
    static let foreign = ElementKind(rawValue: 1 << 13)
    /// Structural wrappers never treated as boilerplate by their class or id (a `class="has-sidebar"`
    /// on `<body>` must not hide the page).
    static let root = ElementKind(rawValue: 1 << 14)

    /// The kind of the element named `name` (lowercase, NUL-terminated); `[]` for inline elements.
    @inline(__always)
    static func of(_ name: UnsafePointer<UInt8>) -> ElementKind {
        let (key, length) = packName(name)
        if length > 8 {
            if length == 10, key == pack("blockquo") { return [.paragraph] }  // blockquote
            if length == 10, key == pack("figcapti") { return [.line] }  // figcaption
            return []
        }
        return table[key] ?? []
    }

    private static let table: PackedTable<ElementKind> = {
        var t = [(UInt64, ElementKind)]()
        func add(_ kind: ElementKind, _ names: String...) { for n in names { t.append((pack(n), kind)) } }
        add(
            .skip, "script", "style", "noscript", "template", "iframe", "object", "embed", "canvas", "audio",
            "video", "select", "datalist", "button", "textarea", "head", "frameset", "noframes", "applet")
        add([.skip, .foreign], "svg")
        add([.foreign, .line], "math")
        add([.boilerplate, .paragraph], "nav", "aside", "menu")
        add([.headerFooter, .paragraph, .root], "header", "footer")
        add([.article, .paragraph, .root], "article", "main")
        add([.line, .root], "body")
        add([.html, .root, .line], "html")
        add(
            .paragraph, "p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "hr", "figure",
            "address", "section", "form", "fieldset", "details", "center", "hgroup", "dialog", "search")
        add(
            .line, "div", "li", "dt", "dd", "tr", "br", "caption", "summary", "option", "legend",
            "tbody", "thead", "tfoot")
        add([.pre, .paragraph], "pre", "listing", "xmp")
        add(.cell, "td", "th", "img")
        add([.title, .line], "title")
        add(.link, "a", "area")
        add(.meta, "meta")
        add(.head, "link", "base")
        return PackedTable(t)
    }()
}

/// Packs the first eight bytes of a NUL-terminated name, and its length (capped at 64).
@inline(__always)
func packName(_ p: UnsafePointer<UInt8>) -> (UInt64, Int) {
    var key: UInt64 = 0
    var k = 0
    while k < 8 {
        let c = p[k]
        if c == 0 { return (key, k) }
        key |= UInt64(c) << (8 * UInt64(k))
        k += 1
    }
    while k < 64, p[k] != 0 { k += 1 }
    return (key, k)
}

/// The packed form of a name of at most eight ASCII bytes.
func pack(_ s: String) -> UInt64 {
    var key: UInt64 = 0
    for (k, c) in s.utf8.prefix(8).enumerated() { key |= UInt64(c) << (8 * UInt64(k)) }
    return key
}

/// Attribute names the extractor looks at, packed once.
enum AttributeName {
    static let href = pack("href"), lang = pack("lang"), xmlLang = pack("xml:lang")
    static let name = pack("name"), content = pack("content"), property = pack("property")
    static let rel = pack("rel"), role = pack("role"), hidden = pack("hidden"), style = pack("style")
    static let `class` = pack("class"), id = pack("id")
    /// Longer than eight bytes: compared on their first eight plus the length.
    static let httpEquiv = pack("http-equ"), ariaHidden = pack("aria-hid")
}
