import Nettle
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
        let got = block.withUnsafeBytes { Nettle.sha1(UnsafeRawBufferPointer(rebasing: $0[min(from, $0.count)...])) }
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
        /// Nettle for both: it uses the CPU's SHA extensions where libsodium's SHA-256 does not.
        func hash(_ b: UnsafeRawBufferPointer) -> [UInt8] { self == .sha1 ? Nettle.sha1(b) : Nettle.sha256(b) }
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
