// swift-tools-version:6.1
// The layers of docs/DESIGN.md, one target per layer or per concept inside one; a target imports
// only targets of lower layers (or its own). docs/ARCHITECTURE.md draws the graph and the data paths.
// Library declarations are `public`, not `package`, although only the executable is a product:
// `package` symbols miss the default cross-module optimization, which cost 9% of build CPU
// (BENCHMARKS.md, paired check of the architecture pass).
import PackageDescription

let package = Package(
    name: "indexer",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "indexer", targets: ["indexer"]),
    ],
    dependencies: [
        // CLI parsing: the standard for Swift command-line tools, no transitive dependencies.
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        // Remote indexes: HTTP/1.1 with a keep-alive pool, timeouts and redirects.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // `indexer serve`: a lean HTTP server on SwiftNIO; NIO and swift-log come with
        // it and AsyncHTTPClient, named here because Remote and Serve import them directly.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        // `indexer hub`: groups, keys, versions, quotas and sessions in SQLite (libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // 0. Support: dates, hex, JSON, the file system, clocks, a heap; no dependencies.
        .target(name: "Support"),

        // 1. C bindings: one system-library target per C library, each owned by one Swift module.
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CNettle", pkgConfig: "nettle", providers: [.apt(["nettle-dev"])]),
        .target(name: "Sodium", dependencies: ["CSodium"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        .target(name: "Zlib", dependencies: ["CZlib"]),
        .target(name: "Brotli", dependencies: ["CBrotli"]),
        .target(name: "Nettle", dependencies: ["CNettle"]),

        // 2. Blocks: CIDs, DAG-CBOR, block stores, CAR files.
        .target(name: "Blocks", dependencies: ["Support", "Sodium"]),
        // 3. Prolly trees over blocks.
        .target(name: "ProllyTree", dependencies: ["Support", "Blocks", "Zstd"]),

        // 4. Ingest: HTML text extraction (the only owner of libxml2), then WARC / WACZ / site
        // folders to documents.
        .target(name: "HTMLText", dependencies: ["CLibXML2"]),
        .target(name: "Ingest", dependencies: ["Support", "Zstd", "Zlib", "Brotli", "Sodium", "Nettle", "HTMLText"]),
        // 5. Analysis: text to terms (pure Swift; the one analyzer named in every manifest).
        .target(name: "Analysis"),
        // 6. Index: the shard schema on Prolly trees; build (from Ingest documents, with the
        // analyzer), merge, diff, read, verify.
        .target(name: "Index", dependencies: ["Support", "Blocks", "ProllyTree", "Sodium", "Analysis", "Ingest"]),

        // 7. Query: the query language (lexer, parser, `QueryNode`, dates in queries); no index,
        // no results.
        .target(name: "Query", dependencies: ["Support"]),
        // 7. Snippets: a document's best passage with the query's terms marked, wrapped and
        // rendered. A module of its own because it needs only text and the analyzer, not an
        // index: passage selection is tested and benchmarked without a shard; the engine
        // attaches snippets to hits and the outputs wrap and mark them.
        .target(name: "Snippets", dependencies: ["Query", "Analysis"]),
        // 7. Search: query plans evaluated over a shard (BM25, block-max pruning, collapsing),
        // and `IndexSearch`, a query from text to results with snippets (CLI and server alike).
        .target(name: "Search", dependencies: ["Support", "Index", "Query", "Snippets", "Analysis", "ProllyTree", "Blocks"]),
        // 7. Remote: indexes over HTTP (static hosts, IPFS gateways), verified, cached on disk.
        .target(name: "Remote", dependencies: [
            "Support", "Blocks", "Index", "ProllyTree",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // 8. SearchOutput: results for people (terminal or piped text) and for programs (the one
        // JSON schema of `search --json` and `/api/search`), above the engine and the readers
        // whose cost it reports; shared by the CLI and the server.
        .target(name: "SearchOutput", dependencies: ["Support", "Search", "Snippets", "Query", "Remote"]),
        // 8. Serve: `indexer serve` (index folders read-only, IPFS-style raw blocks, search API and page).
        .target(name: "Serve", dependencies: [
            "Support", "Blocks", "Index", "Query", "Search", "Snippets", "SearchOutput",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // 8. Publish: an index folder sent to a folder or a hub (only the blocks it lacks, the
        // manifest last, never over a newer version), and collection of blocks no kept
        // manifest reaches (`publish --prune`, `gc`, the hub).
        .target(name: "Publish", dependencies: [
            "Support", "Blocks", "Index", "Sodium",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // 9. Hub: `indexer hub`, rehosting groups' indexes under quotas (registration by a signed
        // nonce, uploads, only complete and newer signed versions published), state in SQLite.
        .target(name: "Hub", dependencies: [
            "Support", "Blocks", "Index", "Publish", "Remote", "Sodium",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // 10. CLI: thin subcommands over the library.
        .executableTarget(name: "indexer", dependencies: [
            "Support", "Blocks", "ProllyTree", "Ingest", "Index", "Search", "SearchOutput", "Query", "Analysis", "Remote", "Serve", "Publish", "Hub",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // `serve` runs the application `Serve` builds.
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),

        // Benchmarks of single layers, run by `make bench` through Pipelines/bench-*.sh.
        .executableTarget(name: "tree-bench", dependencies: ["Support", "Blocks", "ProllyTree"]),
        .executableTarget(name: "text-bench", dependencies: ["Support", "HTMLText", "Analysis"]),
        .executableTarget(name: "query-bench", dependencies: ["Support", "Query", "Snippets", "HTMLText", "Analysis"]),

        // Coverage-guided fuzzing of every path a hostile file reaches (`make fuzz` builds these with
        // libFuzzer; a normal build replays files given as arguments). FuzzCorpusTests replays Tests/Fuzz/.
        .target(name: "FuzzTargets", dependencies: ["Support", "Ingest", "HTMLText", "Zlib", "Zstd"]),
    ] + ["warc", "decompress", "http", "zip", "html"].map { .executableTarget(name: "fuzz-\($0)", dependencies: ["FuzzTargets"]) } + [

        // Tests mirror the targets; the two support targets are shared helpers.
        .target(name: "TextTestSupport", path: "Tests/TextTestSupport"),
        .target(name: "IndexTestSupport", dependencies: ["Index", "Blocks", "TextTestSupport"], path: "Tests/IndexTestSupport"),
        .testTarget(name: "SupportTests", dependencies: ["Support", "TextTestSupport"]),
        .testTarget(name: "BlocksTests", dependencies: ["Support", "Blocks", "ProllyTree", "TextTestSupport"]),
        .testTarget(name: "ProllyTreeTests", dependencies: ["Support", "ProllyTree", "Blocks", "TextTestSupport"]),
        .testTarget(name: "ZlibTests", dependencies: ["Zlib", "Brotli", "Zstd", "TextTestSupport"]),
        .testTarget(name: "HTMLTextTests", dependencies: ["HTMLText", "TextTestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Support", "Ingest", "Nettle", "Zlib", "Zstd", "TextTestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "TextTestSupport"]),
        .testTarget(name: "IndexTests", dependencies: ["Support", "Index", "ProllyTree", "Blocks", "IndexTestSupport"]),
        // The query language, and its outputs (formatted text, JSON, error carets).
        .testTarget(name: "QueryTests", dependencies: ["Query", "Snippets", "Search", "SearchOutput", "Remote", "TextTestSupport"]),
        .testTarget(name: "SnippetsTests", dependencies: ["Snippets", "Query", "Analysis", "TextTestSupport"]),
        .testTarget(name: "SearchTests", dependencies: ["Support", "Search", "SearchOutput", "Query", "Index", "Blocks", "IndexTestSupport"]),
        // Remote fetches and `indexer serve`, against scripted, Python, nginx and Chromium peers.
        .testTarget(name: "RemoteTests", dependencies: [
            "Support", "Remote", "Serve", "Search", "SearchOutput", "Snippets", "Index", "Blocks", "Query", "Sodium", "TextTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        // Publishing to folders and to an in-process hub.
        .testTarget(name: "PublishTests", dependencies: [
            "Support", "Publish", "Hub", "Index", "Blocks", "Search", "Sodium", "IndexTestSupport", "TextTestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        // The query core built as WebAssembly (`make wasm`, run by `wasmkit`) against the native build.
        .testTarget(name: "WasmTests", dependencies: ["Analysis", "Query", "Snippets", "HTMLText", "Zstd", "Sodium", "Blocks", "ProllyTree", "Index", "Search", "IndexTestSupport", "TextTestSupport"]),
        // Drives the built `indexer` binary end to end.
        .testTarget(name: "CLITests", dependencies: ["TextTestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "TextTestSupport"]),
    ]
)
