import CLibXML2

/// Extracts title, main text, description, language and links from HTML with libxml2's SAX
/// parser (no DOM is built).
///
/// Thread-safe: each call owns its parser context; libxml2 is initialised once per process and
/// its error printing is silenced on every calling thread.
public enum HTMLExtractor {
    /// Extracts from raw document bytes.
    ///
    /// - Parameters:
    ///   - bytes: the HTTP payload as served (after content/transfer decoding), any encoding.
    ///   - httpCharset: the `charset` of the HTTP `Content-Type`, either the bare label or the
    ///     whole header value; `nil` when there was none.
    /// - Returns: the extracted fields. Never fails: malformed HTML is parsed as browsers would
    ///   recover, undecodable bytes become U+FFFD, and sizes are capped by `limits`.
    ///
    /// The encoding is chosen as browsers do (byte-order mark, HTTP charset, `<meta>` prescan of
    /// the first 1024 bytes, then UTF-8 — or windows-1252 when the bytes are mostly not UTF-8),
    /// decoded to UTF-8 here (U+FFFD for malformed input), and given to libxml2 as UTF-8 with
    /// `HTML_PARSE_IGNORE_ENC`, so libxml2's own guessing never switches encodings mid-document.
    public static func extract(
        _ bytes: UnsafeRawBufferPointer, httpCharset: String?,
        limits: Limits = .default
    ) -> ExtractedHTML {
        _ = libxml2Initialised
        let input = UnsafeRawBufferPointer(rebasing: bytes.prefix(min(limits.maxInputBytes, Int(Int32.max / 4))))
        let decision = decideCharset(input, httpCharset: httpCharset)
        let body = UnsafeRawBufferPointer(rebasing: input.dropFirst(decision.bomLength))
        let (decoded, charset) = decodeToUTF8(body, charset: decision.charset)
        let state = UnsafeMutablePointer<ExtractionState>.allocate(capacity: 1)
        state.initialize(to: ExtractionState(limits: limits, inputBytes: body.count))
        defer { state.deinitialize(count: 1); state.deallocate() }
        switch decoded {
        case .borrowed(let utf8): parse(utf8, into: state)
        case .owned(let utf8): utf8.withUnsafeBytes { parse($0, into: state) }
        }
        return state.pointee.result(encoding: charset, source: decision.source)
    }

    /// Convenience for callers holding an array.
    public static func extract(_ bytes: [UInt8], httpCharset: String?, limits: Limits = .default) -> ExtractedHTML {
        bytes.withUnsafeBytes { extract($0, httpCharset: httpCharset, limits: limits) }
    }

    private static let options = Int32(
        HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue
            | HTML_PARSE_NONET.rawValue | HTML_PARSE_NODEFDTD.rawValue | HTML_PARSE_IGNORE_ENC.rawValue)

    /// Parses valid UTF-8 with SAX events going to `state`.
    private static func parse(_ utf8: UnsafeRawBufferPointer, into state: UnsafeMutablePointer<ExtractionState>) {
        guard utf8.count > 0 else { return }
        if let safe = sanitizedForLibxml2(utf8) {
            return safe.withUnsafeBytes { parseSanitized($0, into: state) }
        }
        parseSanitized(utf8, into: state)
    }

    private static func parseSanitized(_ utf8: UnsafeRawBufferPointer, into state: UnsafeMutablePointer<ExtractionState>) {
        indexer_xml_silence_errors()
        guard let ctxt = htmlCreateMemoryParserCtxt(utf8.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(utf8.count))
        else { return }
        defer { htmlFreeParserCtxt(ctxt) }
        ctxt.pointee.sax.pointee = saxHandler()  // the context owns (and frees) its own copy
        ctxt.pointee.userData = UnsafeMutableRawPointer(state)
        htmlCtxtUseOptions(ctxt, options)
        // Without this libxml2 2.9 meets the first non-ASCII byte by searching the page for a
        // charset and then switching to ISO-8859-1: the bytes are UTF-8 already.
        xmlSwitchEncoding(ctxt, XML_CHAR_ENCODING_UTF8)
        state.pointee.parser = ctxt
        defer { state.pointee.parser = nil }
        htmlParseDocument(ctxt)
    }
}

private let libxml2Initialised: Void = xmlInitParser()

@inline(__always)
private func state(_ ctx: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<ExtractionState> {
    ctx.unsafelyUnwrapped.assumingMemoryBound(to: ExtractionState.self)
}

/// The SAX callbacks: only elements and character data; comments, processing instructions,
/// and script/style bodies (`cdataBlock`) are ignored; errors are dropped.
private func saxHandler() -> htmlSAXHandler {
    var h = htmlSAXHandler()
    h.startElement = { ctx, name, attributes in
        guard let name else { return }
        state(ctx).pointee.startElement(name, attributes)
    }
    h.endElement = { ctx, _ in state(ctx).pointee.endElement() }
    h.characters = { ctx, ch, len in
        guard let ch, len > 0 else { return }
        state(ctx).pointee.characters(ch, Int(len))
    }
    h.ignorableWhitespace = h.characters
    h.cdataBlock = { _, _, _ in }
    h.serror = { _, _ in }
    h.initialized = 0xDEED_BEAF  // XML_SAX2_MAGIC: makes libxml2 use `serror`
    return h
}
