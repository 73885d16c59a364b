import Brotli
import Zlib
import Zstd

/// HTTP `Content-Encoding` removal: gzip, x-gzip, deflate (zlib-wrapped or raw, as servers
/// really send it), br, zstd, identity, and stacks of them (`gzip, br` is undone right to left).
enum ContentDecoding {
    enum Failure: Error { case unknown(String), failed(String), tooLarge }

    /// Decodes `body` per the comma-separated `header`, each stage bounded by `limit` bytes.
    static func decode(_ body: [UInt8], header: String, limit: Int) throws(Failure) -> [UInt8] {
        let codings = header.split(separator: ",").map { String($0).trimmingSpaces.lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" && $0 != "none" }
        var data = body
        for coding in codings.reversed() {
            data = try decodeOne(data, coding: coding, limit: limit)
        }
        return data
    }

    private static func decodeOne(_ data: [UInt8], coding: String, limit: Int) throws(Failure) -> [UInt8] {
        do {
            switch coding {
            case "gzip", "x-gzip":
                return try Zlib.decompress(data, format: .gzip, limit: limit)
            case "deflate":
                if data.count >= 2, (UInt16(data[0]) << 8 | UInt16(data[1])) % 31 == 0, data[0] & 0x0f == 8 {
                    if let out = try? Zlib.decompress(data, format: .zlib, limit: limit) { return out }
                }
                return try Zlib.decompress(data, format: .raw, limit: limit)
            case "br":
                return try Brotli.decompress(data, limit: limit)
            case "zstd":
                return try zstd(data, limit: limit)
            default:
                throw Failure.unknown(coding)
            }
        } catch let f as Failure {
            throw f
        } catch Zlib.Error.tooLarge, Brotli.Error.tooLarge {
            throw Failure.tooLarge
        } catch {
            throw Failure.failed("\(coding): \(error)")
        }
    }

    private static func zstd(_ data: [UInt8], limit: Int) throws -> [UInt8] {
        var decoder = Zstd.StreamDecoder()
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var offset = 0
        while true {
            let step = try data.withUnsafeBytes { d in
                try chunk.withUnsafeMutableBytes { c in
                    try decoder.decompress(UnsafeRawBufferPointer(rebasing: d[offset...]), into: c)
                }
            }
            offset += step.consumed
            guard out.count + step.produced <= limit else { throw Failure.tooLarge }
            out.append(contentsOf: chunk[0..<step.produced])
            if step.frameEnded && offset == data.count { return out }
            if step.consumed == 0 && step.produced == 0 && !step.frameEnded { throw Failure.failed("zstd: truncated") }
        }
    }
}
