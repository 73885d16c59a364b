import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a server a test needs did not start.
public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// The built `indexer` binary (`make test` builds it before the tests run).
public func indexerBinary() throws -> String {
    for config in ["debug", "release"] {
        let p = PythonChecker.packageRoot.appendingPathComponent(".build/\(config)/indexer").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw ServerError("indexer binary not built: run `swift build` first (make test does)")
}

/// A process started by a test, stopped (by its pid) when the value goes away.
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    public let stdout = Pipe()
    public let stderr = Pipe()

    public init(_ executable: String, _ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    /// The first line the process prints on stdout (a port number, say), waiting at most `seconds`.
    public func firstLine(within seconds: Double) throws -> String {
        let handle = stdout.fileHandleForReading
        let deadline = Date().addingTimeInterval(seconds)
        var line: [UInt8] = []
        while Date() < deadline {
            var fds = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 100) > 0 else { continue }
            var b: UInt8 = 0
            guard read(handle.fileDescriptor, &b, 1) == 1 else { break }
            if b == 10 { return String(decoding: line, as: UTF8.self) }
            line.append(b)
        }
        let err = String(decoding: stderr.fileHandleForReading.availableData, as: UTF8.self)
        throw ServerError("\(process.executableURL!.path) printed no line within \(seconds) s: \(err.prefix(500))")
    }

    public func stop() {
        // SIGKILL: a child of a test process may inherit a mask that blocks SIGTERM.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A free loopback port (bound and released: another process could take it in between, which
/// on a test machine is unlikely enough).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else { throw ServerError("no free port: \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Stock Debian nginx serving `root` as a plain static folder on a loopback port, with a
/// generated configuration and every file it writes under a temporary prefix.
public final class NginxServer: Sendable {
    public let child: ChildProcess
    public let base: String
    public let prefix: String

    public init(root: String) throws {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { throw ServerError("nginx is not installed: run `make setup` (it installs Debian's nginx)") }
        prefix = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID())").path
        try FileManager.default.createDirectory(atPath: prefix, withIntermediateDirectories: true)
        let port = try freePort()
        // Debian's own types (html, js, wasm, json…) as a stock install serves them.
        let stock = "/etc/nginx/mime.types"
        let mimeTypes = FileManager.default.fileExists(atPath: stock) ? "include \(stock);" : "types { application/json json; }"
        let conf = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log \(prefix)/access.log;
                client_body_temp_path \(prefix)/body;
                proxy_temp_path \(prefix)/proxy;
                fastcgi_temp_path \(prefix)/fastcgi;
                uwsgi_temp_path \(prefix)/uwsgi;
                scgi_temp_path \(prefix)/scgi;
                \(mimeTypes)
                default_type application/octet-stream;
                server {
                    listen 127.0.0.1:\(port);
                    root \(root);
                }
            }
            """
        try conf.write(toFile: prefix + "/nginx.conf", atomically: true, encoding: .utf8)
        child = try ChildProcess(binary, ["-p", prefix, "-c", prefix + "/nginx.conf", "-e", prefix + "/error.log"])
        base = "http://127.0.0.1:\(port)"
        // Ready when the port accepts connections.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if canConnect(port) { return }
            guard child.process.isRunning else { break }
            usleep(50_000)
        }
        let log = (try? String(contentsOfFile: prefix + "/error.log", encoding: .utf8)) ?? ""
        child.stop()
        throw ServerError("nginx did not start on port \(port): \(log.suffix(500))")
    }

    public var accessLog: String { (try? String(contentsOfFile: prefix + "/access.log", encoding: .utf8)) ?? "" }

    public func stop() { child.stop() }
}

public func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
