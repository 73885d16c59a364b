import Testing

@testable import Query

/// The lexer's scalar classes are spelled out (no `Unicode.Scalar.Properties`, whose tables the
/// wasm module would otherwise link) and answer as the stdlib does, for every scalar.
@Suite struct QueryLexerScalarTests {
    static let scalars = (UInt32(0)...0x10_FFFF).compactMap(Unicode.Scalar.init)

    @Test func spacesAreUnicodeWhiteSpaceAndControls() {
        let wrong = Self.scalars.filter { c in
            QueryLexer.isSpace(c) != (c.properties.isWhitespace || c.value < 0x20 || (0x7F...0x9F).contains(c.value))
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(8).map { String($0.value, radix: 16) })")
    }

    @Test func asciiLettersAndDigits() {
        let wrong = Self.scalars.filter { c in
            QueryLexer.isASCIILetter(c) != (c.isASCII && c.properties.isAlphabetic)
                || QueryLexer.isASCIIDigit(c) != (c.isASCII && c.properties.numericType != nil)
                || (QueryLexer.isASCIILetter(c) && (c.value < 0x61) != c.properties.isUppercase)
        }
        #expect(wrong.isEmpty, "\(wrong.prefix(8).map { String($0.value, radix: 16) })")
    }
}
