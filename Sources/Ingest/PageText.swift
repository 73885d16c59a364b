/// What an HTML extractor returns for one page; the seam between ingest and HTMLText.
package struct PageText: Sendable {
    package var title: String?
    package var text: String
    package var description: String?
    package var lang: String?
    package var links: [String]

    package init(title: String?, text: String, description: String?, lang: String?, links: [String]) {
        self.title = title
        self.text = text
        self.description = description
        self.lang = lang
        self.links = links
    }
}

/// Extracts a page's text from HTML bytes, given the charset HTTP declared (if any).
package typealias HTMLExtraction = @Sendable (UnsafeRawBufferPointer, _ httpCharset: String?) -> PageText
