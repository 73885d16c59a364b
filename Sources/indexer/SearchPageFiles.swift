import Foundation
import Support

/// The static search page `build` and `merge` write next to an index, in `OUT/search/` (as
/// Pagefind writes `pagefind/`): `index.html`, the interface (`indexer-page.js`), the glue
/// (`indexer-search.js`), the query engine as WebAssembly (`querycore.wasm`, the CLI's own
/// sources compiled by `make wasm`, and `querycore.wasm.lzma`, the same bytes as the page
/// fetches them) and `embed.html`, the two lines an existing site adds.
/// Served by any static server with the index folder, it searches with no indexer process.
enum SearchPageFiles {
    static let folder = "search"
    static let pageFiles = ["index.html", "indexer-page.js", "indexer-search.js", "embed.html"]
    static let module = "querycore.wasm"
    /// The module LZMA-compressed (the page decodes it; it falls back to `module` without it).
    static let packedModule = "querycore.wasm.lzma"

    /// Where the files come from: `$INDEXER_WEB` (a folder holding them all), else the package
    /// this binary was built in (`Wasm/page/` and `.build/wasm/`, found upwards from the
    /// executable), which is where a fresh clone has them after `make wasm` or `make demo`.
    static func sources() -> (page: String, wasm: String)? {
        if let web = ProcessInfo.processInfo.environment["INDEXER_WEB"], !web.isEmpty {
            return FileSystem.exists(web + "/" + module) ? (web, web) : nil
        }
        var dir = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        while let slash = dir.lastIndex(of: "/"), slash > dir.startIndex {
            dir = String(dir[..<slash])
            let page = dir + "/Wasm/page", wasm = dir + "/.build/wasm"
            if FileSystem.exists(page + "/index.html") && FileSystem.exists(wasm + "/" + module) { return (page, wasm) }
        }
        return nil
    }

    /// Writes the page into `out/search/`; returns its folder, or nil (with the reason) when
    /// the files are not to be found.
    static func write(into out: String) throws -> (folder: String?, problem: String?) {
        guard let (page, wasm) = sources() else {
            return (nil, "no search page written: \(module) not found (run `make wasm` in the source folder, or set INDEXER_WEB)")
        }
        let target = out + "/" + folder
        try FileSystem.makeDirectories(target)
        for name in pageFiles {
            try FileSystem.writeAtomically(target + "/" + name, try FileSystem.readFile(page + "/" + name, limit: 16 << 20))
        }
        try FileSystem.writeAtomically(target + "/" + module, try FileSystem.readFile(wasm + "/" + module, limit: 64 << 20))
        // Never a packed module older than the plain one beside it: without a source, none.
        if FileSystem.exists(wasm + "/" + packedModule) {
            try FileSystem.writeAtomically(target + "/" + packedModule, try FileSystem.readFile(wasm + "/" + packedModule, limit: 64 << 20))
        } else if FileSystem.exists(target + "/" + packedModule) {
            try FileManager.default.removeItem(atPath: target + "/" + packedModule)
        }
        return (target, nil)
    }

    /// Writes the page for a command's output, saying where (or why not) unless `quiet`.
    static func write(into out: String, output: Verbosity, json: Bool) -> String? {
        do {
            let (folder, problem) = try write(into: out)
            if let problem { printError("warning: \(problem)") }
            if let folder, !json {
                output.note("search page: \(folder)/index.html (serve \(out) with any static server, e.g. python3 -m http.server)")
            }
            return folder
        } catch {
            printError("warning: no search page written: \(error)")
            return nil
        }
    }
}
