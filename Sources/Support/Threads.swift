#if canImport(Glibc)
    import Glibc
#endif

// The one threading model below the network layers: OS threads and a monitor. Ingest's
// pipeline and the builder's parallel tree builds use these; only Remote and Serve, which sit
// on SwiftNIO, use event loops.

/// A mutex with one condition variable: the only synchronisation the pipeline needs.
public final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (with the lock held by the caller inside `locked`) until signalled.
    public func wait() { pthread_cond_wait(cond, mutex) }
    public func broadcast() { pthread_cond_broadcast(cond) }
}

/// A joinable OS thread running `body`.
public final class Worker: @unchecked Sendable {
    private var thread = pthread_t()

    public init(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { arg in
                let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
                b.body()
                return nil
            }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
    }

    public func join() { pthread_join(thread, nil) }
}

/// Online CPUs, for the default worker count.
public var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// Calls `body(i)` for every `i` in `0..<iterations`, on at most `width` threads (the calling
/// thread is one of them), and returns when every call has returned: what
/// `DispatchQueue.concurrentPerform` does, on this file's threads.
public func concurrentlyPerform(iterations: Int, width: Int = processorCount, _ body: @Sendable (Int) -> Void) {
    guard iterations > 0 else { return }
    final class Counter: @unchecked Sendable {
        let monitor = Monitor()
        var next = 0
        func take(below limit: Int) -> Int? {
            monitor.locked {
                guard next < limit else { return nil }
                defer { next += 1 }
                return next
            }
        }
    }
    let counter = Counter()
    // The workers are joined before this returns, so `body` never outlives the call.
    withoutActuallyEscaping(body) { body in
        let drain: @Sendable () -> Void = { while let i = counter.take(below: iterations) { body(i) } }
        let workers = (1..<max(1, min(width, iterations))).map { _ in Worker(drain) }
        drain()
        for w in workers { w.join() }
    }
}
