import HTMLText

extension DocumentBuilder {
    /// The builder with the project's HTML step: libxml2 SAX extraction from HTMLText
    /// (charset decided as browsers do, boilerplate left out). Use this unless testing framing.
    public static func standard(limits: Limits = Limits()) -> DocumentBuilder {
        DocumentBuilder(html: HTMLStep.extract, limits: limits)
    }
}

/// The one call from ingest into HTMLText.
enum HTMLStep {
    @Sendable static func extract(_ bytes: UnsafeRawBufferPointer, httpCharset: String?) -> PageText {
        let x = HTMLExtractor.extract(bytes, httpCharset: httpCharset)
        return PageText(title: x.title, text: x.text, description: x.description, lang: x.lang, links: x.links)
    }
}
