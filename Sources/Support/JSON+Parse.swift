extension JSON {
    /// What the parser accepts beyond strict RFC 8259 JSON with integers only.
    public struct ParseOptions: Sendable {
        /// Nesting deeper than this is refused, never recursed into.
        public var maxDepth: Int
        /// Numbers with a fraction or exponent, and integers beyond `Int64`, parse as a finite
        /// `.number`; when false they are refused.
        public var allowsNonIntegers: Bool
        /// Repairs what real-world metadata gets wrong instead of refusing it: invalid UTF-8
        /// and lone surrogate escapes become U+FFFD, raw control characters in strings are
        /// kept, a leading byte-order mark is skipped, a repeated key keeps its first value.
        public var repairs: Bool

        public init(maxDepth: Int = 64, allowsNonIntegers: Bool = false, repairs: Bool = false) {
            self.maxDepth = maxDepth
            self.allowsNonIntegers = allowsNonIntegers
            self.repairs = repairs
        }

        /// Untrusted manifests and keys: integers only, valid UTF-8, no lone surrogates, no
        /// repeated keys, at most 64 levels.
        public static let strict = ParseOptions()
        /// Archive metadata (`pages.jsonl`, `datapackage.json`, site posts): any finite number,
        /// repairs as described above, at most 64 levels.
        public static let metadata = ParseOptions(allowsNonIntegers: true, repairs: true)
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// Byte offset of the failure in the input.
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Parses one JSON text (surrounding whitespace allowed). Throws `ParseError` for anything
    /// else, including trailing characters.
    public static func parse(_ bytes: [UInt8], options: ParseOptions = .strict) throws(ParseError) -> JSON {
        // Through a Result: `withUnsafeBytes` rethrows, which Embedded Swift (the wasm build) sees as `any Error`.
        try bytes.withUnsafeBytes { buf in Result { () throws(ParseError) in try parse(buf, options: options) } }.get()
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, options: ParseOptions = .strict) throws(ParseError) -> JSON {
        var p = Parser(b: bytes, options: options)
        if options.repairs, bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { p.i = 3 }
        p.skipSpace()
        let v = try p.value(0)
        p.skipSpace()
        guard p.i == bytes.count else { throw ParseError(offset: p.i, reason: "trailing characters") }
        return v
    }

    private struct Parser {
        let b: UnsafeRawBufferPointer
        let options: ParseOptions
        var i = 0

        init(b: UnsafeRawBufferPointer, options: ParseOptions) {
            self.b = b
            self.options = options
        }

        func fail(_ r: String, at offset: Int? = nil) -> ParseError { ParseError(offset: offset ?? i, reason: r) }

        mutating func skipSpace() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func literal(_ word: StaticString, _ v: JSON) throws(ParseError) -> JSON {
            let n = word.utf8CodeUnitCount
            guard i + n <= b.count else { throw fail("unexpected token") }
            for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail("unexpected token") }
            i += n
            return v
        }

        mutating func value(_ depth: Int) throws(ParseError) -> JSON {
            guard depth < options.maxDepth else { throw fail("nested too deeply") }
            guard i < b.count else { throw fail("unexpected end") }
            switch b[i] {
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                i += 1
                var items: [JSON] = []
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth + 1))
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated array") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected , or ]")
                }
            case UInt8(ascii: "{"):
                i += 1
                var o: [String: JSON] = [:]
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                while true {
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let keyOffset = i
                    let k = try string()
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                    i += 1
                    skipSpace()
                    let v = try value(depth + 1)
                    if o[k] == nil {
                        o[k] = v
                    } else if !options.repairs {
                        throw fail("duplicate key \(JSON.quoted(k))", at: keyOffset)
                    }
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated object") }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                    throw fail("expected , or }")
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try number()
            default:
                throw fail("unexpected character")
            }
        }

        func isDigit(_ k: Int) -> Bool { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 }

        /// RFC 8259 numbers: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
        mutating func number() throws(ParseError) -> JSON {
            let start = i
            let negative = b[i] == UInt8(ascii: "-")
            if negative { i += 1 }
            guard isDigit(i) else { throw fail("bad number", at: start) }
            if b[i] == UInt8(ascii: "0") {
                i += 1
                if isDigit(i) { throw fail("leading zero", at: start) }
            } else {
                while isDigit(i) { i += 1 }
            }
            var integral = true
            if i < b.count, b[i] == UInt8(ascii: ".") {
                integral = false
                i += 1
                guard isDigit(i) else { throw fail("bad number", at: start) }
                while isDigit(i) { i += 1 }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                integral = false
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard isDigit(i) else { throw fail("bad number", at: start) }
                while isDigit(i) { i += 1 }
            }
            if integral {
                // Accumulate negatively: Int64.min has no positive counterpart.
                var v: Int64 = 0
                var fits = true
                for k in (negative ? start + 1 : start)..<i {
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (s, o2) = m.subtractingReportingOverflow(Int64(b[k] - 0x30))
                    if o1 || o2 { fits = false; break }
                    v = s
                }
                if fits {
                    if negative { return .int(v) }
                    if v != .min { return .int(-v) }
                }
                guard options.allowsNonIntegers else { throw fail("integer out of range", at: start) }
            } else if !options.allowsNonIntegers {
                throw fail("only integers are allowed", at: start)
            }
            #if hasFeature(Embedded)
                // The module's strtod (Wasm/QueryCore/runtime.c) reads only integers up to 2^53,
                // all of which fit above: it would refuse every number that gets here.
                throw fail("number out of range", at: start)
            #else
                guard let d = Double(String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)),
                    d.isFinite
                else { throw fail("number out of range", at: start) }
                return .number(d)
            #endif
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard i + 4 <= b.count else { throw fail("bad \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("bad \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func string() throws(ParseError) -> String {
            let start = i
            i += 1
            var out: [UInt8] = []
            var run = i
            while true {
                guard i < b.count else { throw fail("unterminated string", at: start) }
                let c = b[i]
                if c == 0x22 {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[run..<i]))
                    i += 1
                    if options.repairs { return String(decoding: out, as: UTF8.self) }
                    guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8", at: start) }
                    return s
                }
                if c < 0x20, !options.repairs { throw fail("control character in string") }
                if c != 0x5C { i += 1; continue }
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[run..<i]))
                i += 1
                guard i < b.count else { throw fail("unterminated string", at: start) }
                let e = b[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    let escape = i - 2
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        if i + 6 <= b.count, b[i] == 0x5C, b[i + 1] == UInt8(ascii: "u") {
                            let save = i
                            i += 2
                            let low = try hex4()
                            if (0xDC00..<0xE000).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                i = save
                            }
                        }
                    }
                    let u: Unicode.Scalar
                    if let s = Unicode.Scalar(scalar), !(0xD800..<0xE000).contains(scalar) {
                        u = s
                    } else if options.repairs {
                        u = "\u{FFFD}"
                    } else {
                        throw fail("lone surrogate", at: escape)
                    }
                    UTF8.encode(u) { out.append($0) }
                default: throw fail("bad escape")
                }
                run = i
            }
        }
    }
}
