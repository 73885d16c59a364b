/// What a token is. Positions: words, identifier parts and CJK grams advance the position by
/// one; a compound shares the position of its first part.
public enum TokenKind: UInt8, Sendable {
    /// A word, or one part of an identifier (`std`, `vec`).
    case word = 0
    /// The catenation of an identifier's parts (`std::vec` → `stdvec`, `UTF-8` → `utf8`,
    /// `x86_64` → `x8664`), or a word with its `++`/`#` suffix (`c++`, `c#`).
    case compound = 1
    /// Two adjacent scalars of a script written without spaces (or one, when the run is one long).
    case bigram = 2
}

/// Receives tokens from the tokenizer; `term` is only valid during the call. `source` is the
/// byte range of the text the term came from (for highlighting).
protocol TokenSink {
    mutating func emit(_ term: UnsafeBufferPointer<UInt8>, position: Int, kind: TokenKind, source: Range<Int>)
}

typealias PartTuple = (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)

@inline(__always) func load(_ t: PartTuple, _ k: Int) -> Int {
    withUnsafeBytes(of: t) { $0.load(fromByteOffset: k * MemoryLayout<Int>.stride, as: Int.self) }
}

@inline(__always) func store(_ t: inout PartTuple, _ k: Int, _ v: Int) {
    withUnsafeMutableBytes(of: &t) { $0.storeBytes(of: v, toByteOffset: k * MemoryLayout<Int>.stride, as: Int.self) }
}

/// Splits UTF-8 text into folded (and, for English, stemmed) terms. One pass over the bytes:
/// ASCII is classified inline; other scalars through `ScalarTables`. All scratch space is
/// caller-provided and fixed-size, so tokenizing allocates nothing.
///
/// Rules (see `Analyzer` for the user-facing summary):
/// - A word is a run of letters, digits and combining marks; `'`/`’` between letters is dropped
///   (`don't` → `dont`); soft hyphens and joiners vanish.
/// - Words joined by a single `-` `_` `.` (or `::`, or `,` between digits) with no space form an
///   identifier: each part is a word, and the catenation is a `.compound` at the first part's
///   position. At most `maxParts` parts are joined.
/// - Terms longer than `maxTermBytes` (after folding) are dropped; they still take a position.
/// - Bigram scripts (Han, kana, Hangul, Thai…) give overlapping bigrams.
struct Tokenizer {
    static let maxTermBytes = 64
    static let maxParts = 16
    /// Scratch the caller must provide (`Tokenizer.scratchBytes` bytes).
    static let scratchBytes = maxParts * maxTermBytes + 16 + 64 + maxTermBytes + 16

    private let tables = ScalarTables.shared
    private let stem: Bool
    private var stemmer: EnglishStemmer

    /// The word being read is written straight after the identifier parts before it.
    private var wordStart = 0
    private var wordLength = 0
    private var wordOverflow = false
    private var wordIsASCIILetters = true
    private var wordEndsWithDigit = false

    private let parts: UnsafeMutablePointer<UInt8>  // maxParts * maxTermBytes + 16 (stemming grows a word by ≤ 2)
    private var partEnds: PartTuple = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)  // maxParts
    /// Byte range in the text of the word being read and of each part.
    private var wordSourceStart = 0, wordSourceEnd = 0, suffixSourceEnd = 0
    private var partSourceStarts: PartTuple = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var partSourceEnds: PartTuple = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    private var partStemmable: UInt32 = 0  // bit per part
    private var partDropped: UInt32 = 0  // bit per part: too long, takes a position only
    private var partCount = 0
    private var compoundBroken = false  // more than maxParts: no catenation
    private var suffix: StaticString? = nil

    private let gram: UnsafeMutablePointer<UInt8>  // two scalars' folded bytes
    private var previousScalarLength = 0
    private var previousScalarSource = 0..<0
    private var gramRun = 0

    private let stemBuffer: UnsafeMutablePointer<UInt8>  // maxTermBytes + 16
    /// `StemCache.slots` entries, or nil when the caller keeps no cache.
    var stemCache: UnsafeMutablePointer<StemCache.Entry>?
    private(set) var position = 0

    init(scratch: UnsafeMutablePointer<UInt8>, stem: Bool) {
        parts = scratch
        gram = parts + Self.maxParts * Self.maxTermBytes + 16
        stemBuffer = gram + 64
        stemmer = EnglishStemmer(buffer: stemBuffer, capacity: Self.maxTermBytes + 16)
        self.stem = stem
    }

    // MARK: The scan

    mutating func tokenize<S: TokenSink>(_ text: UnsafeRawBufferPointer, into sink: inout S) {
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = text.count
        var i = 0
        while i < n {
            let b = base[i]
            if b < 0x80 {
                if isASCIIWordByte(b) {
                    if gramRun > 0 { endGrams(&sink) }
                    if wordLength == 0 && !wordOverflow { wordSourceStart = i }
                    appendByte(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
                    i += 1
                    wordSourceEnd = i
                    continue
                }
                if wordLength > 0 || wordOverflow, let joiner = joiner(b, base, i, n) {
                    switch joiner {
                    case .vanishes: break
                    case .joinsParts: endPart(&sink)
                    case .suffix(let s):
                        endPart(&sink)
                        suffix = s
                        suffixSourceEnd = i + s.utf8CodeUnitCount
                        endCompound(&sink)
                    }
                    i += joiner.length
                    continue
                }
                endPart(&sink)
                endCompound(&sink)
                if gramRun > 0 { endGrams(&sink) }
                i += 1
                continue
            }
            let (v, k) = decodeScalar(base, i, n)
            switch tables.scalarClass(v) {
            case .letter:
                if gramRun > 0 { endGrams(&sink) }
                if wordLength == 0 && !wordOverflow { wordSourceStart = i }
                appendFolded(v, base + i, k)
                wordSourceEnd = i + k
            case .mark, .ignorable:
                if wordLength > 0 || wordOverflow {
                    appendFolded(v, base + i, k)
                    wordSourceEnd = i + k
                }
            case .bigram:
                endPart(&sink)
                endCompound(&sink)
                gramScalar(v, base + i, k, i..<(i + k), &sink)
            case .apostrophe where (wordLength > 0 || wordOverflow) && startsWord(base, i + k, n, lettersOnly: true):
                break
            case .hyphen where (wordLength > 0 || wordOverflow) && startsWord(base, i + k, n):
                endPart(&sink)
            default:
                endPart(&sink)
                endCompound(&sink)
                if gramRun > 0 { endGrams(&sink) }
            }
            i += k
        }
        endPart(&sink)
        endCompound(&sink)
        if gramRun > 0 { endGrams(&sink) }
    }

    /// What ASCII punctuation right after a word does to it.
    private enum Joiner {
        /// `'` between letters: dropped, the word goes on.
        case vanishes
        /// `-` `_` `.` `::` (and `,` between digits) before another word: the next identifier part.
        case joinsParts(length: Int)
        /// `++` or `#` ending a word (`c++`, `c#`): kept on the compound.
        case suffix(StaticString)

        var length: Int {
            switch self {
            case .vanishes: return 1
            case .joinsParts(let n): return n
            case .suffix(let s): return s.utf8CodeUnitCount
            }
        }
    }

    /// `nil` when the punctuation at `i` simply ends the word and the identifier.
    @inline(__always)
    private func joiner(_ b: UInt8, _ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Joiner? {
        switch b {
        case 0x27:  // '
            return startsWord(p, i + 1, n, lettersOnly: true) ? .vanishes : nil
        case 0x2D, 0x5F, 0x2E:  // - _ .
            return startsWord(p, i + 1, n) ? .joinsParts(length: 1) : nil
        case 0x2C:  // , between digits (10,000)
            return wordEndsWithDigit && i + 1 < n && p[i + 1] >= 0x30 && p[i + 1] <= 0x39 ? .joinsParts(length: 1) : nil
        case 0x3A:  // ::
            return i + 1 < n && p[i + 1] == 0x3A && startsWord(p, i + 2, n) ? .joinsParts(length: 2) : nil
        case 0x2B:  // ++
            let ok = i + 1 < n && p[i + 1] == 0x2B && !startsWord(p, i + 2, n) && !(i + 2 < n && p[i + 2] == 0x2B)
            return ok ? .suffix("++") : nil
        case 0x23:  // #
            return !startsWord(p, i + 1, n) && !(i + 1 < n && p[i + 1] == 0x23) ? .suffix("#") : nil
        default:
            return nil
        }
    }

    /// Whether a word (a letter, or with `lettersOnly` false also a digit) starts at `j`.
    @inline(__always)
    private func startsWord(_ p: UnsafePointer<UInt8>, _ j: Int, _ n: Int, lettersOnly: Bool = false) -> Bool {
        guard j < n else { return false }
        let c = p[j]
        if c < 0x80 {
            return lettersOnly ? ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) : isASCIIWordByte(c)
        }
        return tables.scalarClass(decodeScalar(p, j, n).0) == .letter
    }

    // MARK: Words and identifiers

    @inline(__always)
    private mutating func appendByte(_ c: UInt8) {
        guard wordLength < Self.maxTermBytes else { wordOverflow = true; return }
        parts[wordStart + wordLength] = c
        wordLength += 1
        let digit = c <= 0x39
        wordEndsWithDigit = digit
        if digit { wordIsASCIILetters = false }
    }

    @inline(__always)
    private mutating func appendFolded(_ v: UInt32, _ raw: UnsafePointer<UInt8>, _ k: Int) {
        let (bytes, count): (UnsafePointer<UInt8>, Int)
        if let f = tables.fold(v) { (bytes, count) = (UnsafePointer(f.0), f.1) } else { (bytes, count) = (raw, k) }
        guard count > 0 else { return }
        guard wordLength + count <= Self.maxTermBytes else { wordOverflow = true; return }
        let word = parts + wordStart
        for j in 0..<count {
            let c = bytes[j]
            word[wordLength + j] = c
            if !((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) { wordIsASCIILetters = false }
        }
        wordLength += count
        wordEndsWithDigit = count == 1 && bytes[0] <= 0x39
    }

    /// Ends the current word; it becomes the next part of the current identifier.
    private mutating func endPart<S: TokenSink>(_ sink: inout S) {
        guard wordLength > 0 || wordOverflow else { return }
        if partCount == Self.maxParts {
            // Too many parts for one identifier: give out those so far, move this word to the front.
            let current = wordStart
            flushParts(&sink, catenate: false)
            copyBytes(parts, from: parts + current, count: wordLength)
            wordStart = 0
            compoundBroken = true
        }
        let bit = UInt32(1) << UInt32(partCount)
        if wordOverflow {
            partDropped |= bit
        } else if wordIsASCIILetters {
            partStemmable |= bit
        }
        let end = wordOverflow ? wordStart : wordStart + wordLength
        setPartEnd(partCount, end)
        store(&partSourceStarts, partCount, wordSourceStart)
        store(&partSourceEnds, partCount, wordSourceEnd)
        partCount += 1
        wordStart = end
        wordLength = 0
        wordOverflow = false
        wordIsASCIILetters = true
        wordEndsWithDigit = false
    }

    private mutating func endCompound<S: TokenSink>(_ sink: inout S) {
        if partCount > 0 { flushParts(&sink, catenate: !compoundBroken) }
        compoundBroken = false
        suffix = nil
    }

    /// Emits the catenation (when there are 2+ parts or a `++`/`#` suffix) and then each part.
    private mutating func flushParts<S: TokenSink>(_ sink: inout S, catenate: Bool) {
        defer {
            partCount = 0
            partStemmable = 0
            partDropped = 0
            wordStart = 0
        }
        if partCount == 1, suffix == nil {  // a plain word, the common case: stemmed in place
            if partDropped == 0 {
                emit(
                    parts, partEnd(0), stemmable: partStemmable != 0, kind: .word, inPlace: true,
                    source: load(partSourceStarts, 0)..<load(partSourceEnds, 0), &sink)
            }
            position += 1
            return
        }
        let total = partEnd(partCount - 1)
        let whole = load(partSourceStarts, 0)..<(suffix != nil ? suffixSourceEnd : load(partSourceEnds, partCount - 1))
        if catenate, partDropped == 0 {
            if let suffix {
                let n = suffix.utf8CodeUnitCount
                if total + n <= Self.maxTermBytes {
                    copyBytes(stemBuffer, from: parts, count: total)
                    copyBytes(stemBuffer + total, from: suffix.utf8Start, count: n)
                    sink.emit(
                        UnsafeBufferPointer(start: stemBuffer, count: total + n), position: position, kind: .compound,
                        source: whole)
                }
            } else if total <= Self.maxTermBytes {
                let all = partStemmable == (UInt32(1) << UInt32(partCount)) - 1
                emit(parts, total, stemmable: all, kind: .compound, inPlace: false, source: whole, &sink)
            }
        }
        var start = 0
        for k in 0..<partCount {
            let end = partEnd(k)
            if partDropped & (1 << UInt32(k)) == 0 {
                emit(
                    parts + start, end - start, stemmable: partStemmable & (1 << UInt32(k)) != 0, kind: .word,
                    inPlace: false, source: load(partSourceStarts, k)..<load(partSourceEnds, k), &sink)
            }
            position += 1
            start = end
        }
    }

    /// Emits `p[0..<n]` at the current position, stemmed when asked and possible; `inPlace`
    /// lets the stemmer work on (and grow) the bytes where they are.
    @inline(__always)
    private mutating func emit<S: TokenSink>(
        _ p: UnsafeMutablePointer<UInt8>, _ n: Int, stemmable: Bool,
        kind: TokenKind, inPlace: Bool, source: Range<Int>, _ sink: inout S
    ) {
        guard stem, stemmable, n >= 3 else {
            sink.emit(UnsafeBufferPointer(start: p, count: n), position: position, kind: kind, source: source)
            return
        }
        let target = inPlace ? p : stemBuffer
        if !inPlace { copyBytes(stemBuffer, from: p, count: n) }
        let m = cachedStem(target, n)
        sink.emit(UnsafeBufferPointer(start: target, count: m), position: position, kind: kind, source: source)
    }

    /// Stems `p[0..<n]` in place through the cache; returns the stem's length.
    @inline(__always)
    private mutating func cachedStem(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int {
        guard let cache = stemCache, n <= StemCache.maxWordBytes else {
            stemmer.rebind(p)
            return stemmer.stem(length: n)
        }
        let key = packWord(p, n)
        let entry = cache + stemCacheSlot(key, n)
        if Int(entry.pointee.wordLength) == n, entry.pointee.word == key {
            let m = Int(entry.pointee.stemLength)
            withUnsafeBytes(of: entry.pointee.stem) { copyBytes(p, from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: m) }
            return m
        }
        stemmer.rebind(p)
        let m = stemmer.stem(length: n)
        if m <= StemCache.maxWordBytes {
            entry.pointee = StemCache.Entry(word: key, stem: packWord(p, m), wordLength: UInt8(n), stemLength: UInt8(m))
        }
        return m
    }

    @inline(__always) private func partEnd(_ k: Int) -> Int { load(partEnds, k) }
    @inline(__always) private mutating func setPartEnd(_ k: Int, _ v: Int) { store(&partEnds, k, v) }

    // MARK: Bigram scripts

    private mutating func gramScalar<S: TokenSink>(
        _ v: UInt32, _ raw: UnsafePointer<UInt8>, _ k: Int,
        _ source: Range<Int>, _ sink: inout S
    ) {
        let (bytes, count): (UnsafePointer<UInt8>, Int)
        if let f = tables.fold(v) { (bytes, count) = (UnsafePointer(f.0), f.1) } else { (bytes, count) = (raw, k) }
        guard count > 0, count <= 16 else { return }
        if gramRun > 0 {
            (gram + previousScalarLength).update(from: bytes, count: count)
            sink.emit(
                UnsafeBufferPointer(start: gram, count: previousScalarLength + count), position: position, kind: .bigram,
                source: previousScalarSource.lowerBound..<source.upperBound)
            position += 1
            gram.update(from: gram + previousScalarLength, count: count)
        } else {
            gram.update(from: bytes, count: count)
        }
        previousScalarLength = count
        previousScalarSource = source
        gramRun += 1
    }

    private mutating func endGrams<S: TokenSink>(_ sink: inout S) {
        if gramRun == 1 {
            sink.emit(
                UnsafeBufferPointer(start: gram, count: previousScalarLength), position: position, kind: .bigram,
                source: previousScalarSource)
            position += 1
        }
        gramRun = 0
    }
}

/// Copies a few bytes (terms are short: a loop beats a `memmove` call).
@inline(__always) func copyBytes(_ to: UnsafeMutablePointer<UInt8>, from: UnsafePointer<UInt8>, count: Int) {
    for k in 0..<count { to[k] = from[k] }
}

@inline(__always) func isASCIIWordByte(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A)
}

/// The scalar at `i` and its length in bytes; a malformed sequence reads as U+FFFD (a separator)
/// of length 1, so raw bytes from any source are safe.
@inline(__always)
func decodeScalar(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (UInt32, Int) {
    let c0 = UInt32(p[i])
    if c0 < 0x80 { return (c0, 1) }
    @inline(__always) func cont(_ j: Int) -> UInt32? {
        guard j < n, p[j] & 0xC0 == 0x80 else { return nil }
        return UInt32(p[j] & 0x3F)
    }
    if c0 >= 0xC2, c0 <= 0xDF, let c1 = cont(i + 1) { return ((c0 & 0x1F) << 6 | c1, 2) }
    if c0 >= 0xE0, c0 <= 0xEF, let c1 = cont(i + 1), let c2 = cont(i + 2) {
        let v = (c0 & 0x0F) << 12 | c1 << 6 | c2
        if v >= 0x800, !(0xD800...0xDFFF).contains(v) { return (v, 3) }
    }
    if c0 >= 0xF0, c0 <= 0xF4, let c1 = cont(i + 1), let c2 = cont(i + 2), let c3 = cont(i + 3) {
        let v = (c0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
        if v >= 0x10000, v <= 0x10FFFF { return (v, 4) }
    }
    return (0xFFFD, 1)
}
