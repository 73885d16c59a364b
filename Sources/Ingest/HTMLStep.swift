import HTMLText

extension DocumentBuilder {
    /// The builder with the project's HTML step: libxml2 SAX extraction from HTMLText
    /// (charset decided as browsers do, boilerplate left out). Use this unless testing framing.
    /// `links: false` leaves each page's links out of its `PageText` (and the document): a
    /// build stores none, and collecting them was about 1% of its CPU.
    public static func standard(limits: Limits = Limits(), links: Bool = true) -> DocumentBuilder {
        DocumentBuilder(html: links ? HTMLStep.extract : HTMLStep.extractWithoutLinks, limits: limits)
    }
}

/// The one call from ingest into HTMLText.
enum HTMLStep {
    @Sendable static func extract(_ bytes: UnsafeRawBufferPointer, httpCharset: String?) -> PageText {
        page(HTMLExtractor.extract(bytes, httpCharset: httpCharset))
    }

    @Sendable static func extractWithoutLinks(_ bytes: UnsafeRawBufferPointer, httpCharset: String?) -> PageText {
        var limits = HTMLExtractor.Limits.default
        limits.maxLinks = 0
        return page(HTMLExtractor.extract(bytes, httpCharset: httpCharset, limits: limits))
    }

    private static func page(_ x: ExtractedHTML) -> PageText {
        PageText(title: x.title, text: x.text, description: x.description, lang: x.lang, links: x.links)
    }
}
