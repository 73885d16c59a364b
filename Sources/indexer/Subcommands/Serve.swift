import ArgumentParser
import Foundation
import Hummingbird
import Remote
import Search
import Serve
import Support

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve index folders read-only over HTTP, with a search page and a JSON search API.",
        discussion: """
            The first index is served at / (manifest.json, blocks/<cid> and blocks/<xy>/<cid>, \
            whichever layout the folder has) and every index at \
            /<name>/, where name is its folder's name. Blocks carry Cache-Control immutable and \
            their CID as ETag, and honour Range; /ipfs/<cid> serves raw blocks from any of the \
            indexes as an IPFS trustless gateway would. /api/search?q=&index=&limit=&offset= \
            answers JSON for programs. / leads to search/, the static search page build writes \
            beside an index (the package's own copy for a folder without one): the browser runs \
            the query engine itself over the index's blocks, as from any static host. Prints the server's URL on stdout, \
            one access-log line per request on stderr (none with --quiet); stops cleanly on Ctrl-C \
            or SIGTERM.

            Hostile folders and queries: no symbolic link inside an index folder is followed \
            (except blocks/ when it links to a folder named blocks, as merge --store \
            makes it); links found are counted at start and answer 404. A block is served only \
            if its bytes hash to its CID (checked once per file version; a mismatch answers 500 \
            and is logged). A search stops early once it has used its budget and answers the \
            best of what it examined with "partial": true; at most --max-searches run at once, \
            more wait briefly and then get 503 with Retry-After.
            """)

    @Argument(help: "Index folders (manifest.json and blocks/).") var indexes: [String]
    @Option(help: "Address to listen on (0.0.0.0 for every interface).") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8080
    @Option(
        help: ArgumentHelp(
            "The search API and page use only segments signed by these keys (a file of Ed25519 public keys, one per line); the folders are still served whole.",
            valueName: "file"))
    var trust: String?
    /// `--quiet`: no access log; `--verbose`: each index's documents and root at the start.
    @OptionGroup(title: "Output") var output: Verbosity
    @Option(help: "Wall-clock budget of one search in milliseconds; past it the search answers what it found so far (partial).")
    var queryBudgetMs = SearchBudget.Limits().milliseconds
    @Option(help: "Work budget of one search: documents it may consider in the top-k loop (and a quarter as many phrase-word checks).")
    var queryBudgetCandidates = SearchBudget.Limits().candidates
    @Option(help: "Searches running at once (default: the processor count); more wait briefly, then get 503.")
    var maxSearches = processorCount
    @Option(
        help: ArgumentHelp(
            "Replay links in /api/search from this template instead of each group's own (the one `build --replay` recorded; the page uses the group's).",
            discussion: ReplayOption.help, valueName: "template"))
    var replay: String?

    func validate() throws {
        guard !indexes.isEmpty else { throw ValidationError("give at least one index folder") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard queryBudgetMs > 0, queryBudgetCandidates > 0 else { throw ValidationError("query budgets must be positive") }
        guard maxSearches > 0 else { throw ValidationError("--max-searches must be at least 1") }
        _ = try ReplayOption.parse(replay)
    }

    func run() async throws {
        let names = ServedIndex.names(for: indexes)
        let keys = try trust.map { try TrustList(contentsOf: $0).keys }
        let served = try zip(names, indexes).map { try ServedIndex(name: $0, directory: $1, trustedKeys: keys) }
        var config = ServeConfiguration(indexes: served)
        config.host = host
        config.port = port
        if !output.quiet { config.accessLog = { printError($0) } }
        config.warnings = { printError("warning: " + $0) }
        config.queryBudget.milliseconds = queryBudgetMs
        config.queryBudget.candidates = queryBudgetCandidates
        config.queryBudget.phraseChecks = queryBudgetCandidates / 4
        config.maxSearches = maxSearches
        config.replay = try ReplayOption.parse(replay)
        config.pageFiles = SearchPageFiles.sources()
        let output = self.output
        let host = self.host
        config.onRunning = { port in
            let shown = host.contains(":") ? "[\(host)]" : host
            // Straight to the descriptor, unbuffered: scripts wait for this line.
            var line = "http://\(shown):\(port)/\n"
            line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
            for s in served {
                output.note("serving \(s.directory) at /\(s.name)/" + (s === served[0] ? " and /" : ""))
                for note in s.linkNotes { printError(note) }
                if output.verbose, let view = try? s.view() {
                    output.detail(
                        "  \(view.documentCount) documents in \(view.segments.count) segments, root \(view.manifest.root), analyzer \(view.analyzer)")
                }
            }
        }
        // The server runs on NIO's event loops and Swift's task pool until SIGINT or SIGTERM.
        try await buildApplication(config).runService()
    }
}
