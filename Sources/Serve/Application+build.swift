import Blocks
import Hummingbird
import HummingbirdCore
import Index
import Logging
import NIOCore
import NIOPosix
import Search
import Support

/// What `indexer serve` serves and where.
public struct ServeConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (see `onRunning`).
    public var port = 8080
    /// The first is also served at `/`; every one at `/<name>/`.
    public var indexes: [ServedIndex]
    /// Receives one access-log line per request (nil: no log).
    public var accessLog: (@Sendable (String) -> Void)?
    /// Called once the server listens, with the port it bound.
    public var onRunning: (@Sendable (Int) -> Void)?
    /// Largest `limit` the search API accepts.
    public var maxResults = 100
    /// Longest query the search API accepts, in bytes.
    public var maxQueryBytes = 2000
    /// Analyzed terms one query may look up (a word with several forms counts each; a
    /// filter or date range counts one), and prefixes (`word*`, each expanding to up to
    /// `queryBudget.expansions` terms per field). More are refused with 400.
    public var maxQueryTerms = 32
    public var maxQueryPrefixes = 4
    /// What one search may cost before it stops with partial results (`partial: true`).
    public var queryBudget = SearchBudget.Limits()
    /// Searches running at once; one that finds none free waits up to `searchWait` (with at
    /// most `maxWaitingSearches` others), then gets 503 with Retry-After.
    public var maxSearches = processorCount
    public var maxWaitingSearches = 64
    public var searchWait: Duration = .seconds(5)
    /// Replay links for every result from this template, instead of each group's own.
    public var replay: ReplayTemplate?
    /// Receives what an operator must know while serving (a block that does not match its
    /// CID), whether or not there is an access log.
    public var warnings: (@Sendable (String) -> Void)?
    /// The static page's files for an index folder without `search/` (`page`: the HTML and
    /// scripts, `wasm`: querycore.wasm); nil: such a folder has no page.
    public var pageFiles: (page: String, wasm: String)?
    /// Tests: called on the search thread as each search starts and ends.
    var searchObserver: (@Sendable (SearchEvent) -> Void)?

    public init(indexes: [ServedIndex]) { self.indexes = indexes }
}

/// What `ServeConfiguration.searchObserver` sees.
enum SearchEvent: Sendable {
    case started
    case finished(stopped: SearchBudget.Reason?, candidates: Int, phraseChecks: Int)
}

/// The request context: Hummingbird's core storage plus the peer's address for the log.
public struct ServeContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Nothing we serve takes a request body.
    public var maxUploadSize: Int { 0 }
}

/// The router `indexer serve` runs and the tests drive in-process.
///
/// URL layout (the first index also at the root, every index under its name):
///
///     /                       redirects to search/     /<name>/                redirects to /<name>/search/
///     /search/                the static search page   /<name>/search/         (the folder's search/, as build writes it)
///     /manifest.json          first index's manifest   /<name>/manifest.json   (no-cache, ETag)
///     /names.json             group names, if any      /<name>/names.json
///     /bootstrap.car          the manifest's bootstrap /<name>/bootstrap.car  (no-cache)
///     /blocks/<cid>           first index's blocks     /<name>/blocks/<cid>    (immutable, ETag = CID, Range)
///     /ipfs/<cid>             a raw block from any index (trustless-gateway style)
///     /api/search?q=&index=&limit=&offset=             JSON results with HTML snippets (budgeted, gated)
///     /api/indexes                                     JSON list of the served indexes
public func buildRouter(_ config: ServeConfiguration) -> Router<ServeContext> {
    let router = Router(context: ServeContext.self)
    if let sink = config.accessLog { router.add(middleware: AccessLogMiddleware(sink: sink)) }
    let handler = RequestHandler(config: config)
    for path: RouterPath in ["/", "**"] {
        router.get(path) { request, context in try await handler.respond(request, context) }
        // Hummingbird derives HEAD from GET only for plain routes, so wildcard HEAD is explicit.
        router.head(path) { request, context in try await handler.respond(request, context).createHeadResponse() }
    }
    return router
}

/// The whole application: the router on HTTP/1.1 with bounded header sizes and an idle
/// timeout. `runService()` on it stops gracefully on SIGINT and SIGTERM.
public func buildApplication(_ config: ServeConfiguration, logger: Logger? = nil) -> some ApplicationProtocol {
    var quiet = Logger(label: "indexer-serve")
    quiet.logLevel = .warning
    let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 64 << 10,
        maxHeaderFieldCount: 100)
    let onRunning = config.onRunning
    return Application(
        router: buildRouter(config),
        server: .http1(configuration: .init(idleTimeout: .seconds(75), httpDecoderConfiguration: decoder)),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "indexer"),
        onServerRunning: { channel in onRunning?(channel.localAddress?.port ?? config.port) },
        logger: logger ?? quiet)
}
