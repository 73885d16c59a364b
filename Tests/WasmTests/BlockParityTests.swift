import Foundation
import Sodium
import Testing
import TextTestSupport
import Zstd

/// BLAKE2b and zstd in the wasm module (compiled from libsodium's and libzstd's Debian sources)
/// agree with the native libraries the CLI links: a block verifies and decompresses in the
/// browser exactly when it does on the command line.
@Suite(.serialized) struct BlockParityTests {
    /// Payloads of the shapes blocks hold: text, incompressible bytes, runs, nothing.
    static func payloads() -> [[UInt8]] {
        var rng = SplitMix64(seed: 2026)
        let html = FileManager.default.contents(
            atPath: WasmModule.root.appendingPathComponent("Corpora/demo/group-a/site-alice/index.html").path)
        return [
            [], Array("a".utf8), Array((html ?? Data("missing".utf8))),
            (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &rng) },
            [UInt8](repeating: 0x61, count: 1 << 20),
            (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7 / 13) },
        ]
    }

    @Test func blake2bMatchesLibsodium() throws {
        let payloads = Self.payloads()
        let replies = try WasmModule.run(payloads.map { .blake2b($0) })
        for (payload, reply) in zip(payloads, replies) {
            #expect(reply.output == Sodium.blake2b256(payload), "\(payload.count) bytes")
        }
        // The digest of nothing, as published with BLAKE2b (RFC 7693's parameters, 32 bytes).
        #expect(replies[0].output == hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"))
    }

    /// A block whose bytes do not hash to its CID's digest is refused: one flipped bit in the
    /// data or in the digest.
    @Test func verificationRefusesTamperedBlocks() throws {
        var requests: [WasmModule.Request] = []
        var expected: [Int32] = []
        for payload in Self.payloads() {
            let block = try Zstd.compress(payload, level: 3)
            let digest = Sodium.blake2b256(block)
            var tampered = block
            tampered[tampered.count / 2] ^= 0x10
            var wrongDigest = digest
            wrongDigest[31] ^= 1
            requests += [.verify(block, digest: digest), .verify(tampered, digest: digest), .verify(block, digest: wrongDigest)]
            expected += [1, 0, 0]
        }
        #expect(try WasmModule.run(requests).map(\.result) == expected)
    }

    @Test func zstdMatchesLibzstd() throws {
        var frames: [(frame: [UInt8], limit: Int32)] = []
        for payload in Self.payloads() {
            for level: Int32 in [1, 3, 19] { frames.append((try Zstd.compress(payload, level: level), 4 << 20)) }
        }
        // Frames libzstd refuses, and whose refusal the browser must share.
        let good = try Zstd.compress(Array(repeating: 0x62, count: 10_000), level: 3)
        frames += [
            (good, 9_999),  // declares more than the limit
            (Array(good.dropLast(3)), 1 << 20),  // truncated
            (good + [0], 1 << 20),  // a byte after the frame
            (Array(good[..<6]), 1 << 20),  // a header alone
            ([0x28, 0xB5, 0x2F, 0xFD] + [UInt8](repeating: 0xFF, count: 40), 1 << 20),  // garbage after the magic
            (Array("not zstd".utf8), 1 << 20),
            ([], 1 << 20),
        ]
        let hostile = WasmModule.root.appendingPathComponent("Corpora/fixtures/hostile")
        for name in ["dictionary-frame-too-big.warc.zst", "dictionary-frame-truncated.warc.zst"] {
            let bytes = try #require(FileManager.default.contents(atPath: hostile.appendingPathComponent(name).path))
            frames.append(([UInt8](bytes), 1 << 20))
        }
        let replies = try WasmModule.run(frames.map { .zstd($0.frame, limit: $0.limit) })
        try #require(replies.count == frames.count)
        var decoded = 0
        for ((frame, limit), reply) in zip(frames, replies) {
            let native = try? Zstd.decompress(frame, limit: Int(limit))
            if let native {
                #expect(reply.result == Int32(native.count) && reply.output == native, "\(frame.count)-byte frame")
                decoded += 1
            } else {
                #expect(reply.result == -1 && !reply.output.isEmpty, "\(frame.count)-byte frame: wasm gave \(reply.result)")
            }
        }
        #expect(decoded == Self.payloads().count * 3, "every well-formed frame decodes")
    }

    private func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }
}
