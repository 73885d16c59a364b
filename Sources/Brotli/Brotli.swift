import CBrotli

/// The one Swift owner of libbrotlidec: bounded decoding of HTTP `Content-Encoding: br`.
public enum Brotli {
    /// Decodes one brotli stream. Throws `.tooLarge` as soon as the output would pass `limit`
    /// bytes (never allocating more than that plus one chunk), `.truncated` when the input ends
    /// mid-stream, `.corrupt` on invalid data. Bytes after the end of the stream are ignored.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws -> [UInt8] {
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw Error.outOfMemory }
        defer { BrotliDecoderDestroyInstance(state) }
        var out = [UInt8]()
        let chunkSize = 64 * 1024
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var availIn = input.count
        var nextIn = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        while true {
            var availOut = chunkSize
            let result: BrotliDecoderResult = chunk.withUnsafeMutableBufferPointer { c in
                var nextOut: UnsafeMutablePointer<UInt8>? = c.baseAddress
                return BrotliDecoderDecompressStream(state, &availIn, &nextIn, &availOut, &nextOut, nil)
            }
            let produced = chunkSize - availOut
            if produced > 0 {
                guard out.count + produced <= limit else { throw Error.tooLarge(limit: limit) }
                out.append(contentsOf: chunk[0..<produced])
            }
            switch result {
            case BROTLI_DECODER_RESULT_SUCCESS:
                return out
            case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
                continue
            case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
                throw Error.truncated
            default:
                let code = BrotliDecoderGetErrorCode(state)
                throw Error.corrupt(String(cString: BrotliDecoderErrorString(code)))
            }
        }
    }

    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0, limit: limit) }
    }
}
