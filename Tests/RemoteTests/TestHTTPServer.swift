import Foundation
import Synchronization
import TextTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 whose every answer the test scripts, including the
/// broken ones real hosts produce: wrong status, a body cut short, wrong bytes, silence, a
/// trickle. One thread per connection, keep-alive, plain POSIX sockets (nothing shared with the
/// client under test).
final class TestHTTPServer: Sendable {
    enum Reply: Sendable {
        /// A complete answer.
        case respond(status: Int, body: [UInt8], headers: [(String, String)] = [])
        /// Announces `announced` bytes, sends `body` (fewer), then closes the connection.
        case truncated(announced: Int, body: [UInt8])
        /// Reads the request, then says nothing for `seconds` and closes.
        case stall(seconds: Double)
        /// Sends the head, then the body one byte every `interval` seconds.
        case drip(body: [UInt8], interval: Double)
    }

    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
    }

    let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let log = Mutex<[Request]>([])
    private let stopped = Atomic<Bool>(false)

    init(_ handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); throw ServerError("bind/listen: \(errno)") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let c = accept(fd, nil, nil)
                if c < 0 { if errno == EINTR { continue } else { break } }
                Thread { self.serve(c) }.start()
            }
        }.start()
    }

    var base: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { log.withLock { $0 } }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { if !stopped.load(ordering: .relaxed) { stop() } }

    private func serve(_ c: Int32) {
        defer { close(c) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // Read one request head.
            var headEnd: Int? = nil
            while headEnd == nil {
                if let r = find(pending, [13, 10, 13, 10]) { headEnd = r; break }
                let n = recv(c, &chunk, chunk.count, 0)
                if n <= 0 { return }
                pending += chunk[0..<n]
            }
            let head = String(decoding: pending[0..<headEnd!], as: UTF8.self)
            pending.removeFirst(headEnd! + 4)
            let lines = head.components(separatedBy: "\r\n")
            let parts = lines[0].split(separator: " ")
            guard parts.count >= 2 else { return }
            var headers: [String: String] = [:]
            for l in lines.dropFirst() {
                if let i = l.firstIndex(of: ":") {
                    headers[l[..<i].lowercased()] = l[l.index(after: i)...].trimmingCharacters(in: .whitespaces)
                }
            }
            let request = Request(method: String(parts[0]), path: String(parts[1]), headers: headers)
            log.withLock { $0.append(request) }
            let isHead = request.method == "HEAD"
            switch handler(request) {
            case .respond(let status, let body, let extra):
                var h = "HTTP/1.1 \(status) X\r\nContent-Length: \(body.count)\r\n"
                for (k, v) in extra { h += "\(k): \(v)\r\n" }
                guard send(c, Array((h + "\r\n").utf8) + (isHead ? [] : body)) else { return }
            case .truncated(let announced, let body):
                _ = send(c, Array("HTTP/1.1 200 OK\r\nContent-Length: \(announced)\r\n\r\n".utf8) + body)
                return
            case .stall(let seconds):
                usleep(useconds_t(seconds * 1e6))
                return
            case .drip(let body, let interval):
                guard send(c, Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n".utf8)) else { return }
                for b in body {
                    usleep(useconds_t(interval * 1e6))
                    guard send(c, [b]) else { return }
                }
            }
        }
    }

    private func send(_ c: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(c, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
