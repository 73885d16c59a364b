#if canImport(Glibc)
    import Glibc
#endif

/// Bytewise order of byte arrays through `memcmp`: the same order as
/// `lexicographicallyPrecedes`, without its element-by-element generic loop. The build's
/// merge, key ranges and tree builders compare every entry's key this way (millions of keys
/// per build), so it is worth one function of its own. Not in the wasm build (writers only).
public enum ByteOrder {
    /// True when `a` sorts strictly before `b` (a proper prefix sorts first).
    @inlinable
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in precedes(pa, pb) } }
    }

    /// `precedes` of bytes in place (the merge's keys, read where their buffers hold them).
    @inlinable
    public static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let n = min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return c < 0 }
        }
        return a.count < b.count
    }
}
