import Zlib
import Zstd

/// The fuzz-http target's structured inputs: a recipe for a response whose body is really
/// compressed and chunked, so that coverage-guided mutation reaches the decoders, chunk
/// extensions, trailers and folded headers behind a valid framing.
///
/// Layout: `0x00`, an encoding byte, a flags byte, a chunk-size byte, then header lines (the
/// fuzzer's, CRLF or LF separated) up to the next `0x00`, then the body's plain bytes.
/// Encoding (low 3 bits): none, gzip, deflate (zlib), deflate (raw, as some servers send it),
/// zstd, gzip then zstd (stacked), x-gzip, identity; bit 3 damages the encoded bytes (one
/// flipped at the chunk-size byte's position). Flags: bit 0 chunked, bit 1 the
/// Content-Encoding header folded onto a continuation line, bit 2 LF-only line ends, bit 3 a
/// chunk extension and a trailer, bit 4 the last chunk left out (a cut body), bit 5 no status
/// 200 but 206, bit 6 the encoding header named twice.
enum HTTPRecipe {
    static func message(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        let b = Array(data)
        guard b.count >= 4 else { return b }
        let encoding = b[1], flags = b[2], chunk = max(1, Int(b[3]))
        let rest = b[4...]
        let split = rest.firstIndex(of: 0) ?? rest.endIndex
        let headers = Array(rest[..<split])
        let plain = split < rest.endIndex ? Array(rest[(split + 1)...]) : []
        let eol: [UInt8] = flags & 4 != 0 ? [0x0A] : [0x0D, 0x0A]

        var body = plain
        var name: String?
        switch encoding & 7 {
        case 1: (body, name) = (Zlib.compress(plain, format: .gzip), "gzip")
        case 2: (body, name) = (Zlib.compress(plain, format: .zlib), "deflate")
        case 3: (body, name) = (Zlib.compress(plain, format: .raw), "deflate")
        case 4: (body, name) = ((try? Zstd.compress(plain, level: 1)) ?? plain, "zstd")
        case 5: (body, name) = ((try? Zstd.compress(Zlib.compress(plain, format: .gzip), level: 1)) ?? plain, "gzip, zstd")
        case 6: (body, name) = (Zlib.compress(plain, format: .gzip), "x-gzip")
        case 7: name = "identity"
        default: break
        }
        if encoding & 8 != 0, !body.isEmpty { body[chunk % body.count] ^= 0x10 }

        var out = Array((flags & 32 != 0 ? "HTTP/1.1 206 Partial Content" : "HTTP/1.1 200 OK").utf8) + eol
        out += headers
        if !headers.isEmpty, headers.last != 0x0A { out += eol }
        if let name {
            let times = flags & 64 != 0 ? 2 : 1
            for _ in 0..<times {
                out += flags & 2 != 0 ? Array("Content-Encoding:".utf8) + eol + Array("\t\(name)".utf8) : Array("Content-Encoding: \(name)".utf8)
                out += eol
            }
        }
        if flags & 1 != 0 {
            out += Array("Transfer-Encoding: chunked".utf8) + eol + eol
            var k = 0
            while k < body.count {
                let n = min(chunk, body.count - k)
                out += Array(String(n, radix: 16).utf8)
                if flags & 8 != 0 { out += Array(";ext=\"v\"".utf8) }
                out += eol + body[k..<k + n] + eol
                k += n
            }
            if flags & 16 == 0 {
                out += Array("0".utf8) + eol
                if flags & 8 != 0 { out += Array("X-Trailer: t".utf8) + eol }
                out += eol
            }
        } else {
            out += Array("Content-Length: \(body.count)".utf8) + eol + eol + body
        }
        return out
    }
}
