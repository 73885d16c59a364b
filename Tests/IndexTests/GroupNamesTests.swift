import Support
import Testing

@testable import Index

/// Group names are shown on terminals: control characters (general category Cc, C0 and C1)
/// are dropped, every other character kept, and a name is at most 64 scalars.
@Suite struct GroupNamesTests {
    @Test func controlCharactersAreDropped() throws {
        let key = try GroupKey(seed: Array(repeating: 5, count: 32))
        let name = "\u{7}A\u{85}B\u{9F}C\u{A0}D é\u{200B}\u{1B}[31m" + String(repeating: "x", count: 80)
        let bytes = try GroupNames.signed(["g": name], key: key, created: "2026-01-01T00:00:00Z")
        let shown = try #require(GroupNames.verified(bytes, signer: key.publicKey)?["g"])
        let expected = String(String.UnicodeScalarView(name.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(64)))
        #expect(shown == expected)
        #expect(shown.hasPrefix("ABC\u{A0}D é\u{200B}[31m"))
        #expect(shown.unicodeScalars.count == 64)
    }
}
