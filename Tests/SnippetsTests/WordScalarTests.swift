import Testing

@testable import Snippets

/// The snippet scanner's table of word scalars (WordScalars.swift, generated) answers as the
/// stdlib's Unicode properties do for every scalar: the wasm module links the table instead of
/// the stdlib's property tables, and must cut snippets where the CLI does.
@Suite struct WordScalarTests {
    @Test func tableMatchesTheStdlibForEveryScalar() {
        var wrong: [UInt32] = []
        for v in UInt32(0x80)...0x10_FFFF {
            let expected = Unicode.Scalar(v).map { s in
                let p = s.properties
                return p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
            }
            if TextScan.isWordScalar(v) != (expected ?? false) { wrong.append(v) }
        }
        #expect(wrong.isEmpty, "run Pipelines/gen_word_scalars.swift again; first: \(wrong.prefix(8).map { String($0, radix: 16) })")
    }

    @Test func spacedWordScalars() {
        #expect(TextScan.isSpacedWordScalar(0xE9))  // é
        #expect(TextScan.isSpacedWordScalar(0x0301))  // combining acute (Mn)
        #expect(TextScan.isSpacedWordScalar(0x0663))  // Arabic-Indic three (numeric)
        #expect(!TextScan.isSpacedWordScalar(0x2014))  // em dash
        #expect(!TextScan.isSpacedWordScalar(0x4E2D))  // 中: unspaced, may be cut anywhere
        #expect(!TextScan.isSpacedWordScalar(0x10FFFF))
    }
}
