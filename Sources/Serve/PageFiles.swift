import Support

/// The static search page (`search/` beside an index, as `indexer build` writes it) as
/// `indexer serve` serves it: the page queries the index's files itself with the engine
/// compiled to WebAssembly, exactly as from any static host; `/api/search` stays for programs.
enum PageFiles {
    static let folder = "search"
    static let names: Set<String> = ["index.html", "indexer-page.js", "indexer-search.js", "embed.html", "querycore.wasm"]

    /// Scripts from the server only, the wasm module compiled by the page, connections (the
    /// index's files) to the server only; the page's own style element and attributes.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func type(_ name: String) -> String {
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        return "application/wasm"
    }

    /// The index folder's copy of `name`, else the one in `fallback` (the page files of the
    /// package this binary was built in: an index built before its page existed, or without
    /// `make wasm`, still gets one), else nil.
    static func read(_ name: String, index: IndexFolderFiles, fallback: (page: String, wasm: String)?) throws -> [UInt8]? {
        if case .file(let bytes, _) = try index.pageFile(name, limit: 64 << 20) { return bytes }
        guard let fallback else { return nil }
        let path = (name == "querycore.wasm" ? fallback.wasm : fallback.page) + "/" + name
        return FileSystem.exists(path) ? try FileSystem.readFile(path, limit: 64 << 20) : nil
    }
}
