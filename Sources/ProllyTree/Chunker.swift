/// Decides node boundaries from keys alone, so the same key set always gives the same tree.
///
/// The rule is Dolt's size-aware one: after adding an entry that takes the node's weight from
/// `start` to `end`, cut with probability `(F(end) − F(start)) / (1 − F(start))` where F is the
/// Weibull CDF with shape 4 and scale = target size. Node sizes then cluster around the target
/// instead of following the long geometric tail a fixed threshold gives. The coin is a 64-bit
/// xxHash of the key seeded by the tree level (the same key ends nodes on several levels, so
/// each level needs an independent coin). The probability is computed with +, −, ×, ÷ only
/// (see `expNegative`), which IEEE 754 makes identical on every machine.
///
/// No cut happens before a node has two entries; a cut is forced at `maxSize`.
struct Chunker {
    let target: Double
    let maxSize: Int
    let seed: UInt64
    private(set) var weight = 0
    private(set) var entries = 0

    init(params: TreeParameters, level: Int) {
        let inner = level > 0 ? params.innerTargetSize : nil
        target = Double(inner ?? params.targetSize)
        maxSize = inner.map { $0 * 4 } ?? params.maxSize
        seed = 0x9E37_79B9_7F4A_7C15 &* UInt64(level + 1)
    }

    var isEmpty: Bool { entries == 0 }

    /// Adds an entry with `key` weighing `entryWeight`; true when the node ends after it.
    mutating func add(key: UnsafeRawBufferPointer, entryWeight: Int) -> Bool {
        let start = weight
        weight += entryWeight
        entries += 1
        if entries < 2 { return false }
        if weight >= maxSize { return reset() }
        let p = Chunker.cutProbability(start: Double(start) / target, end: Double(weight) / target)
        let coin = Double(XXH64.hash(key, seed: seed) >> 11) * 0x1p-53
        return coin < p ? reset() : false
    }

    private mutating func reset() -> Bool {
        weight = 0
        entries = 0
        return true
    }

    /// P(cut in (start, end] | no cut before start) for Weibull(k = 4), in units of the target.
    static func cutProbability(start: Double, end: Double) -> Double {
        let s2 = start * start, e2 = end * end
        return 1 - expNegative(e2 * e2 - s2 * s2)
    }

    /// e^(−x) for x ≥ 0 from basic arithmetic only: halve x until it is small, sum the Taylor
    /// series, square back. Accurate to ~1e-15, and bit-identical across IEEE 754 machines,
    /// which libm's `exp` does not promise.
    static func expNegative(_ x: Double) -> Double {
        if x <= 0 { return 1 }
        if x > 40 { return 0 }
        var y = x
        var squarings = 0
        while y > 1.0 / 64 {
            y *= 0.5
            squarings += 1
        }
        // e^(−y) = 1 − y + y²/2 − … ; y ≤ 1/64, eight terms suffice.
        var term = 1.0, sum = 1.0
        for n in 1...8 {
            term *= -y / Double(n)
            sum += term
        }
        for _ in 0..<squarings { sum *= sum }
        return sum
    }
}

/// xxHash64 (Yann Collet's specification), for chunk boundaries: fast, well mixed, and fixed
/// forever by its spec, so boundaries never change under us.
enum XXH64 {
    static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let p5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    @inline(__always) static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }
    @inline(__always) static func mergeRound(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }
    @inline(__always) static func read64(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }
    @inline(__always) static func read32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
    }

    static func hash(_ p: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let len = p.count
        var i = 0
        var h: UInt64
        if len >= 32 {
            var v1 = seed &+ p1 &+ p2, v2 = seed &+ p2, v3 = seed, v4 = seed &- p1
            while i + 32 <= len {
                v1 = round(v1, read64(p, i)); v2 = round(v2, read64(p, i + 8))
                v3 = round(v3, read64(p, i + 16)); v4 = round(v4, read64(p, i + 24))
                i += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = mergeRound(h, v1); h = mergeRound(h, v2); h = mergeRound(h, v3); h = mergeRound(h, v4)
        } else {
            h = seed &+ p5
        }
        h = h &+ UInt64(len)
        while i + 8 <= len {
            h ^= round(0, read64(p, i))
            h = rotl(h, 27) &* p1 &+ p4
            i += 8
        }
        if i + 4 <= len {
            h ^= read32(p, i) &* p1
            h = rotl(h, 23) &* p2 &+ p3
            i += 4
        }
        while i < len {
            h ^= UInt64(p[i]) &* p5
            h = rotl(h, 11) &* p1
            i += 1
        }
        h ^= h >> 33; h = h &* p2
        h ^= h >> 29; h = h &* p3
        h ^= h >> 32
        return h
    }

    static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }
}
