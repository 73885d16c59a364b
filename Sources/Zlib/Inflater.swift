import CZlib

extension Zlib {
    /// What one `Inflater.inflate` call did.
    public struct Step: Sendable, Equatable {
        /// Input bytes used.
        public var consumed: Int
        /// Output bytes written.
        public var produced: Int
        /// The stream (for gzip: the current member) ended; call `reset()` before the next one.
        public var streamEnded: Bool
    }

    /// A streaming inflater that owns one `z_stream`. It never allocates output: the caller
    /// supplies buffers, so memory stays constant however large the stream is.
    public struct Inflater: ~Copyable {
        // zlib keeps a pointer back to the z_stream, so it must not move: it lives on the heap.
        private let strm: UnsafeMutablePointer<z_stream>
        public let format: Format

        public init(format: Format) throws {
            self.format = format
            strm = .allocate(capacity: 1)
            strm.initialize(to: z_stream())
            let rc = czlib_inflate_init(strm, format.windowBits)
            guard rc == Z_OK else {
                strm.deinitialize(count: 1)
                strm.deallocate()
                throw Error.outOfMemory
            }
        }

        deinit {
            inflateEnd(strm)
            strm.deinitialize(count: 1)
            strm.deallocate()
        }

        /// Prepares for a new stream (the next gzip member) with the same format.
        public mutating func reset() {
            inflateReset(strm)
        }

        /// Inflates from `input` into `output` until one of them is used up or the stream ends.
        /// A step with nothing consumed and nothing produced means zlib needs more input.
        /// Throws `.corrupt` with zlib's message on invalid data.
        public mutating func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Step {
            guard let out = output.baseAddress, output.count > 0 else { return Step(consumed: 0, produced: 0, streamEnded: false) }
            // avail_in/avail_out are 32-bit.
            let inCount = min(input.count, Int(UInt32.max))
            let outCount = min(output.count, Int(UInt32.max))
            strm.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            strm.pointee.avail_in = uInt(inCount)
            strm.pointee.next_out = out.assumingMemoryBound(to: Bytef.self)
            strm.pointee.avail_out = uInt(outCount)
            let rc = CZlib.inflate(strm, Z_NO_FLUSH)
            let step = Step(
                consumed: inCount - Int(strm.pointee.avail_in),
                produced: outCount - Int(strm.pointee.avail_out),
                streamEnded: rc == Z_STREAM_END)
            strm.pointee.next_in = nil
            switch rc {
            case Z_OK, Z_STREAM_END, Z_BUF_ERROR:
                return step
            case Z_MEM_ERROR:
                throw Error.outOfMemory
            case Z_NEED_DICT:
                throw Error.corrupt("stream needs a preset dictionary")
            default:
                let message = strm.pointee.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw Error.corrupt(message)
            }
        }
    }
}
