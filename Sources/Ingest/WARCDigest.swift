import Sodium
import Support

extension WARCRecord {
    /// Checks the record's `WARC-Block-Digest`, else its `WARC-Payload-Digest`, against its bytes;
    /// returns the skip to report when one does not match, nil when they match or cannot be checked.
    ///
    /// A mismatch skips the record (reason `digest mismatch`, exit status 3) rather than indexing
    /// and flagging it: the bytes are not what the writer wrote, and indexing them would publish
    /// damaged text under a good URL. The report names file, offset, which digest, and both values.
    ///
    /// The block digest covers every byte the payload digest covers, so when it is present and
    /// checkable the payload digest adds nothing against damage and is not computed (that halves
    /// the cost for warcio's and wget's records, which carry both). Not checked: algorithms other
    /// than sha1 and sha256 (hex or base32 values); cut blocks (`blockCut`, skipped anyway);
    /// joined segmented records (each digest covers one segment); the payload digest of a
    /// `WARC-Truncated` record or when the payload's start is unknown (`payloadStart` nil).
    ///
    /// - Parameter payloadStart: where the payload begins in `block` (after the HTTP head, or 0
    ///   for a resource), or nil when it is not known.
    /// - Complexity: one SHA-1 or SHA-256 pass over the block or payload.
    public func digestMismatch(payloadStart: Int?) -> Skip? {
        guard !blockCut, header.segmentNumber == nil else { return nil }
        if let text = header.blockDigest, let expected = WARCDigestValue(text) {
            return check(expected, text, "WARC-Block-Digest", from: 0)
        }
        if let text = header.payloadDigest, header.truncated == nil, let from = payloadStart, from <= block.count,
            let expected = WARCDigestValue(text)
        {
            return check(expected, text, "WARC-Payload-Digest", from: from)
        }
        return nil
    }

    /// `sha1:<base32>` of the block from `from` on: the payload digest WARC writers record.
    func payloadSHA1(from: Int) -> String {
        let got = block.withUnsafeBytes { SHA1.hash(UnsafeRawBufferPointer(rebasing: $0[min(from, $0.count)...])) }
        return "sha1:" + Base32.encode(got, uppercase: true)
    }

    private func check(_ expected: WARCDigestValue, _ text: String, _ field: String, from: Int) -> Skip? {
        let got = block.withUnsafeBytes { expected.algorithm.hash(UnsafeRawBufferPointer(rebasing: $0[from...])) }
        if got == expected.bytes { return nil }
        return Skip(
            source, "digest mismatch",
            "\(header.targetURI ?? header.type): \(field) is \(text), the bytes hash to \(expected.algorithm.label):\(Base32.encode(got, uppercase: true))"
        )
    }
}

/// A `WARC-*-Digest` value: `label:value`, label `sha1`/`sha-1`/`sha256`/`sha-256` in any case,
/// value in base32 (what warcio, wget and Heritrix write; padding optional) or hex.
struct WARCDigestValue: Equatable {
    enum Algorithm {
        case sha1, sha256
        var size: Int { self == .sha1 ? 20 : 32 }
        var label: String { self == .sha1 ? "sha1" : "sha256" }
        func hash(_ b: UnsafeRawBufferPointer) -> [UInt8] { self == .sha1 ? SHA1.hash(b) : Sodium.sha256(b) }
    }
    var algorithm: Algorithm
    var bytes: [UInt8]

    /// Nil for other algorithms and for values that decode to the wrong length.
    init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        switch text[..<colon].lowercased().filter({ $0 != "-" }) {
        case "sha1": algorithm = .sha1
        case "sha256": algorithm = .sha256
        default: return nil
        }
        let value = String(text[text.index(after: colon)...]).trimmingSpaces
        let hex = value.utf8.count == algorithm.size * 2
        guard let decoded = hex ? Hex.decode(value) : Base32.decode(value[...], padded: true), decoded.count == algorithm.size
        else {
            return nil
        }
        bytes = decoded
    }
}

/// SHA-1 (FIPS 180-4), one shot. libsodium has none, and WARC writers (warcio, wget, Heritrix)
/// default to it; here it only detects damage, where its collision weakness does not matter.
/// About 500 MB/s per core (-O): a 16-word rolling message schedule, rounds unrolled by five
/// with the variables renamed instead of moved, and the usual reduced boolean functions.
enum SHA1 {
    static func hash(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        let n = data.count
        let full = n / 64
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            h.withUnsafeMutableBufferPointer { hp in
                if let base = data.baseAddress {
                    for k in 0..<full { compress(base + k * 64, w.baseAddress!, hp.baseAddress!) }
                }
                // The last bytes, 0x80, zeros, and the length in bits (big-endian): one or two blocks.
                var last = [UInt8](repeating: 0, count: 128)
                let rest = n - full * 64
                for k in 0..<rest { last[k] = data[full * 64 + k] }
                last[rest] = 0x80
                let blocks = rest < 56 ? 1 : 2
                let bitLength = UInt64(n) &* 8
                for k in 0..<8 { last[blocks * 64 - 1 - k] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(k))) }
                last.withUnsafeBytes { lb in
                    for k in 0..<blocks { compress(lb.baseAddress! + k * 64, w.baseAddress!, hp.baseAddress!) }
                }
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for v in h { out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        return out
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }

    private static func compress(_ p: UnsafeRawPointer, _ w: UnsafeMutablePointer<UInt32>, _ h: UnsafeMutablePointer<UInt32>) {
        for t in 0..<16 { w[t] = UInt32(bigEndian: p.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
        @inline(__always) func word(_ t: Int) -> UInt32 {
            if t < 16 { return w[t] }
            let v = rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1)
            w[t & 15] = v
            return v
        }
        // Five rounds per iteration with the roles of a...e rotated by name, not by moving values.
        @inline(__always) func r(_ a: UInt32, _ b: inout UInt32, _ e: inout UInt32, _ f: UInt32, _ k: UInt32, _ t: Int) {
            e = e &+ rotl(a, 5) &+ f &+ k &+ word(t)
            b = rotl(b, 30)
        }
        var t = 0
        while t < 20 {
            r(a, &b, &e, d ^ (b & (c ^ d)), 0x5A82_7999, t)
            r(e, &a, &d, c ^ (a & (b ^ c)), 0x5A82_7999, t + 1)
            r(d, &e, &c, b ^ (e & (a ^ b)), 0x5A82_7999, t + 2)
            r(c, &d, &b, a ^ (d & (e ^ a)), 0x5A82_7999, t + 3)
            r(b, &c, &a, e ^ (c & (d ^ e)), 0x5A82_7999, t + 4)
            t += 5
        }
        while t < 40 {
            r(a, &b, &e, b ^ c ^ d, 0x6ED9_EBA1, t)
            r(e, &a, &d, a ^ b ^ c, 0x6ED9_EBA1, t + 1)
            r(d, &e, &c, e ^ a ^ b, 0x6ED9_EBA1, t + 2)
            r(c, &d, &b, d ^ e ^ a, 0x6ED9_EBA1, t + 3)
            r(b, &c, &a, c ^ d ^ e, 0x6ED9_EBA1, t + 4)
            t += 5
        }
        while t < 60 {
            r(a, &b, &e, (b & c) | (d & (b | c)), 0x8F1B_BCDC, t)
            r(e, &a, &d, (a & b) | (c & (a | b)), 0x8F1B_BCDC, t + 1)
            r(d, &e, &c, (e & a) | (b & (e | a)), 0x8F1B_BCDC, t + 2)
            r(c, &d, &b, (d & e) | (a & (d | e)), 0x8F1B_BCDC, t + 3)
            r(b, &c, &a, (c & d) | (e & (c | d)), 0x8F1B_BCDC, t + 4)
            t += 5
        }
        while t < 80 {
            r(a, &b, &e, b ^ c ^ d, 0xCA62_C1D6, t)
            r(e, &a, &d, a ^ b ^ c, 0xCA62_C1D6, t + 1)
            r(d, &e, &c, e ^ a ^ b, 0xCA62_C1D6, t + 2)
            r(c, &d, &b, d ^ e ^ a, 0xCA62_C1D6, t + 3)
            r(b, &c, &a, c ^ d ^ e, 0xCA62_C1D6, t + 4)
            t += 5
        }
        h[0] &+= a
        h[1] &+= b
        h[2] &+= c
        h[3] &+= d
        h[4] &+= e
    }
}
