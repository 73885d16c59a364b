#if !hasFeature(Embedded)
    /// What the read path (blocks, tree nodes, index records, search) throws: any error here. The
    /// browser's module compiles the same files as Embedded Swift, which has no `any Error`; there
    /// it names one enum of every case the read path throws (Wasm/QueryCore/Failure.swift).
    public typealias ReadFailure = any Error
#endif

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws `ReadFailure`: the standard library's version
    /// `rethrows`, which Embedded Swift sees as `any Error`; natively it is that version.
    @inline(__always)
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ReadFailure) -> R) throws(ReadFailure) -> R {
        #if hasFeature(Embedded)
            try withUnsafeBytes { buf in Result { () throws(ReadFailure) in try body(buf) } }.get()
        #else
            try withUnsafeBytes(body)
        #endif
    }
}
