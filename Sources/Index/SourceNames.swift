import Ingest
import Support

/// How a build names its inputs in what it publishes (documents' `source`, the segment's
/// `sources`): by the input's own name, never the local path it was read from. An index is
/// published; `/home/alice/crawls/2024.warc.gz` tells readers about the builder's disk, while
/// `2024.warc.gz` is what a replay tool or a colleague knows the file by. Inputs sharing a
/// name keep as many parent folders as tell them apart (`a/site`, `b/site`).
struct SourceNames: Sendable {
    let sources: [String]
    /// The published name of each input, in order.
    let names: [String]
    private let attribution: SourceAttribution

    /// `given`: the names to publish, one per source (a distributed build's task records the
    /// URL it fetched, not its scratch file); nil derives them from the paths.
    init(_ sources: [String], names given: [String]? = nil) {
        self.sources = sources
        attribution = SourceAttribution(sources)
        if let given {
            names = given
            return
        }
        let components = sources.map(SourceNames.components)
        var depth = [Int](repeating: 1, count: sources.count)
        func name(_ i: Int) -> String { components[i].suffix(depth[i]).joined(separator: "/") }
        while true {
            let current = sources.indices.map(name)
            var seen: [String: [Int]] = [:]
            for (i, n) in current.enumerated() { seen[n, default: []].append(i) }
            let clashes = seen.values.filter { $0.count > 1 }.flatMap { $0 }.filter { depth[$0] < components[$0].count }
            guard !clashes.isEmpty else {
                names = current
                return
            }
            for i in clashes { depth[i] += 1 }
        }
    }

    /// `location` (`/data/crawl.warc.gz:1234`, `/data/c.wacz#archive/x.warc:0`, `/srv/site/a.html:0`)
    /// with its input's path replaced by the input's name; unchanged when it names no input.
    func name(of location: SourceRef) -> String {
        var named = location
        if let i = attribution.file(of: location.file) {
            let rest = String(location.file.dropFirst(sources[i].count))
            named.file = names[i] + (rest.isEmpty || rest.hasPrefix("#") || rest.hasPrefix("/") ? rest : "/" + rest)
        }
        return named.description
    }

    /// The components of `path` made absolute and without `.`/`..` (symbolic links are not
    /// resolved), e.g. `["data", "crawl.warc.gz"]`; `/` alone gives `[""]`.
    static func components(_ path: String) -> [String] {
        var out: [String] = []
        for c in FileSystem.absolute(path).split(separator: "/") {
            switch c {
            case ".": continue
            case "..": _ = out.popLast()
            default: out.append(String(c))
            }
        }
        return out.isEmpty ? [""] : out
    }
}
