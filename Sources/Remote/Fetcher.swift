import AsyncHTTPClient
import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP request's answer: the status, a few headers and the whole body.
struct FetchResponse: Sendable {
    var status: Int
    var body: [UInt8]
    var etag: String?
    var lastModified: String?
}

/// A request to make: the URL, the body-size limit, extra headers.
struct FetchRequest: Sendable {
    var url: String
    var method: HTTPMethod = .GET
    var limit: Int
    var headers: [(String, String)] = []
    /// Statuses returned as answers rather than errors (e.g. 304 for a conditional GET).
    var acceptedStatuses: Set<Int> = []
}

/// An HTTP/1.1 client with a keep-alive connection pool that fetches whole bodies with a size
/// limit, a per-attempt deadline and bounded retries with exponential backoff.
///
/// The blocking entry point, `fetchAll`, waits on a semaphore for futures that complete on
/// NIO's event loops, so it never needs Swift concurrency's cooperative threads (which a caller
/// may itself be occupying); it refuses to run on an event loop, where waiting would deadlock.
final class Fetcher: Sendable {
    let client: HTTPClient
    let options: RemoteOptions
    private let stats = Mutex(ReadCost())

    init(options: RemoteOptions) {
        self.options = options
        var config = HTTPClient.Configuration()
        config.timeout = .init(
            connect: .milliseconds(Int64(options.connectTimeout * 1000)),
            read: .milliseconds(Int64(options.timeout * 1000)))
        config.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, options.concurrency))
        config.redirectConfiguration = options.followRedirects ? .follow(max: 5, allowCycles: false) : .disallow
        config.decompression = .disabled
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config)
    }

    deinit {
        // Non-blocking: deinit may run on any thread, an event loop included.
        client.shutdown { _ in }
    }

    var counters: ReadCost { stats.withLock { $0 } }
    func count(_ update: (inout ReadCost) -> Void) { stats.withLock { update(&$0) } }

    // MARK: Blocking

    /// Runs `requests` with at most `options.concurrency` in flight and waits for all of them.
    /// Results are in request order; each is a body or the error its last attempt met.
    func fetchAll(_ requests: [FetchRequest]) throws -> [Result<FetchResponse, RemoteError>] {
        if requests.isEmpty { return [] }
        if MultiThreadedEventLoopGroup.currentEventLoop != nil {
            throw RemoteError.onEventLoop(url: requests[0].url)
        }
        let batch = Batch(count: requests.count)
        let group = DispatchGroup()
        @Sendable func startNext() {
            let i = batch.next.add(1, ordering: .relaxed).oldValue
            guard i < requests.count else { return }
            group.enter()
            fetch(requests[i]).whenComplete { r in
                let mapped = r.mapError { $0 as? RemoteError ?? .connection(url: requests[i].url, message: "\($0)", attempts: 1) }
                batch.results.withLock { $0[i] = mapped }
                startNext()  // enters before this one leaves, so the group never empties early
                group.leave()
            }
        }
        for _ in 0..<min(max(1, options.concurrency), requests.count) { startNext() }
        group.wait()
        return batch.results.withLock { $0.map { $0! } }
    }

    /// A batch's shared state (noncopyable Mutex and Atomic cannot be captured directly).
    private final class Batch: Sendable {
        let results: Mutex<[Result<FetchResponse, RemoteError>?]>
        let next = Atomic<Int>(0)
        init(count: Int) { results = Mutex(Array(repeating: nil, count: count)) }
    }

    func fetchOne(_ request: FetchRequest) throws -> FetchResponse {
        try fetchAll([request])[0].get()
    }

    // MARK: Futures

    /// One request with retries: transient failures are tried again after a growing pause.
    func fetch(_ request: FetchRequest, attempt: Int = 1) -> EventLoopFuture<FetchResponse> {
        let loop = client.eventLoopGroup.next()
        return once(request, on: loop).flatMapError { error in
            let e = error as? RemoteError ?? .connection(url: request.url, message: "\(error)", attempts: attempt)
            guard e.isTransient, attempt <= self.options.retries else { return loop.makeFailedFuture(e.withAttempts(attempt)) }
            let pause = self.options.backoff * Double(1 << (attempt - 1)) * Double.random(in: 0.75...1.25)
            return loop.scheduleTask(in: .nanoseconds(Int64(pause * 1e9))) {}.futureResult.flatMap {
                self.fetch(request, attempt: attempt + 1)
            }
        }
    }

    /// One attempt.
    private func once(_ request: FetchRequest, on loop: EventLoop) -> EventLoopFuture<FetchResponse> {
        let http: HTTPClient.Request
        do {
            http = try HTTPClient.Request(url: request.url, method: request.method)
        } catch {
            return loop.makeFailedFuture(RemoteError.badURL(request.url))
        }
        var req = http
        for (name, value) in request.headers { req.headers.add(name: name, value: value) }
        count { $0.requests += 1 }
        let delegate = BodyCollector(request: request, fetcher: self)
        let deadline = NIODeadline.now() + .nanoseconds(Int64(options.timeout * 1e9))
        let task = client.execute(request: req, delegate: delegate, eventLoop: .delegate(on: loop), deadline: deadline)
        let seconds = options.timeout
        return task.futureResult.flatMapErrorThrowing { error in
            throw Fetcher.describe(error, request: request, delegate: delegate, seconds: seconds)
        }
    }

    /// Turns the client's and NIO's errors into one-line `RemoteError`s naming the URL.
    static func describe(_ error: Error, request: FetchRequest, delegate: BodyCollector, seconds: Double) -> RemoteError {
        if let e = error as? RemoteError { return e }
        let url = request.url
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout, .writeTimeout:
                return .timeout(url: url, seconds: seconds, attempts: 1)
            case .remoteConnectionClosed, .bodyLengthMismatch:
                if let r = delegate.receivedHead { return .truncated(url: url, received: r.received, expected: r.expected) }
                return .connection(url: url, message: "connection closed before an answer", attempts: 1)
            case .invalidURL, .emptyHost, .emptyScheme:
                return .badURL(url)
            default:
                return .connection(url: url, message: "\(e)", attempts: 1)
            }
        }
        if let e = error as? HTTPParserError, let r = delegate.receivedHead, case .invalidEOFState = e {
            return .truncated(url: url, received: r.received, expected: r.expected)
        }
        if let e = error as? ChannelError, case .connectTimeout = e { return .timeout(url: url, seconds: seconds, attempts: 1) }
        if let e = error as? IOError {
            // NIO's own text repeats itself ("connection reset (error set): … (errno: 111)").
            return .connection(url: url, message: String(cString: strerror(e.errnoCode)).lowercased(), attempts: 1)
        }
        if let e = error as? NIOConnectionError {
            if e.dnsAError != nil || e.dnsAAAAError != nil, e.connectionErrors.isEmpty {
                return .connection(url: url, message: "cannot resolve host \(e.host)", attempts: 1)
            }
            if let first = e.connectionErrors.first?.error as? IOError {
                return .connection(url: url, message: String(cString: strerror(first.errnoCode)).lowercased(), attempts: 1)
            }
        }
        if let r = delegate.receivedHead, r.expected.map({ r.received < $0 }) ?? false {
            return .truncated(url: url, received: r.received, expected: r.expected)
        }
        return .connection(url: url, message: "\(error)", attempts: 1)
    }
}

/// Collects one response body up to the request's limit. AHC calls every method on the task's
/// event loop, one after another, so the state needs no lock beyond that ordering; the lock
/// only makes the state readable when the future fails.
final class BodyCollector: HTTPClientResponseDelegate, Sendable {
    typealias Response = FetchResponse

    private struct State {
        var status = 0
        var expected: Int?
        var body: [UInt8] = []
        var received = 0
        var headReceived = false
        var etag: String?
        var lastModified: String?
    }

    let request: FetchRequest
    private let fetcher: Fetcher
    private let state = Mutex(State())

    init(request: FetchRequest, fetcher: Fetcher) {
        self.request = request
        self.fetcher = fetcher
    }

    /// The head's announced length and the body bytes received so far, once a head arrived.
    var receivedHead: (received: Int, expected: Int?)? {
        state.withLock { $0.headReceived ? ($0.received, $0.expected) : nil }
    }

    func didReceiveHead(task: HTTPClient.Task<FetchResponse>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        let status = Int(head.status.code)
        let length = head.headers.first(name: "content-length").flatMap { Int($0) }
        state.withLock { s in
            s.status = status
            s.expected = length
            s.headReceived = true
            s.etag = head.headers.first(name: "etag")
            s.lastModified = head.headers.first(name: "last-modified")
            if status / 100 == 2, let length, length <= request.limit { s.body.reserveCapacity(length) }
        }
        if status / 100 == 2, let length, length > request.limit {
            return task.eventLoop.makeFailedFuture(RemoteError.tooLarge(url: request.url, limit: request.limit))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<FetchResponse>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        fetcher.count { $0.bytes += buffer.readableBytes }
        let over = state.withLock { s -> Bool in
            s.received += buffer.readableBytes
            guard s.status / 100 == 2 else { return s.received > 1 << 20 }  // error pages: read, drop, bound
            guard s.received <= request.limit else { return true }
            s.body.append(contentsOf: buffer.readableBytesView)
            return false
        }
        if over { return task.eventLoop.makeFailedFuture(RemoteError.tooLarge(url: request.url, limit: request.limit)) }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<FetchResponse>) throws -> FetchResponse {
        let s = state.withLock { $0 }
        let url = request.url
        if s.status / 100 == 2 {
            if request.method != .HEAD, let e = s.expected, s.received != e {
                throw RemoteError.truncated(url: url, received: s.received, expected: e)
            }
            return FetchResponse(status: s.status, body: s.body, etag: s.etag, lastModified: s.lastModified)
        }
        if request.acceptedStatuses.contains(s.status) {
            return FetchResponse(status: s.status, body: [], etag: s.etag, lastModified: s.lastModified)
        }
        if s.status == 404 || s.status == 410 { throw RemoteError.notFound(url: url) }
        throw RemoteError.status(url: url, code: s.status, attempts: 1)
    }
}
