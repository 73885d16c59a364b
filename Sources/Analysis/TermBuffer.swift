/// Analyzed terms in flat arrays, for the index builder's hot loop: one `bytes` array holding
/// every term back to back, `ends[i]` the end of term i in it, `positions[i]` its position.
/// Reuse one buffer per thread (`removeAll()` keeps the capacity), so analyzing a document
/// allocates nothing once the buffer has grown.
public struct TermBuffer: Sendable {
    /// All term bytes (UTF-8), back to back.
    public private(set) var bytes: [UInt8] = []
    /// End offset in `bytes` of each term; term i is `bytes[ends[i-1]..<ends[i]]` (from 0 for i = 0).
    public private(set) var ends: [Int32] = []
    /// Position of each term (see `TokenKind` for which terms share a position).
    public private(set) var positions: [Int32] = []
    /// Kind of each term.
    public private(set) var kinds: [TokenKind] = []
    /// Positions used so far: the field length for BM25, and where the next `analyze(into:)`
    /// into this buffer continues.
    public internal(set) var length: Int = 0
    /// Stems this buffer's thread has computed (kept by `removeAll()`).
    var stemCache = StemCache()

    public init() {}

    /// Number of terms.
    public var count: Int { ends.count }

    /// Byte range of term `i` in `bytes`.
    @inline(__always) public func range(_ i: Int) -> Range<Int> {
        (i == 0 ? 0 : Int(ends[i - 1]))..<Int(ends[i])
    }

    /// Term `i` as a string.
    public func term(_ i: Int) -> String { String(decoding: bytes[range(i)], as: UTF8.self) }

    /// Forgets the terms, keeping the capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
        kinds.removeAll(keepingCapacity: true)
        length = 0
    }

    @inline(__always)
    mutating func append(_ term: UnsafeBufferPointer<UInt8>, position: Int, kind: TokenKind) {
        bytes.append(contentsOf: term)
        ends.append(Int32(truncatingIfNeeded: bytes.count))
        positions.append(Int32(truncatingIfNeeded: position))
        kinds.append(kind)
    }
}

#if hasFeature(Embedded)
    // The wasm page's one sink type for the three below, so `Tokenizer.tokenize` is compiled once
    // rather than once per sink (the two copies more cost the page 24 KB). Same terms, positions
    // and ranges; it differs only in checking where they go per term.
    typealias TermBufferSink = AnyTokenSink
    typealias TokenArraySink = AnyTokenSink
    typealias SpanSink = AnyTokenSink

    struct AnyTokenSink: TokenSink {
        var buffer: TermBuffer
        let base: Int
        var spans: [TokenSpan] = []
        private let intoBuffer: Bool

        /// Into `buffer`, as `TermBufferSink`.
        init(buffer: TermBuffer, base: Int) {
            self.buffer = buffer
            self.base = base
            intoBuffer = true
        }

        /// Into `spans` (and `tokens`), as `SpanSink` and `TokenArraySink`.
        init() {
            buffer = TermBuffer()
            base = 0
            intoBuffer = false
        }

        var tokens: [Token] { spans.map { Token(term: $0.term, position: $0.position, kind: $0.kind) } }

        mutating func emit(_ term: UnsafeBufferPointer<UInt8>, position: Int, kind: TokenKind, source: Range<Int>) {
            if intoBuffer {
                buffer.append(term, position: base + position, kind: kind)
            } else {
                spans.append(TokenSpan(term: String(decoding: term, as: UTF8.self), position: position, kind: kind, utf8Range: source))
            }
        }
    }
#else
    /// Feeds tokenizer output into a `TermBuffer`, positions offset by where the buffer left off.
    struct TermBufferSink: TokenSink {
        var buffer: TermBuffer
        let base: Int

        @inline(__always)
        mutating func emit(_ term: UnsafeBufferPointer<UInt8>, position: Int, kind: TokenKind, source: Range<Int>) {
            buffer.append(term, position: base + position, kind: kind)
        }
    }

    /// Collects `Token`s (the convenient, allocating form).
    struct TokenArraySink: TokenSink {
        var tokens: [Token] = []

        mutating func emit(_ term: UnsafeBufferPointer<UInt8>, position: Int, kind: TokenKind, source: Range<Int>) {
            tokens.append(Token(term: String(decoding: term, as: UTF8.self), position: position, kind: kind))
        }
    }

    /// Collects `TokenSpan`s.
    struct SpanSink: TokenSink {
        var spans: [TokenSpan] = []

        mutating func emit(_ term: UnsafeBufferPointer<UInt8>, position: Int, kind: TokenKind, source: Range<Int>) {
            spans.append(TokenSpan(term: String(decoding: term, as: UTF8.self), position: position, kind: kind, utf8Range: source))
        }
    }
#endif
