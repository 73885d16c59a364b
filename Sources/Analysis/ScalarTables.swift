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
/// tokenizer's hot loop reads them through plain pointers.
struct ScalarTables: @unchecked Sendable {
    /// Class of every BMP scalar.
    let bmpClass: UnsafeMutableBufferPointer<UInt8>
    /// Fold of every BMP scalar: 0 = itself, else `(offset + 1) << 8 | length` into `pool`.
    let bmpFold: UnsafeMutableBufferPointer<UInt32>
    /// Supplementary planes: run starts and classes, for binary search.
    let supplementaryStarts: [UInt32]
    let supplementaryClasses: [UInt8]
    let supplementaryFolds: [UInt32: UInt32]
    /// Folded UTF-8 bytes.
    let pool: UnsafeMutableBufferPointer<UInt8>

    static let shared = ScalarTables()

    private init() {
        bmpClass = .allocate(capacity: 0x10000)
        bmpClass.initialize(repeating: ScalarClass.separator.rawValue)
        var starts = [UInt32](), classes = [UInt8]()
        var runs = [(UInt32, UInt8)]()
        var start: UInt32 = 0
        for item in unicodeClassRuns.utf8.split(separator: UInt8(ascii: ",")) {
            let parts = item.split(separator: UInt8(ascii: ":"))
            start += hex(parts[0])
            runs.append((start, UInt8(hex(parts[1]))))
        }
        for (k, run) in runs.enumerated() {
            let end = k + 1 < runs.count ? runs[k + 1].0 : 0x110000
            if run.0 < 0x10000 {
                for v in run.0..<min(end, 0x10000) { bmpClass[Int(v)] = run.1 }
            }
            if end > 0x10000 {
                starts.append(max(run.0, 0x10000))
                classes.append(run.1)
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
        var bytes = [UInt8]()
        var supplementary = [UInt32: UInt32]()
        var last: UInt32 = 0
        let entries = unicodeFolds.utf8.split(whereSeparator: { $0 == UInt8(ascii: ",") || $0 == 0x0A || $0 == 0x5C })
        for entry in entries {
            let parts = entry.split(separator: UInt8(ascii: "="), omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let run = FoldRun(parts[0], after: last)
            let folded = parts[1].split(separator: UInt8(ascii: ".")).map { hex($0) }
            for i in 0..<run.count {
                let scalar = run.first + i * run.step
                let offset = UInt32(bytes.count)
                for (j, f) in folded.enumerated() {
                    // A run's `+`: its one folded scalar advances with the scalar.
                    guard let u = Unicode.Scalar(run.shifts && j == 0 ? f + i * run.step : f) else { continue }
                    UTF8.encode(u) { bytes.append($0) }
                }
                let code = (offset + 1) << 8 | UInt32(bytes.count - Int(offset))
                if scalar < 0x10000 { bmpFold[Int(scalar)] = code } else { supplementary[scalar] = code }
            }
            last = run.first + (run.count - 1) * run.step
        }
        for b in 0x41...0x5A {  // ASCII capitals fold through the same path as everything else
            let offset = UInt32(bytes.count)
            bytes.append(UInt8(b) | 0x20)
            bmpFold[b] = (offset + 1) << 8 | 1
        }
        supplementaryFolds = supplementary
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
        let code = v < 0x10000 ? bmpFold[Int(v)] : (supplementaryFolds[v] ?? 0)
        guard code != 0 else { return nil }
        return (pool.baseAddress! + Int(code >> 8) - 1, Int(code & 0xFF))
    }
}

/// The scalars of one `unicodeFolds` entry, from its left side `gap[*count[/2][+]]` (all hex; see
/// `fold_runs` in Pipelines/gen_unicode_tables.py).
private struct FoldRun {
    var first: UInt32, count: UInt32 = 1, step: UInt32 = 1, shifts = false

    init(_ spec: Substring.UTF8View, after last: UInt32) {
        let star = spec.firstIndex(of: UInt8(ascii: "*")) ?? spec.endIndex
        first = last + hex(spec[..<star])
        guard star != spec.endIndex else { return }
        var tail = spec[spec.index(after: star)...]
        if tail.last == UInt8(ascii: "+") { shifts = true; tail = tail.dropLast() }
        if let slash = tail.firstIndex(of: UInt8(ascii: "/")) {
            step = hex(tail[tail.index(after: slash)...])
            tail = tail[..<slash]
        }
        count = hex(tail)
    }
}

private func hex(_ s: some Collection<UInt8>) -> UInt32 {
    var v: UInt32 = 0
    for c in s {
        let d: UInt32 = c <= 0x39 ? UInt32(c) - 0x30 : UInt32(c | 0x20) - 0x61 + 10
        v = v << 4 | d
    }
    return v
}
