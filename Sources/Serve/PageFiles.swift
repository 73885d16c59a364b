import Support

/// The static search page (`search/` beside an index, as `indexer build` writes it) as
/// `indexer serve` serves it: the page queries the index's files itself with the engine
/// compiled to WebAssembly, exactly as from any static host; `/api/search` stays for programs.
enum PageFiles {
    static let folder = "search"
    static let names: Set<String> = ["index.html", "indexer-page.js", "indexer-search.js", "embed.html", "querycore.wasm", "querycore.wasm.lzma"]

    /// Scripts from the server only, the wasm module compiled by the page, connections (the
    /// index's files) to the server only; the page's own style element and attributes.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func type(_ name: String) -> String {
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".lzma") { return "application/octet-stream" }
        return "application/wasm"
    }

    /// The index folder's copy of `name`, else the one in `fallback` (the page files of the
    /// package this binary was built in: an index built before its page existed, or without
    /// `make wasm`, still gets one), else nil.
    static func read(_ name: String, index: IndexFolderFiles, fallback: (page: String, wasm: String)?) throws -> [UInt8]? {
        if case .file(let bytes, _) = try index.pageFile(name, limit: 64 << 20) { return bytes }
        // A folder's own module without its packed copy: the page falls back to that module,
        // not to the package's packed one (which may be of another version).
        if name.hasSuffix(".lzma"), case .file = try index.pageFile("querycore.wasm", limit: 64 << 20) { return nil }
        guard let fallback else { return nil }
        let path = (name.hasPrefix("querycore.wasm") ? fallback.wasm : fallback.page) + "/" + name
        return FileSystem.exists(path) ? try FileSystem.readFile(path, limit: 64 << 20) : nil
    }
}
