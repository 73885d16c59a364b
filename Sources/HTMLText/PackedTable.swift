/// A fixed open-addressing map from packed names (`UInt64`, never 0) to small values, probed
/// with a multiplicative hash: lookups in the SAX callbacks cost a multiply and a compare or
/// two, where `Dictionary` would run SipHash.
struct PackedTable<Value>: Sendable where Value: Sendable {
    private var keys: [UInt64]
    private var values: [Value?]
    private let shift: UInt64
    private let mask: Int

    init(_ entries: [(UInt64, Value)]) {
        var bits = 4
        while (1 << bits) < entries.count * 4 { bits += 1 }
        keys = Array(repeating: 0, count: 1 << bits)
        values = Array(repeating: nil, count: 1 << bits)
        shift = UInt64(64 - bits)
        mask = (1 << bits) - 1
        for (k, v) in entries {
            precondition(k != 0)
            var i = slot(k)
            while keys[i] != 0 && keys[i] != k { i = (i + 1) & mask }
            keys[i] = k
            values[i] = v
        }
    }

    @inline(__always) private func slot(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    @inline(__always) subscript(_ k: UInt64) -> Value? {
        var i = slot(k)
        while true {
            let found = keys[i]
            if found == k { return values[i] }
            if found == 0 { return nil }
            i = (i + 1) & mask
        }
    }
}
