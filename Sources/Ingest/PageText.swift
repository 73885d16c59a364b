/// What an HTML extractor returns for one page; the seam between ingest and HTMLText.
public struct PageText: Sendable {
    public var title: String?
    public var text: String
    public var description: String?
    public var lang: String?
    public var links: [String]

    public init(title: String?, text: String, description: String?, lang: String?, links: [String]) {
        self.title = title
        self.text = text
        self.description = description
        self.lang = lang
        self.links = links
    }
}

/// Extracts a page's text from HTML bytes, given the charset HTTP declared (if any).
public typealias HTMLExtraction = @Sendable (UnsafeRawBufferPointer, _ httpCharset: String?) -> PageText
