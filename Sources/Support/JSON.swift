/// A small JSON model with one canonical serialization (keys sorted by UTF-8 bytes, no
/// whitespace, minimal escapes) so manifests can be signed and re-verified, a pretty form for
/// people, and one bounded parser (`JSON+Parse.swift`) for untrusted manifests and for the
/// metadata ingest meets (WACZ `datapackage.json`, `pages.jsonl`, site posts and profiles).
///
/// Integers are `.int`; `.number` holds the non-integers (and integers beyond `Int64`) that
/// only `ParseOptions.metadata` accepts. Object members are unordered: writers sort the keys.
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { o[key] } else { nil }
    }
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var int: Int64? { if case .int(let i) = self { i } else { nil } }
    /// The value of `.number` or `.int` as a `Double`.
    public var number: Double? {
        switch self {
        case .number(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
    public var array: [JSON]? { if case .array(let a) = self { a } else { nil } }
    public var object: [String: JSON]? { if case .object(let o) = self { o } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
}

// MARK: - Writing

extension JSON {
    /// The canonical bytes: keys sorted by UTF-8 bytes, no whitespace, minimal escapes
    /// (`appendQuoted`). What manifest signatures cover.
    public var canonical: [UInt8] {
        var out: [UInt8] = []
        write(&out, indent: nil, depth: 0)
        return out
    }

    /// Indented by two spaces with `": "` after keys and a final newline, for people; same
    /// content and key order as `canonical`.
    public var pretty: String {
        var out: [UInt8] = []
        write(&out, indent: 2, depth: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    private func write(_ out: inout [UInt8], indent: Int?, depth: Int) {
        func newline(_ d: Int) {
            guard let indent else { return }
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * d))
        }
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .number(let d): JSON.appendNumber(d, to: &out)
        case .string(let s): JSON.appendQuoted(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                v.write(&out, indent: indent, depth: depth + 1)
            }
            if !a.isEmpty { newline(depth) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                JSON.appendQuoted(k, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                o[k]!.write(&out, indent: indent, depth: depth + 1)
            }
            if !o.isEmpty { newline(depth) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A finite double in Swift's shortest round-trip form (valid JSON); `null` otherwise.
    static func appendNumber(_ d: Double, to out: inout [UInt8]) {
        #if hasFeature(Embedded)
            // No `.number` exists in the module (its parser makes none): Double's printing is
            // left out of it.
            fatalError("JSON .number in the wasm module")
        #else
            out.append(contentsOf: (d.isFinite ? d.description : "null").utf8)
        #endif
    }

    /// Appends `s` as a JSON string literal: the one escaper every JSON writer here uses.
    ///
    /// Minimal RFC 8259 escaping: `"` and `\` backslashed, `\n` `\r` `\t` by name, other
    /// control characters below U+0020 as `\u00xx` (lower-case hex), everything else (U+007F,
    /// U+2028, U+2029, all non-ASCII) as raw UTF-8. The output is a function of the string's
    /// scalars, so equal strings always give equal bytes (what canonical manifests rely on).
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var copy = s
        copy.withUTF8 { u in
            var run = 0
            for k in 0..<u.count {
                let c = u[k]
                guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<k]))
                switch c {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                default: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, Hex.digits[Int(c >> 4)], Hex.digits[Int(c & 15)]])
                }
                run = k + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<u.count]))
        }
        out.append(0x22)
    }

    /// `s` as a JSON string literal (`appendQuoted`), for writers that build JSON text.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
