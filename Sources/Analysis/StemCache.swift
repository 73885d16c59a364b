/// A direct-mapped cache of word → stem. Text is Zipfian, so most words a thread stems it has
/// stemmed before; a hit costs a hash and three compares instead of the ~10 Snowball passes.
/// Lives in `TermBuffer` (one per thread) and has value semantics like it.
struct StemCache: Sendable {
    struct Entry: Sendable {
        var word: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var stem: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var wordLength: UInt8 = 0
        var stemLength: UInt8 = 0
    }

    static let slots = 4096
    /// Words up to this length are cached.
    static let maxWordBytes = 24

    var entries: [Entry] = []
}

/// Loads up to 24 bytes of `p[0..<n]` as three zero-padded little-endian words. Reads up to 24
/// bytes from `p`: callers pass pointers into scratch that is at least that long.
@inline(__always)
func packWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> (UInt64, UInt64, UInt64) {
    let raw = UnsafeRawPointer(p)
    @inline(__always) func word(_ k: Int) -> UInt64 {
        let available = n - 8 * k
        if available <= 0 { return 0 }
        let v = raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)
        return available >= 8 ? v : v & ((1 << (8 * UInt64(available))) - 1)
    }
    return (word(0), word(1), word(2))
}

@inline(__always)
func stemCacheSlot(_ w: (UInt64, UInt64, UInt64), _ n: Int) -> Int {
    var h = w.0 &* 0x9E37_79B9_7F4A_7C15
    h ^= (w.1 &+ UInt64(n)) &* 0xC2B2_AE3D_27D4_EB4F
    h ^= w.2 &* 0x1656_67B1_9E37_79F9
    return Int(truncatingIfNeeded: (h ^ (h >> 29)) >> 52)  // 12 bits: 4096 slots
}
