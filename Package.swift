// swift-tools-version:6.1
// The layers of ../shared/DESIGN.md, one target each; a target imports only layers below it.
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
        // Remote indexes: HTTP/1.1 with a keep-alive pool, timeouts and redirects (issue 6).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // `indexer serve`: a lean HTTP server on SwiftNIO (issue 6); NIO and swift-log come with
        // it and AsyncHTTPClient, named here because Remote and Serve import them directly.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
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
        .target(name: "Sodium", dependencies: ["CSodium"]),
        .target(name: "Zstd", dependencies: ["CZstd"]),
        .target(name: "Zlib", dependencies: ["CZlib"]),
        .target(name: "Brotli", dependencies: ["CBrotli"]),

        // 2. Blocks: CIDs, DAG-CBOR, block stores, CAR files.
        .target(name: "Blocks", dependencies: ["Support", "Sodium"]),
        // 3. Prolly trees over blocks.
        .target(name: "ProllyTree", dependencies: ["Support", "Blocks", "Zstd"]),
        // 4. Ingest: HTML text extraction (the only owner of libxml2).
        .target(name: "HTMLText", dependencies: ["CLibXML2"]),
        // 5. Analysis: text to terms (pure Swift; the one analyzer named in every manifest).
        .target(name: "Analysis"),
        // 4. Ingest: WARC / WACZ / site folders to documents.
        .target(name: "Ingest", dependencies: ["Support", "Zstd", "Zlib", "Brotli", "Sodium", "HTMLText"]),
        // 6. Index: the shard schema on Prolly trees; build, read, verify.
        .target(name: "Index", dependencies: ["Support", "Blocks", "ProllyTree", "Sodium"]),
        // 7. Search: query plans evaluated over a shard (BM25, block-max pruning, collapsing).
        .target(name: "Search", dependencies: ["Support", "Index", "Query", "ProllyTree", "Blocks"]),

        // 7. Query: the query language, snippets and result formatting.
        .target(name: "Query", dependencies: ["Support", "Analysis"]),

        // 8. Remote: indexes over HTTP (static hosts, IPFS gateways), verified, cached on disk.
        .target(name: "Remote", dependencies: [
            "Support", "Blocks", "Index", "ProllyTree",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // 8. Service: a query from text to displayed results, shared by the CLI and the server.
        .target(name: "Service", dependencies: ["Index", "Search", "Query", "Analysis"]),
        // 8. Serve: `indexer serve` (index folders read-only, IPFS-style raw blocks, search API and page).
        .target(name: "Serve", dependencies: [
            "Support", "Blocks", "Index", "Query", "Search", "Service",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // 9. CLI: thin subcommands over the library.
        .executableTarget(name: "indexer", dependencies: [
            "Support", "Blocks", "ProllyTree", "Ingest", "Index", "Search", "Query", "Analysis", "Service", "Remote", "Serve",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Benchmarks of the tree layer, run by `make bench`.
        .executableTarget(name: "tree-bench", dependencies: ["Support", "Blocks", "ProllyTree"]),
        // Benchmarks of text extraction and analysis (issue 3), run by Pipelines/bench-text.sh.
        .executableTarget(name: "text-bench", dependencies: ["Support", "HTMLText", "Analysis"]),
        .executableTarget(name: "query-bench", dependencies: ["Support", "Query", "HTMLText", "Analysis"]),

        .testTarget(name: "SupportTests", dependencies: ["Support", "TextTestSupport"]),
        .testTarget(name: "BlocksTests", dependencies: ["Support", "Blocks", "ProllyTree", "TextTestSupport"]),
        .target(name: "IndexTestSupport", dependencies: ["Index", "Blocks", "TextTestSupport"], path: "Tests/IndexTestSupport"),
        .testTarget(name: "IndexTests", dependencies: ["Support", "Index", "ProllyTree", "Blocks", "IndexTestSupport"]),
        .testTarget(name: "SearchTests", dependencies: ["Support", "Search", "Index", "Blocks", "IndexTestSupport"]),
        // Drives the built `indexer` binary end to end.
        .testTarget(name: "CLITests"),
        .testTarget(name: "ProllyTreeTests", dependencies: ["Support", "ProllyTree", "Blocks", "TextTestSupport"]),
        .target(name: "TextTestSupport", path: "Tests/TextTestSupport"),
        .testTarget(name: "HTMLTextTests", dependencies: ["HTMLText", "TextTestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "TextTestSupport"]),
        .testTarget(name: "ZlibTests", dependencies: ["Zlib", "Brotli", "Zstd", "TextTestSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Support", "Ingest", "Zlib", "Zstd", "TextTestSupport"]),
        .testTarget(name: "QueryTests", dependencies: ["Query", "Analysis", "TextTestSupport"]),
        // Remote fetches and `indexer serve`, against scripted, Python, nginx and Chromium peers.
        .testTarget(name: "RemoteTests", dependencies: [
            "Support", "Remote", "Serve", "Service", "Index", "Blocks", "Query", "TextTestSupport",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ]
)
