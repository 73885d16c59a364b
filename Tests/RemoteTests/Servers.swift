import Foundation
import TextTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The built `indexer` binary (`make test` builds it before the tests run).
func indexerBinary() throws -> String {
    for config in ["debug", "release"] {
        let p = PythonChecker.packageRoot.appendingPathComponent(".build/\(config)/indexer").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw ServerError("indexer binary not built: run `swift build` first (make test does)")
}

/// `indexer serve DIR... --port 0` as a child process; `base` is the URL it printed.
final class IndexerServer: Sendable {
    let child: ChildProcess
    let base: String

    init(_ directories: [String], extra: [String] = []) throws {
        child = try ChildProcess(try indexerBinary(), ["serve"] + directories + ["--port", "0", "--quiet"] + extra)
        var line = try child.firstLine(within: 30)
        while line.hasSuffix("/") { line.removeLast() }
        base = line
    }

    /// SIGTERM, then the exit status (nil if it did not exit within `seconds`).
    func terminate(within seconds: Double) -> Int32? {
        kill(child.process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while child.process.isRunning && Date() < deadline { usleep(20_000) }
        return child.process.isRunning ? nil : child.process.terminationStatus
    }
}

/// A free loopback port (bound and released: another process could take it in between, which
/// on a test machine is unlikely enough).
func freePort() throws -> Int {
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
final class NginxServer: Sendable {
    let child: ChildProcess
    let base: String
    let prefix: String

    init(root: String) throws {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { throw ServerError("nginx is not installed: run `make setup` (it installs Debian's nginx)") }
        prefix = tempDirectory("nginx")
        let port = try freePort()
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
                types { application/json json; }
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

    var accessLog: String { (try? String(contentsOfFile: prefix + "/access.log", encoding: .utf8)) ?? "" }

    func stop() { child.stop() }
}

func canConnect(_ port: Int) -> Bool {
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
