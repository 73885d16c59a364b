import Support

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one target: under libFuzzer when built with `-sanitize=fuzzer -DFUZZING` (`make fuzz`;
/// the arguments are libFuzzer's), otherwise over the files named on the command line (to
/// replay a crasher in a normal build: `.build/debug/fuzz-warc crash-…`).
public enum FuzzDriver {
    nonisolated(unsafe) static var current: ((UnsafeRawBufferPointer) -> Void)?

    public static func main(_ target: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) -> Never {
        current = target
        #if FUZZING
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(llvmFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
            let files = CommandLine.arguments.dropFirst()
            if files.isEmpty || files.contains("--help") {
                print("usage: \(CommandLine.arguments[0]) FILE...  (runs the target on each file; `make fuzz` builds the fuzzing variant)")
                exit(files.isEmpty ? 64 : 0)
            }
            for f in files {
                guard let bytes = try? FileSystem.readFile(f) else {
                    print("cannot read \(f)")
                    exit(1)
                }
                bytes.withUnsafeBytes { target($0) }
                print("ok \(f) (\(bytes.count) bytes)")
            }
            exit(0)
        #endif
    }
}

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func llvmFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafeRawPointer?, Int) -> CInt
    ) -> CInt

    /// libFuzzer's own `main` (linked in, never called: the driver's is) needs this symbol.
    @_cdecl("LLVMFuzzerTestOneInput") public func fuzzOneInput(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
        FuzzDriver.current?(UnsafeRawBufferPointer(start: count == 0 ? nil : data, count: count))
        return 0
    }
#endif
