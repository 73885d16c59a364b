import Testing

@testable import HTMLText

/// Bytes of an ASCII string with `\u{..}`-free escapes: pieces are either text or raw bytes.
private func bytes(_ parts: Any...) -> [UInt8] {
    var out = [UInt8]()
    for p in parts {
        switch p {
        case let s as String: out += Array(s.utf8)
        case let b as [UInt8]: out += b
        case let b as [Int]: out += b.map { UInt8($0) }
        default: Issue.record("bad part \(p)")
        }
    }
    return out
}

private func utf16(_ s: String, bigEndian: Bool) -> [UInt8] {
    var out: [UInt8] = bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]
    for u in s.utf16 {
        let hi = UInt8(u >> 8), lo = UInt8(u & 0xFF)
        out += bigEndian ? [hi, lo] : [lo, hi]
    }
    return out
}

/// "café “q” €" in windows-1252.
private let cafe1252: [UInt8] = [0x63, 0x61, 0x66, 0xE9, 0x20, 0x93, 0x71, 0x94, 0x20, 0x80]
/// "日本語のテキスト" in Shift_JIS.
private let japaneseSJIS: [UInt8] = [0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA, 0x82, 0xCC, 0x83, 0x65, 0x83, 0x4C, 0x83, 0x58, 0x83, 0x67]

@Suite struct CharsetTests {
    @Test func windows1252FromHTTPHeader() {
        let r = HTMLExtractor.extract(bytes("<p>", cafe1252, "</p>"), httpCharset: "text/html; charset=ISO-8859-1")
        #expect(r.text == "café “q” €")
        #expect(r.encoding == "windows-1252")
        #expect(r.encodingSource == .httpHeader)
    }

    @Test func windows1252FromMetaPrescan() {
        let r = HTMLExtractor.extract(
            bytes("<html><head><meta charset='windows-1252'><title>", cafe1252, "</title>"),
            httpCharset: nil)
        #expect(r.title == "café “q” €")
        #expect(r.encodingSource == .metaPrescan)
    }

    @Test func undeclaredLatin1IsSniffedAsWindows1252() {
        let r = HTMLExtractor.extract(bytes("<p>", cafe1252, " na", [0xEF], "ve</p>"), httpCharset: nil)
        #expect(r.text == "café “q” € naïve")
        #expect(r.encoding == "windows-1252")
        #expect(r.encodingSource == .sniffed)
    }

    @Test func undeclaredMostlyUTF8KeepsUTF8WithReplacement() {
        let r = HTMLExtractor.extract(bytes("<p>naïve café ", [0xE9], " 東京</p>"), httpCharset: nil)
        #expect(r.text == "naïve café \u{FFFD} 東京")
        #expect(r.encoding == "UTF-8")
    }

    @Test func malformedUTF8IsReplacedPerMaximalSubpart() {
        // E2 82 is a truncated three-byte sequence (one U+FFFD); C0 and 80 are each invalid.
        let r = HTMLExtractor.extract(bytes("<p>a", [0xE2, 0x82], "b", [0xC0, 0x80], "c</p>"), httpCharset: "utf-8")
        #expect(r.text == "a\u{FFFD}b\u{FFFD}\u{FFFD}c")
    }

    @Test func shiftJISFromMetaHTTPEquiv() {
        let page = bytes(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\">",
            "<title>", japaneseSJIS, "</title></head><body><p>", japaneseSJIS, "</p></body></html>")
        let r = HTMLExtractor.extract(page, httpCharset: nil)
        #expect(r.title == "日本語のテキスト")
        #expect(r.text == "日本語のテキスト")
        #expect(r.encoding == "Shift_JIS")
    }

    @Test func shiftJISWithABadByteKeepsTheRest() {
        // 0xA0 is not a Shift_JIS byte: one replacement, and the text after it survives.
        let page = bytes("<meta charset=sjis><p>", Array(japaneseSJIS[0..<6]), [0xA0], Array(japaneseSJIS[6...]), "</p>")
        let r = HTMLExtractor.extract(page, httpCharset: nil)
        #expect(r.text == "日本語\u{FFFD}のテキスト")
    }

    /// (HTTP label, encoded text, decoded text, encoding reported)
    @Test(
        arguments: [
            ("euc-kr", [0xC7, 0xD1, 0xB1, 0xB9, 0xBE, 0xEE], "한국어", "EUC-KR"),
            ("gb2312", [0xD6, 0xD0, 0xCE, 0xC4], "中文", "GBK"),
            ("koi8-r", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], "Привет", "KOI8-R"),
            ("iso-8859-7", [0xE1, 0xE2, 0xE3], "αβγ", "ISO-8859-7"),
        ] as [(String, [UInt8], String, String)])
    func otherLegacyEncodingsThroughIconv(_ label: String, _ encoded: [UInt8], _ text: String, _ encoding: String) {
        let r = HTMLExtractor.extract(bytes("<p>", encoded, "</p>"), httpCharset: label)
        #expect(r.text == text)
        #expect(r.encoding == encoding)
    }

    @Test func utf8BOMBeatsHeaderAndMeta() {
        let page = bytes([0xEF, 0xBB, 0xBF], "<meta charset=windows-1252><p>café</p>")
        let r = HTMLExtractor.extract(page, httpCharset: "windows-1252")
        #expect(r.text == "café")
        #expect(r.encodingSource == .byteOrderMark)
    }

    @Test(arguments: [false, true])
    func utf16WithBOM(bigEndian: Bool) {
        let page = utf16("<html><head><title>Ünïcödé 𝄞</title></head><body><p>日本語 text</p></body></html>", bigEndian: bigEndian)
        let r = HTMLExtractor.extract(page, httpCharset: "iso-8859-1")
        #expect(r.title == "Ünïcödé 𝄞")
        #expect(r.text == "日本語 text")
        #expect(r.encoding == (bigEndian ? "UTF-16BE" : "UTF-16LE"))
    }

    @Test func headerBeatsMeta() {
        let r = HTMLExtractor.extract(bytes("<meta charset=windows-1252><p>日本語</p>"), httpCharset: "utf-8")
        #expect(r.text == "日本語")
        #expect(r.encodingSource == .httpHeader)
    }

    @Test func libxml2DoesNotSwitchOnALaterMeta() {
        // The meta below says Shift_JIS but the header (which wins) says UTF-8; libxml2 must not
        // switch encodings when it reaches the meta.
        let page = bytes("<html><head><meta http-equiv=Content-Type content='text/html; charset=Shift_JIS'></head><body><p>日本語 café</p>")
        let r = HTMLExtractor.extract(page, httpCharset: "UTF-8")
        #expect(r.text == "日本語 café")
    }

    @Test func unknownHeaderLabelFallsThroughToMeta() {
        let r = HTMLExtractor.extract(bytes("<meta charset=windows-1252><p>", cafe1252, "</p>"), httpCharset: "x-no-such-charset")
        #expect(r.text == "café “q” €")
        #expect(r.encodingSource == .metaPrescan)
    }

    @Test(
        arguments: [
            ("<meta charset=\"koi8-r\">", .koi8R),
            ("<META CHARSET = ' Windows-1251 '>", .windows1251),
            ("<meta content='text/html; charset=euc-jp' http-equiv='content-type'>", .eucJP),
            ("<meta http-equiv=content-type content=\"text/html;charset=&quot;x\">", nil),
            // A content charset without the http-equiv pragma does not count.
            ("<meta content='text/html; charset=euc-jp'>", nil),
            // Commented out, inside another tag's attribute, or an unknown label: skipped.
            ("<!-- <meta charset=koi8-r> --><meta charset=big5>", .big5),
            ("<img alt='<meta charset=koi8-r>'><meta charset=gbk>", .gbk),
            ("<meta charset=bogus><meta charset=iso-8859-2>", .iso8859_2),
            // The first of a repeated attribute wins.
            ("<meta charset=latin2 charset=koi8-r>", .iso8859_2),
            ("<metax charset=koi8-r>", nil),
            ("<meta/charset=koi8-r>", .koi8R),
        ] as [(String, Charset?)])
    func prescanFollowsTheStandard(_ head: String, _ charset: Charset?) {
        #expect(Array(head.utf8).withUnsafeBytes { prescanMeta($0) } == charset)
    }

    @Test func utf16InAMetaMeansUTF8() {
        let r = HTMLExtractor.extract(Array("<meta charset=utf-16><p>é</p>".utf8), httpCharset: nil)
        #expect(r.encoding == "UTF-8")
    }

    @Test func prescanStopsAt1024Bytes() {
        let padding = "<!--" + String(repeating: "x", count: 1100) + "-->"
        let r = HTMLExtractor.extract(bytes(padding, "<meta charset=windows-1252><p>", cafe1252, "</p>"), httpCharset: nil)
        #expect(r.encodingSource == .sniffed)  // the meta was beyond the prescan; sniffed as legacy
    }

    @Test(
        arguments: [
            ("text/html; charset=UTF-8", .utf8),
            ("text/html;charset=\"Shift_JIS\"", .shiftJIS),
            ("text/html; Charset = 'latin1'", .windows1252),
            ("  utf8 ", .utf8),
            ("text/html", nil),
            ("text/html; charset=iso-2022-kr", nil),  // WHATWG "replacement"
        ] as [(String, Charset?)])
    func contentTypeParsing(_ contentType: String, _ charset: Charset?) {
        #expect(Charset(contentType: contentType) == charset)
    }

    @Test(arguments: Charset.allCases.filter { $0.iconvName != nil })
    func everyCharsetThatNeedsIconvOpens(_ c: Charset) throws {
        let name = try #require(c.iconvName)
        let out = Array("<p>abc</p>".utf8).withUnsafeBytes { decodeWithIconv($0, from: name) }
        #expect(out == Array("<p>abc</p>".utf8), "iconv cannot decode \(c.rawValue) as \(name)")
    }
}
