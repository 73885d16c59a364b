/// A small JSON reader for the metadata ingest meets (WACZ `datapackage.json`, `pages.jsonl`,
/// site posts and profiles). Bounded: nesting deeper than `maxDepth` is rejected, never recursed.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case let (.bool(x), .bool(y)): x == y
        case let (.number(x), .number(y)): x == y
        case let (.string(x), .string(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var number: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "invalid JSON at byte \(offset): \(message)" }
    }

    public static let maxDepth = 64

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0) }
    }

    public static func parse(_ b: UnsafeRawBufferPointer) throws -> JSONValue {
        var p = JSONParser(b: b)
        p.skipSpace()
        if p.k + 3 <= b.count, b[p.k] == 0xEF, b[p.k + 1] == 0xBB, b[p.k + 2] == 0xBF { p.k += 3 }
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.k == b.count else { throw ParseError(offset: p.k, message: "trailing characters") }
        return v
    }
}

private struct JSONParser {
    let b: UnsafeRawBufferPointer
    var k = 0

    init(b: UnsafeRawBufferPointer) { self.b = b }

    func fail(_ m: String) -> JSONValue.ParseError { JSONValue.ParseError(offset: k, message: m) }

    mutating func skipSpace() {
        while k < b.count, b[k] == 0x20 || b[k] == 0x0A || b[k] == 0x0D || b[k] == 0x09 { k += 1 }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
        for c in word.utf8 {
            guard k < b.count, b[k] == c else { throw fail("expected \(word)") }
            k += 1
        }
        return v
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < JSONValue.maxDepth else { throw fail("nested too deeply") }
        skipSpace()
        guard k < b.count else { throw fail("unexpected end") }
        switch b[k] {
        case 0x7B:
            k += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if k < b.count, b[k] == 0x7D { k += 1; return .object(members) }
            while true {
                skipSpace()
                guard k < b.count, b[k] == 0x22 else { throw fail("expected a key") }
                let key = try string()
                skipSpace()
                guard k < b.count, b[k] == 0x3A else { throw fail("expected ':'") }
                k += 1
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard k < b.count else { throw fail("unexpected end") }
                if b[k] == 0x2C { k += 1; continue }
                if b[k] == 0x7D { k += 1; return .object(members) }
                throw fail("expected ',' or '}'")
            }
        case 0x5B:
            k += 1
            var items: [JSONValue] = []
            skipSpace()
            if k < b.count, b[k] == 0x5D { k += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard k < b.count else { throw fail("unexpected end") }
                if b[k] == 0x2C { k += 1; continue }
                if b[k] == 0x5D { k += 1; return .array(items) }
                throw fail("expected ',' or ']'")
            }
        case 0x22: return .string(try string())
        case 0x74: return try literal("true", .bool(true))
        case 0x66: return try literal("false", .bool(false))
        case 0x6E: return try literal("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws -> JSONValue {
        let s = k
        while k < b.count, (b[k] >= 0x30 && b[k] <= 0x39) || b[k] == 0x2D || b[k] == 0x2B || b[k] == 0x2E || b[k] == 0x65 || b[k] == 0x45 { k += 1 }
        guard k > s, let d = Double(Bytes.string(b, s, k)) else { throw fail("invalid value") }
        return .number(d)
    }

    mutating func hex4() throws -> UInt32 {
        guard k + 4 <= b.count else { throw fail("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | d
            k += 1
        }
        return v
    }

    mutating func string() throws -> String {
        k += 1
        var out: [UInt8] = []
        var runStart = k
        while true {
            guard k < b.count else { throw fail("unterminated string") }
            let c = b[k]
            if c == 0x22 {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[runStart..<k]))
                k += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c != 0x5C { k += 1; continue }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: b[runStart..<k]))
            k += 1
            guard k < b.count else { throw fail("unterminated escape") }
            let e = b[k]
            k += 1
            switch e {
            case 0x22, 0x5C, 0x2F: out.append(e)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00, k + 6 <= b.count, b[k] == 0x5C, b[k + 1] == 0x75 {
                    k += 2
                    let low = try hex4()
                    scalar = low >= 0xDC00 && low < 0xE000 ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw fail("bad escape")
            }
            runStart = k
        }
    }
}

/// Writes JSON text: strings escaped per RFC 8259 (control characters as `\u00XX`).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    public init() { bytes.reserveCapacity(512) }

    private mutating func separate() {
        if let last = needsComma.last {
            if last { bytes.append(0x2C) }
            needsComma[needsComma.count - 1] = true
        }
    }

    /// Writes `"name":` inside an object; the value written next belongs to it.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(0x3A)
        needsComma[needsComma.count - 1] = false
        pendingKey = true
    }

    private var pendingKey = false

    private mutating func beforeValue() {
        if pendingKey {
            pendingKey = false
            needsComma[needsComma.count - 1] = true
        } else {
            separate()
        }
    }

    public mutating func string(_ s: String) { beforeValue(); appendString(s) }
    public mutating func number(_ n: Int64) { beforeValue(); bytes.append(contentsOf: Array(String(n).utf8)) }
    public mutating func bool(_ v: Bool) { beforeValue(); bytes.append(contentsOf: Array((v ? "true" : "false").utf8)) }
    public mutating func null() { beforeValue(); bytes.append(contentsOf: Array("null".utf8)) }

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beforeValue()
        bytes.append(0x7B)
        needsComma.append(false)
        body(&self)
        bytes.append(0x7D)
        needsComma.removeLast()
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        beforeValue()
        bytes.append(0x5B)
        needsComma.append(false)
        body(&self)
        bytes.append(0x5D)
        needsComma.removeLast()
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendString(_ s: String) {
        bytes.append(0x22)
        var copy = s
        copy.withUTF8 { u in
            var run = 0
            for k in 0..<u.count {
                let c = u[k]
                guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<k]))
                switch c {
                case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
                case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
                case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
                default:
                    bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, Self.hexDigits[Int(c >> 4)], Self.hexDigits[Int(c & 15)]])
                }
                run = k + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<u.count]))
        }
        bytes.append(0x22)
    }
}
