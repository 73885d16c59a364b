/// The Snowball English ("Porter2") stemmer, ported routine by routine from the code that
/// Snowball 3.1.1 generates from `english.sbl` (PyPI `snowballstemmer` 3.1.1, which the tests
/// compare against word for word). Works in place on lowercase ASCII bytes (letters and `'`);
/// the analyzer only passes words made of `a`–`z`.
///
/// The structure (cursor, limit, bra/ket slice, backward mode) mirrors the Snowball runtime so
/// that each routine can be checked against the generated code line by line.
struct EnglishStemmer {
    private var s: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var cursor = 0, limit = 0, limitBackward = 0, bra = 0, ket = 0
    private var yFound = false, p1 = 0, p2 = 0
    /// The among tables, fetched once per stemmer (plain pointers: no reference counting).
    private let t = StemmerTables.shared

    /// `buffer` must hold the word plus 8 bytes of growth (suffix replacements add at most 2).
    init(buffer: UnsafeMutablePointer<UInt8>, capacity: Int) {
        s = buffer
        self.capacity = capacity
    }

    /// Works on another buffer of the same capacity.
    @inline(__always) mutating func rebind(_ buffer: UnsafeMutablePointer<UInt8>) { s = buffer }

    /// Stems `buffer[0..<length]` in place and returns the new length.
    mutating func stem(length: Int) -> Int {
        cursor = 0; limit = length; limitBackward = 0; bra = 0; ket = length
        if exception1() { return limit }
        cursor = 0
        if limit < 3 { return limit }
        prelude()
        markRegions()
        limitBackward = cursor
        cursor = limit
        var v = limit - cursor; _ = step1a(); cursor = limit - v
        v = limit - cursor; _ = step1b(); cursor = limit - v
        v = limit - cursor; _ = step1c(); cursor = limit - v
        v = limit - cursor; _ = step2(); cursor = limit - v
        v = limit - cursor; _ = step3(); cursor = limit - v
        v = limit - cursor; _ = step4(); cursor = limit - v
        v = limit - cursor; _ = step5(); cursor = limit - v
        cursor = limitBackward
        postlude()
        return limit
    }

    // MARK: Groupings

    @inline(__always) private static func isV(_ c: UInt8) -> Bool {
        c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6F || c == 0x75 || c == 0x79  // a e i o u y
    }
    @inline(__always) private static func isVWXY(_ c: UInt8) -> Bool {
        isV(c) || c == 0x77 || c == 0x78 || c == 0x59  // w x Y
    }
    @inline(__always) private static func isValidLI(_ c: UInt8) -> Bool {
        switch c {
        case 0x63, 0x64, 0x65, 0x67, 0x68, 0x6B, 0x6D, 0x6E, 0x72, 0x74: return true  // c d e g h k m n r t
        default: return false
        }
    }
    @inline(__always) private static func isAEO(_ c: UInt8) -> Bool { c == 0x61 || c == 0x65 || c == 0x6F }

    // MARK: Runtime primitives (snowballstemmer's BaseStemmer)

    private mutating func inGrouping(_ g: (UInt8) -> Bool) -> Bool {
        guard cursor < limit, g(s[cursor]) else { return false }
        cursor += 1
        return true
    }
    private mutating func goInGrouping(_ g: (UInt8) -> Bool) -> Bool {
        while cursor < limit {
            if !g(s[cursor]) { return true }
            cursor += 1
        }
        return false
    }
    private mutating func goOutGrouping(_ g: (UInt8) -> Bool) -> Bool {
        while cursor < limit {
            if g(s[cursor]) { return true }
            cursor += 1
        }
        return false
    }
    private mutating func inGroupingB(_ g: (UInt8) -> Bool) -> Bool {
        guard cursor > limitBackward, g(s[cursor - 1]) else { return false }
        cursor -= 1
        return true
    }
    private mutating func outGroupingB(_ g: (UInt8) -> Bool) -> Bool {
        guard cursor > limitBackward, !g(s[cursor - 1]) else { return false }
        cursor -= 1
        return true
    }
    private mutating func goOutGroupingB(_ g: (UInt8) -> Bool) -> Bool {
        while cursor > limitBackward {
            if g(s[cursor - 1]) { return true }
            cursor -= 1
        }
        return false
    }
    private mutating func eqSB(_ t: StaticString) -> Bool {
        let n = t.utf8CodeUnitCount
        guard cursor - limitBackward >= n else { return false }
        let p = t.utf8Start
        for k in 0..<n where s[cursor - n + k] != p[k] { return false }
        cursor -= n
        return true
    }
    /// Matches the byte before the cursor (backward mode) and steps over it.
    private mutating func eqCharB(_ c: UInt8) -> Bool {
        guard cursor > limitBackward, s[cursor - 1] == c else { return false }
        cursor -= 1
        return true
    }

    /// Snowball `among` in backward mode: the longest entry that ends at the cursor (within
    /// `limitBackward`); moves the cursor before it and returns its result, or 0 if none.
    @inline(__always)
    private mutating func findAmongB(_ table: AmongTable) -> Int {
        let avail = cursor - limitBackward
        if avail > 0 {
            let key = Int(s[cursor - 1])
            for k in Int(table.offsets[key])..<Int(table.offsets[key + 1]) {
                let n = Int(table.lengths[k])
                guard n <= avail else { continue }
                if table.matches(k, s + cursor - n) {
                    cursor -= n
                    return Int(table.results[k])
                }
            }
        }
        return table.emptyResult
    }

    /// Snowball `among` in forward mode: the longest entry that starts at the cursor.
    @inline(__always)
    private mutating func findAmong(_ table: AmongTable) -> Int {
        let avail = limit - cursor
        if avail > 0 {
            let key = Int(s[cursor])
            for k in Int(table.offsets[key])..<Int(table.offsets[key + 1]) {
                let n = Int(table.lengths[k])
                guard n <= avail else { continue }
                if table.matches(k, s + cursor) {
                    cursor += n
                    return Int(table.results[k])
                }
            }
        }
        return table.emptyResult
    }

    /// Replaces `s[bra..<ket]` with `t`, adjusting limit and cursor as `replace_s` does.
    private mutating func sliceFrom(_ t: StaticString) {
        let n = t.utf8CodeUnitCount
        let adjustment = n - (ket - bra)
        guard limit + adjustment <= capacity else { return }
        if adjustment != 0 { memmoveBytes(from: ket, to: ket + adjustment, count: limit - ket) }
        let p = t.utf8Start
        for k in 0..<n { s[bra + k] = p[k] }
        limit += adjustment
        if cursor >= ket { cursor += adjustment } else if cursor > bra { cursor = bra }
        ket = bra + n
    }
    private mutating func sliceDel() { sliceFrom("") }

    @inline(__always)
    private func memmoveBytes(from: Int, to: Int, count: Int) {
        // Suffix moves are a few bytes: a loop beats a memmove call.
        if to > from {
            var k = count - 1
            while k >= 0 { s[to + k] = s[from + k]; k -= 1 }
        } else {
            for k in 0..<count { s[to + k] = s[from + k] }
        }
    }

    private func r1() -> Bool { p1 <= cursor }
    private func r2() -> Bool { p2 <= cursor }

    // MARK: Routines (english.sbl)

    private mutating func prelude() {
        yFound = false
        let v1 = cursor
        bra = cursor
        if cursor != limit, s[cursor] == 0x27 { cursor += 1; ket = cursor; sliceDel() }
        cursor = v1
        let v2 = cursor
        bra = cursor
        if cursor != limit, s[cursor] == 0x79 { cursor += 1; ket = cursor; sliceFrom("Y"); yFound = true }
        cursor = v2
        let v3 = cursor
        outer: while true {
            let v4 = cursor
            var found = false
            while true {
                let v5 = cursor
                if inGrouping(Self.isV) {
                    bra = cursor
                    if cursor != limit, s[cursor] == 0x79 {
                        cursor += 1
                        ket = cursor
                        cursor = v5
                        found = true
                        break
                    }
                }
                cursor = v5
                if cursor >= limit { break }
                cursor += 1
            }
            guard found else { cursor = v4; break outer }
            sliceFrom("Y")
            yFound = true
        }
        cursor = v3
    }

    private mutating func markRegions() {
        p1 = limit
        p2 = limit
        let v1 = cursor
        regions: do {
            let v2 = cursor
            if findAmong(t.a0) == 0 {
                cursor = v2
                guard goOutGrouping(Self.isV) else { break regions }
                cursor += 1
                guard goInGrouping(Self.isV) else { break regions }
                cursor += 1
            }
            p1 = cursor
            guard goOutGrouping(Self.isV) else { break regions }
            cursor += 1
            guard goInGrouping(Self.isV) else { break regions }
            cursor += 1
            p2 = cursor
        }
        cursor = v1
    }

    private mutating func shortv() -> Bool {
        let v1 = limit - cursor
        if outGroupingB(Self.isVWXY), inGroupingB(Self.isV), outGroupingB(Self.isV) { return true }
        cursor = limit - v1
        if outGroupingB(Self.isV), inGroupingB(Self.isV), cursor <= limitBackward { return true }
        cursor = limit - v1
        return eqSB("past")
    }

    private mutating func step1a() -> Bool {
        let v1 = limit - cursor
        ket = cursor
        if findAmongB(t.a1) == 0 {
            cursor = limit - v1
        } else {
            bra = cursor
            sliceDel()
        }
        ket = cursor
        let among = findAmongB(t.a2)
        if among == 0 { return false }
        bra = cursor
        switch among {
        case 1: sliceFrom("ss")
        case 2:
            let v2 = limit - cursor
            if cursor - 2 >= limitBackward {
                cursor -= 2
                sliceFrom("i")
            } else {
                cursor = limit - v2
                sliceFrom("ie")
            }
        case 3:
            if cursor <= limitBackward { return false }
            cursor -= 1
            guard goOutGroupingB(Self.isV) else { return false }
            cursor -= 1
            sliceDel()
        default: break
        }
        return true
    }

    private mutating func step1b() -> Bool {
        ket = cursor
        var among = findAmongB(t.a5)
        bra = cursor
        let v1 = limit - cursor
        standard: do {
            switch among {
            case 1:
                let v2 = limit - cursor
                if r1() {
                    let v3 = limit - cursor
                    if !(findAmongB(t.a3) != 0 && cursor <= limitBackward) {
                        cursor = limit - v3
                        sliceFrom("ee")
                    }
                }
                cursor = limit - v2
            case 2:
                break standard
            case 3:
                among = findAmongB(t.a4)
                if among == 0 { break standard }
                if among == 1 {
                    let v4 = limit - cursor
                    guard outGroupingB(Self.isV), cursor <= limitBackward else { break standard }
                    cursor = limit - v4
                    bra = cursor
                    sliceFrom("ie")
                } else if cursor > limitBackward {
                    break standard
                }
            default: break
            }
            return true
        }
        cursor = limit - v1
        let v5 = limit - cursor
        guard goOutGroupingB(Self.isV) else { return false }
        cursor -= 1
        cursor = limit - v5
        sliceDel()
        ket = cursor
        bra = cursor
        let v6 = limit - cursor
        among = findAmongB(t.a6)
        switch among {
        case 1:
            sliceFrom("e")
            return false
        case 2:
            let v7 = limit - cursor
            if inGroupingB(Self.isAEO), cursor <= limitBackward { return false }
            cursor = limit - v7
        default:
            if cursor != p1 { return false }
            let v8 = limit - cursor
            guard shortv() else { return false }
            cursor = limit - v8
            sliceFrom("e")
            return false
        }
        cursor = limit - v6
        ket = cursor
        if cursor <= limitBackward { return false }
        cursor -= 1
        bra = cursor
        sliceDel()
        return true
    }

    private mutating func step1c() -> Bool {
        ket = cursor
        guard eqCharB(0x79) || eqCharB(0x59) else { return false }  // y or Y
        bra = cursor
        guard outGroupingB(Self.isV) else { return false }
        if cursor <= limitBackward { return false }
        sliceFrom("i")
        return true
    }

    private mutating func step2() -> Bool {
        ket = cursor
        let among = findAmongB(t.a7)
        if among == 0 { return false }
        bra = cursor
        guard r1() else { return false }
        switch among {
        case 1: sliceFrom("tion")
        case 2: sliceFrom("ence")
        case 3: sliceFrom("ance")
        case 4: sliceFrom("able")
        case 5: sliceFrom("ent")
        case 6: sliceFrom("ize")
        case 7: sliceFrom("ate")
        case 8: sliceFrom("al")
        case 9: sliceFrom("ful")
        case 10: sliceFrom("ous")
        case 11: sliceFrom("ive")
        case 12: sliceFrom("ble")
        case 13: sliceFrom("og")
        case 14:
            guard eqCharB(0x6C) else { return false }  // l
            sliceFrom("og")
        case 15: sliceFrom("less")
        default:
            guard inGroupingB(Self.isValidLI) else { return false }
            sliceDel()
        }
        return true
    }

    private mutating func step3() -> Bool {
        ket = cursor
        let among = findAmongB(t.a8)
        if among == 0 { return false }
        bra = cursor
        guard r1() else { return false }
        switch among {
        case 1: sliceFrom("tion")
        case 2: sliceFrom("ate")
        case 3: sliceFrom("al")
        case 4: sliceFrom("ic")
        case 5: sliceDel()
        default:
            guard r2() else { return false }
            sliceDel()
        }
        return true
    }

    private mutating func step4() -> Bool {
        ket = cursor
        let among = findAmongB(t.a9)
        if among == 0 { return false }
        bra = cursor
        guard r2() else { return false }
        if among == 1 {
            sliceDel()
        } else {
            guard eqCharB(0x73) || eqCharB(0x74) else { return false }  // s or t
            sliceDel()
        }
        return true
    }

    private mutating func step5() -> Bool {
        ket = cursor
        let among = findAmongB(t.a10)
        if among == 0 { return false }
        bra = cursor
        if among == 1 {
            if !r2() {
                guard r1() else { return false }
                let v1 = limit - cursor
                if shortv() { return false }
                cursor = limit - v1
            }
            sliceDel()
        } else {
            guard r2(), eqCharB(0x6C) else { return false }
            sliceDel()
        }
        return true
    }

    private mutating func exception1() -> Bool {
        bra = cursor
        let among = findAmong(t.a11)
        if among == 0 { return false }
        ket = cursor
        if cursor < limit { return false }
        switch among {
        case 1: sliceFrom("ski")
        case 2: sliceFrom("sky")
        case 3: sliceFrom("idl")
        case 4: sliceFrom("gentl")
        case 5: sliceFrom("ugli")
        case 6: sliceFrom("earli")
        case 7: sliceFrom("onli")
        case 8: sliceFrom("singl")
        default: break
        }
        return true
    }

    private mutating func postlude() {
        guard yFound else { return }
        for k in cursor..<limit where s[k] == 0x59 { s[k] = 0x79 }  // Y back to y
    }
}

/// One Snowball `among` list, indexed by the byte the match is anchored on (the last byte for
/// backward tables, the first for forward ones), longest entries first: Snowball picks the
/// longest match, and none of the English entries has a routine attached, so that is the whole
/// rule. Stored in never-freed flat memory so lookups involve no reference counting.
struct AmongTable: @unchecked Sendable {
    let offsets: UnsafeMutablePointer<UInt16>  // 257: entries for key byte b are offsets[b]..<offsets[b+1]
    let lengths: UnsafeMutablePointer<UInt8>
    let results: UnsafeMutablePointer<Int8>
    let packed: UnsafeMutablePointer<UInt64>  // entry bytes, little-endian
    /// The result of the entry `""` (matches when nothing longer does), 0 if there is none.
    let emptyResult: Int

    /// The table of `entries`, `word=result` separated by spaces or lines (`=result` for the empty word).
    /// Read by a plain loop (no closures or tuples): the wasm page ships this code.
    init(_ entries: StaticString, backward: Bool) {
        var words = [UInt64](), counts = [Int](), keys = [UInt8](), values = [Int8]()
        var empty = 0
        var p = entries.utf8Start
        let end = p + entries.utf8CodeUnitCount
        while p < end {
            if p.pointee == UInt8(ascii: " ") || p.pointee == 0x0A {
                p += 1
                continue
            }
            var word: UInt64 = 0, n = 0, key: UInt8 = 0
            while p < end, p.pointee != UInt8(ascii: "=") {
                precondition(n < 8)
                word |= UInt64(p.pointee) << (8 * UInt64(n))
                if n == 0 || backward { key = p.pointee }
                n += 1
                p += 1
            }
            p += 1  // "="
            let negative = p < end && p.pointee == UInt8(ascii: "-")
            if negative { p += 1 }
            var result = 0
            while p < end, p.pointee >= 0x30, p.pointee <= 0x39 {
                result = result * 10 + Int(p.pointee - 0x30)
                p += 1
            }
            if negative { result = -result }
            if n == 0 {
                empty = result
                continue
            }
            // Insertion sort: by key byte, longest first.
            var k = words.count
            while k > 0, keys[k - 1] > key || (keys[k - 1] == key && counts[k - 1] < n) { k -= 1 }
            words.insert(word, at: k)
            counts.insert(n, at: k)
            keys.insert(key, at: k)
            values.insert(Int8(result), at: k)
        }
        emptyResult = empty
        offsets = .allocate(capacity: 257)
        lengths = .allocate(capacity: max(1, words.count))
        results = .allocate(capacity: max(1, words.count))
        packed = .allocate(capacity: max(1, words.count))
        var k = 0
        for key in 0..<256 {
            offsets[key] = UInt16(k)
            while k < words.count, keys[k] == UInt8(key) {
                lengths[k] = UInt8(counts[k])
                results[k] = values[k]
                packed[k] = words[k]
                k += 1
            }
        }
        offsets[256] = UInt16(k)
    }

    /// Whether entry `k` equals the bytes at `p`.
    @inline(__always) func matches(_ k: Int, _ p: UnsafePointer<UInt8>) -> Bool {
        let n = Int(lengths[k])
        var v: UInt64 = 0
        for j in 0..<n { v |= UInt64(p[j]) << (8 * UInt64(j)) }
        return v == packed[k]
    }
}

/// The among lists of `english.sbl`, named as in the generated code.
struct StemmerTables: Sendable {
    static let shared = StemmerTables()

    let a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11: AmongTable

    /// The tables built in one loop over `lists`: twelve `AmongTable(…)` initializers were
    /// twelve inlined copies of its reader in the wasm page (15 KB).
    private init() {
        var built: [AmongTable] = []
        for (entries, backward) in StemmerTables.lists { built.append(AmongTable(entries, backward: backward)) }
        a0 = built[0]
        a1 = built[1]
        a2 = built[2]
        a3 = built[3]
        a4 = built[4]
        a5 = built[5]
        a6 = built[6]
        a7 = built[7]
        a8 = built[8]
        a9 = built[9]
        a10 = built[10]
        a11 = built[11]
    }

    /// (entries, backward) of a0 … a11.
    private static let lists: [(StaticString, Bool)] = [
        ("arsen=-1 commun=-1 emerg=-1 gener=-1 inter=-1 later=-1 organ=-1 past=-1 univers=-1", false),
        ("'=1 's'=1 's=1", true),
        ("ied=2 s=3 ies=2 sses=1 ss=-1 us=-1", true),
        ("succ=1 proc=1 exc=1", true),
        ("even=2 cann=2 inn=2 earr=2 herr=2 out=2 y=1", true),
        ("=-1 ed=2 eed=1 ing=3 edly=2 eedly=1 ingly=2", true),
        ("=3 bb=2 dd=2 ff=2 gg=2 bl=1 mm=2 nn=2 pp=2 rr=2 at=1 tt=2 iz=1", true),
        (
            """
                anci=3 enci=2 ogi=14 li=16 bli=12 abli=4 alli=8 fulli=9 lessli=15 ousli=10 entli=5 aliti=8 biliti=12
                iviti=11 tional=1 ational=7 alism=8 ation=7 ization=6 izer=6 ator=7 iveness=11 fulness=9 ousness=10
                ogist=13
            """, true
        ),
        ("icate=4 ative=6 alize=3 iciti=4 ical=4 tional=1 ational=2 ful=5 ness=5", true),
        (
            """
                ic=1 ance=1 ence=1 able=1 ible=1 ate=1 ive=1 ize=1 iti=1 al=1 ism=1 ion=2 er=1 ous=1 ant=1 ent=1
                ment=1 ement=1
            """, true
        ),
        ("e=1 l=2", true),
        (
            """
                andes=-1 atlas=-1 bias=-1 cosmos=-1 early=6 gently=4 howe=-1 idly=3 news=-1 only=7 singly=8 skies=2
                skis=1 sky=-1 ugly=5
            """, false
        ),
    ]
}
