/// What a Unicode scalar is to the tokenizer (values match `Pipelines/gen_unicode_tables.py`).
enum ScalarClass: UInt8 {
    /// Ends a word: spaces, punctuation, symbols, unassigned and private-use scalars.
    case separator = 0
    /// Letters and decimal/letter numbers of space-separated scripts.
    case letter = 1
    /// Combining marks: part of the word they follow (diacritics among them fold away).
    case mark = 2
    /// Vanish inside a word without ending it (soft hyphen, joiners, variation selectors).
    case ignorable = 3
    /// Han, kana, Hangul, Thai, Lao, Khmer, Myanmar: indexed as overlapping bigrams.
    case bigram = 4
    /// U+2019 and fullwidth `'`: inside a word, dropped like `'` (don’t = dont).
    case apostrophe = 5
    /// U+2010/U+2011: join identifier parts like `-`.
    case hyphen = 6
}

/// The generated tables decoded once into flat arrays that live for the whole process, so the
/// tokenizer's hot loop reads them through plain pointers. Decoded by plain loops over the
/// tables' bytes (`TableReader`): the wasm page ships this code, and `split`/`map` closures and
/// a dictionary here cost it 24 KB.
struct ScalarTables: @unchecked Sendable {
    /// Class of every BMP scalar.
    let bmpClass: UnsafeMutableBufferPointer<UInt8>
    /// Fold of every BMP scalar: 0 = itself, else `(offset + 1) << 8 | length` into `pool`.
    let bmpFold: UnsafeMutableBufferPointer<UInt32>
    /// Supplementary planes: run starts and classes, for binary search.
    let supplementaryStarts: [UInt32]
    let supplementaryClasses: [UInt8]
    /// Supplementary scalars that fold (ascending, for binary search) and their folds, coded as
    /// `bmpFold`'s.
    let supplementaryFoldScalars: [UInt32]
    let supplementaryFolds: [UInt32]
    /// Folded UTF-8 bytes.
    let pool: UnsafeMutableBufferPointer<UInt8>

    static let shared = ScalarTables()

    private init() {
        bmpClass = .allocate(capacity: 0x10000)
        bmpClass.initialize(repeating: ScalarClass.separator.rawValue)
        var runStarts = [UInt32](), runClasses = [UInt8]()
        var runs = TableReader(unicodeClassRuns)
        var start: UInt32 = 0
        while !runs.atEnd {  // `gap:class,`
            start += runs.hex()
            runStarts.append(start)
            runClasses.append(UInt8(truncatingIfNeeded: runs.hex()))
        }
        var starts = [UInt32](), classes = [UInt8]()
        for k in 0..<runStarts.count {
            let first = runStarts[k], end = k + 1 < runStarts.count ? runStarts[k + 1] : 0x110000
            var v = first
            while v < min(end, 0x10000) {
                bmpClass[Int(v)] = runClasses[k]
                v += 1
            }
            if end > 0x10000 {
                starts.append(max(first, 0x10000))
                classes.append(runClasses[k])
            }
        }
        // ASCII: letters and digits are words; the tokenizer handles ASCII punctuation itself.
        for b in 0..<0x80 {
            let c = UInt8(b)
            let isWord = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A)
            bmpClass[b] = isWord ? ScalarClass.letter.rawValue : ScalarClass.separator.rawValue
        }
        supplementaryStarts = starts
        supplementaryClasses = classes

        bmpFold = .allocate(capacity: 0x10000)
        bmpFold.initialize(repeating: 0)
        var bytes = [UInt8](), folded = [UInt32]()
        var foldScalars = [UInt32](), foldCodes = [UInt32]()
        var entries = TableReader(unicodeFolds)
        var last: UInt32 = 0
        while !entries.atEnd {  // `gap[*count[/step][+]]=folded.folded…,` (see `fold_runs` in the generator)
            let first = last + entries.hex()
            var count: UInt32 = 1, step: UInt32 = 1, shifts = false
            if entries.skip(UInt8(ascii: "*")) {
                count = entries.hex()
                if entries.skip(UInt8(ascii: "/")) { step = entries.hex() }
                shifts = entries.skip(UInt8(ascii: "+"))
            }
            guard entries.skip(UInt8(ascii: "=")) else {
                entries.skipEntry()
                continue
            }
            folded.removeAll(keepingCapacity: true)
            while entries.isHexDigit {
                folded.append(entries.hex())
                _ = entries.skip(UInt8(ascii: "."))
            }
            entries.skipEntry()
            for i in 0..<count {
                let scalar = first + i * step
                let offset = UInt32(bytes.count)
                for j in 0..<folded.count {
                    // A run's `+`: its one folded scalar advances with the scalar.
                    appendUTF8(shifts && j == 0 ? folded[j] + i * step : folded[j], to: &bytes)
                }
                let code = (offset + 1) << 8 | UInt32(bytes.count - Int(offset))
                if scalar < 0x10000 {
                    bmpFold[Int(scalar)] = code
                } else if foldScalars.last == scalar {
                    foldCodes[foldCodes.count - 1] = code
                } else {
                    foldScalars.append(scalar)
                    foldCodes.append(code)
                }
            }
            last = first + (count - 1) * step
        }
        for b in 0x41...0x5A {  // ASCII capitals fold through the same path as everything else
            let offset = UInt32(bytes.count)
            bytes.append(UInt8(b) | 0x20)
            bmpFold[b] = (offset + 1) << 8 | 1
        }
        supplementaryFoldScalars = foldScalars
        supplementaryFolds = foldCodes
        pool = .allocate(capacity: bytes.count)
        _ = pool.initialize(from: bytes)
    }

    @inline(__always)
    func scalarClass(_ v: UInt32) -> ScalarClass {
        if v < 0x10000 { return ScalarClass(rawValue: bmpClass[Int(v)]).unsafelyUnwrapped }
        var lo = 0, hi = supplementaryStarts.count - 1
        guard hi >= 0, v >= supplementaryStarts[0] else { return .separator }
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if supplementaryStarts[mid] <= v { lo = mid } else { hi = mid - 1 }
        }
        return ScalarClass(rawValue: supplementaryClasses[lo]) ?? .separator
    }

    /// The folded bytes of `v` as (start, count) in `pool`, or `nil` when `v` folds to itself.
    @inline(__always)
    func fold(_ v: UInt32) -> (UnsafeMutablePointer<UInt8>, Int)? {
        let code = v < 0x10000 ? bmpFold[Int(v)] : supplementaryFold(v)
        guard code != 0 else { return nil }
        return (pool.baseAddress! + Int(code >> 8) - 1, Int(code & 0xFF))
    }

    /// The fold code of supplementary scalar `v`, 0 when it folds to itself.
    private func supplementaryFold(_ v: UInt32) -> UInt32 {
        var lo = 0, hi = supplementaryFoldScalars.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if supplementaryFoldScalars[mid] < v { lo = mid + 1 } else { hi = mid }
        }
        return lo < supplementaryFoldScalars.count && supplementaryFoldScalars[lo] == v ? supplementaryFolds[lo] : 0
    }
}

/// A generated table's bytes read front to back: hex numbers and the punctuation between them.
/// Entries end at `,`; a line break or `\\` (continued string literal lines) also ends one.
private struct TableReader {
    let bytes: [UInt8]
    var i = 0

    init(_ table: String) { bytes = Array(table.utf8) }

    var atEnd: Bool {
        @inline(never)
        mutating get {
            while i < bytes.count, isEntryEnd(bytes[i]) { i += 1 }
            return i >= bytes.count
        }
    }

    var isHexDigit: Bool {
        guard i < bytes.count else { return false }
        let c = bytes[i] | 0x20
        return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)
    }

    /// The hex number here (0 if none), and one `:` after it. Not inlined, as the rest: called
    /// once per table entry, and each copy inlined cost the page's module a kilobyte.
    @inline(never)
    mutating func hex() -> UInt32 {
        var v: UInt32 = 0
        while isHexDigit {
            let c = bytes[i]
            v = v << 4 | (c <= 0x39 ? UInt32(c) - 0x30 : UInt32(c | 0x20) - 0x61 + 10)
            i += 1
        }
        _ = skip(UInt8(ascii: ":"))
        return v
    }

    /// Whether `c` is next, stepping over it if it is.
    @inline(never)
    mutating func skip(_ c: UInt8) -> Bool {
        guard i < bytes.count, bytes[i] == c else { return false }
        i += 1
        return true
    }

    /// Steps past the rest of this entry.
    @inline(never)
    mutating func skipEntry() {
        while i < bytes.count, !isEntryEnd(bytes[i]) { i += 1 }
    }

    private func isEntryEnd(_ c: UInt8) -> Bool { c == UInt8(ascii: ",") || c == 0x0A || c == 0x5C }
}

/// Appends the UTF-8 bytes of scalar value `v`, nothing if it is not a scalar.
private func appendUTF8(_ v: UInt32, to bytes: inout [UInt8]) {
    switch v {
    case ..<0x80: bytes.append(UInt8(v))
    case ..<0x800:
        bytes.append(0xC0 | UInt8(v >> 6))
        bytes.append(0x80 | UInt8(v & 0x3F))
    case 0xD800...0xDFFF: return
    case ..<0x10000:
        bytes.append(0xE0 | UInt8(v >> 12))
        bytes.append(0x80 | UInt8(v >> 6 & 0x3F))
        bytes.append(0x80 | UInt8(v & 0x3F))
    case ..<0x110000:
        bytes.append(0xF0 | UInt8(v >> 18))
        bytes.append(0x80 | UInt8(v >> 12 & 0x3F))
        bytes.append(0x80 | UInt8(v >> 6 & 0x3F))
        bytes.append(0x80 | UInt8(v & 0x3F))
    default: return
    }
}
