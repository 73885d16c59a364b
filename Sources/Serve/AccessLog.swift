import Hummingbird
import NIOCore
import NIOPosix

/// One line per request after it is answered:
/// `127.0.0.1 GET /blocks/bafy… 200 2731 0.4ms`.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let sink: @Sendable (String) -> Void

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        let start = NIODeadline.now()
        let peer = context.remoteAddress?.ipAddress ?? "-"
        // Paths are logged as received, with control characters removed so a line stays a line.
        let path = String(
            String(request.uri.description.prefix(300)).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        func line(_ status: Int, _ bytes: Int?) -> String {
            let ms = Double((NIODeadline.now() - start).nanoseconds) / 1e6
            return "\(peer) \(request.method.rawValue) \(path) \(status) \(bytes.map(String.init) ?? "-") \(String(format: "%.1f", ms))ms"
        }
        do {
            let response = try await next(request, context)
            sink(line(response.status.code, response.body.contentLength))
            return response
        } catch let e as HTTPResponseError {
            sink(line(e.status.code, nil))
            throw e
        } catch {
            sink(line(500, nil))
            throw error
        }
    }
}
