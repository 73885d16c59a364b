import ArgumentParser
import Blocks
import Foundation
import Index
import Query
import Remote
import Search
import SearchOutput
import Snippets
import Support

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List documents added, changed and removed between two versions of an index (notifications).",
        discussion: """
            `diff OLD NEW` compares two indexes; `diff --since X NEW` compares NEW with an earlier \
            version of it, X being a saved manifest file (a published folder keeps each as \
            versions/<n>.json; a path or URL), a root CID looked at before, or `last`: the version this machine \
            last diffed with the same NEW and --query (kept in the cache folder, diff-marks.json; \
            the first time, everything matching is new). So "what is new since I last looked" is \
            `indexer diff --since last URL --query '@alice'`. The earlier version is read from \
            NEW's own blocks. Only batches one side lacks are read (a batch never changes once \
            published), and the records the newer version tombstones: the cost follows the \
            change. A page replaced by new content is changed (~), one rebuilt unchanged is not \
            listed. With --query, only documents matching it are listed (`@alice`: posts \
            mentioning alice; `from:bob`; `tag:cats`). `--since last` takes several NEW \
            indexes too (each group's published index, say): they are read as one, as if merged, \
            each compared with the version of it last looked at.
            """)

    @Argument(help: "OLD NEW, or with --since only NEW (folders or URLs; several with --since last).") var locations: [String]
    @Option(help: "Compare NEW with this earlier version: a manifest file (path or URL), a root CID seen before, or `last`.")
    var since: String?
    @Option(help: "Only list documents matching this query.") var query: String?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess
    @OptionGroup(title: "Output") var output: Verbosity

    func validate() throws {
        if since == nil {
            guard locations.count == 2 else { throw ValidationError("give OLD and NEW, or --since X and NEW") }
        } else {
            guard locations.count == 1 || (since == "last" && !locations.isEmpty) else {
                throw ValidationError("with --since, give only NEW (several NEW only with --since last)")
            }
        }
    }

    func run() throws {
        var parsed: QueryNode? = nil
        if let query {
            do { parsed = try QueryParser.parse(query) } catch {
                printError(ResultFormatter(output: .pipe).error(error), newline: false)
                throw ExitCode.validationFailure
            }
        }
        let newOpened = since == nil ? try access.open(locations.last!) : try access.open(locations)
        let b = newOpened.view
        let a: IndexView?
        var marks: DiffMarks? = nil
        if let since {
            marks = access.remoteOptions.cacheDirectory.map { DiffMarks(directory: $0) }
            a = try earlier(since, of: newOpened, marks: marks)
        } else {
            a = try access.openOlder(locations[0]).view
        }
        let diff = try IndexDiff(from: a, to: b)
        var added = diff.added, removed = diff.removed, changed = diff.changed
        if let parsed {
            let plan = QueryPlan(parsed)
            let keepNew = Set(try SearchEngine(view: b, analyzer: IndexAnalyzer()).matching(plan, among: added.map(\.ref) + changed.map(\.new.ref)))
            let keepOld = try a.map { Set(try SearchEngine(view: $0, analyzer: IndexAnalyzer()).matching(plan, among: removed.map(\.ref))) } ?? []
            added = added.filter { keepNew.contains($0.ref) }
            removed = removed.filter { keepOld.contains($0.ref) }
            changed = changed.filter { keepNew.contains($0.new.ref) }
        }
        // Newest first, as notifications are read.
        func newest(_ x: IndexDiff.Entry, _ y: IndexDiff.Entry) -> Bool {
            (x.record.date ?? .min, y.record.url) > (y.record.date ?? .min, x.record.url)
        }
        added.sort(by: newest)
        removed.sort(by: newest)
        changed.sort { newest($0.new, $1.new) }
        // A chunked text gives the chunk holding the query's words (the opening without a query).
        var chunkTerms = TextChunks.QueryTerms()
        for text in parsed?.positiveTexts ?? [] {
            for p in IndexAnalyzer().queryTerms(text.text) { chunkTerms.add(alternatives: p.alternatives) }
        }
        let newTexts = try b.texts(added.map(\.ref) + changed.map(\.new.ref), terms: chunkTerms)
        let oldTexts = try a?.texts(removed.map(\.ref), terms: chunkTerms) ?? removed.map { _ in nil }
        let lines: [(mark: String, entry: IndexDiff.Entry, text: String?)] =
            zip(added, newTexts.prefix(added.count)).map { ("+", $0, $1) }
            + zip(changed.map(\.new), newTexts.dropFirst(added.count)).map { ("~", $0, $1) }
            + zip(removed, oldTexts).map { ("-", $0, $1) }
        let analyzer = IndexAnalyzer().analyzer
        let snippets = SnippetBuilder(maxColumns: 160)
        func snippet(_ e: IndexDiff.Entry, _ text: String?) -> Snippet {
            let terms = parsed.map { HighlightTerms(query: $0, analyzer: analyzer, language: e.record.lang) } ?? HighlightTerms(terms: [String]())
            return snippets.snippet(for: text ?? "", language: e.record.lang, terms: terms, analyzer: analyzer)
        }
        if json {
            var w = JSONWriter()
            w.object { w in
                w.key("since")
                if let since { w.string(since) } else { w.null() }
                w.key("sinceRoot")
                if let m = a?.manifests.first { w.string(m.root.description) } else { w.null() }
                w.key("root"); w.string(b.manifests.first?.root.description ?? "")
                if newOpened.locations.count > 1 {
                    w.key("roots")
                    w.array { w in for m in b.manifests { w.string(m.root.description) } }
                }
                for (key, mark) in [("added", "+"), ("changed", "~"), ("removed", "-")] {
                    w.key(key)
                    w.array { w in
                        for l in lines where l.mark == mark {
                            let r = l.entry.record
                            w.object { w in
                                w.key("doc"); w.string(l.entry.ref.description)
                                w.key("url"); w.string(r.url)
                                w.key("title"); w.string(r.title)
                                w.key("date")
                                if let d = r.date { w.string(ISODate.format(d)) } else { w.null() }
                                w.key("author")
                                if let x = r.author { w.string(x) } else { w.null() }
                                w.key("parent")
                                if let x = r.parent { w.string(x) } else { w.null() }
                                w.key("snippet"); w.string(snippet(l.entry, l.text).text)
                            }
                        }
                    }
                }
                w.key("batchesRead"); w.number(Int64(diff.batchesRead))
                w.key("cost")
                let c = newOpened.cost
                w.object { w in
                    w.key("requests"); w.number(Int64(c.requests))
                    w.key("bytes"); w.number(Int64(c.bytes))
                    w.key("blocks"); w.number(Int64(c.blocks))
                }
            }
            print(String(decoding: w.bytes, as: UTF8.self))
        } else {
            let formatter = ResultFormatter.forStandardOutput()
            for l in lines {
                let r = l.entry.record
                // `+ URL<TAB>date<TAB>title or author`: the URL first, for scripts and copying.
                var head = [l.mark + " " + r.url, r.date.map { String(ISODate.format($0).prefix(10)) } ?? "undated"]
                if let x = r.author { head.append(ResultFormatter.byline(x, r.authorName)) } else if !r.title.isEmpty { head.append(r.title) }
                print(head.joined(separator: "\t"))
                let s = snippet(l.entry, l.text)
                if !s.text.isEmpty { print("    " + formatter.render(s)) }
            }
            output.note(
                "\(added.count) added, \(changed.count) changed, \(removed.count) removed; read \(diff.batchesRead) batch(es)"
                    + (a == nil ? " (first look: everything is new)" : ""))
        }
        if let marks {
            let now = ISODate.format(Int64(Date().timeIntervalSince1970))
            for (i, location) in newOpened.locations.enumerated() {
                try marks.remember(location: location, query: query, root: b.manifests[i].root, manifestBytes: newOpened.manifestBytes[i], at: now)
            }
        }
    }

    /// `--since last` over NEW's indexes: each one's version last looked at (with this query),
    /// read from that index's own blocks and composed as NEW is; an index looked at for the
    /// first time contributes nothing, so all of it is new. Nil when none was looked at.
    private func lastLooked(of new: OpenedIndex, marks: DiffMarks) throws -> IndexView? {
        var sources: [IndexView.Source] = []
        for (i, location) in new.locations.enumerated() {
            guard let root = marks.root(location: location, query: query) else { continue }
            guard let m = marks.manifest(root) else {
                throw ValidationError("--since last: no saved manifest for root \(root) of \(location) (give the manifest file instead)")
            }
            sources.append(IndexView.Source(manifestBytes: m, path: marks.directory + "/manifests/\(root).json", store: new.blockStore(i)))
        }
        guard !sources.isEmpty else { return nil }
        do { return try IndexView.open(sources, policy: try access.policy(acceptOlder: true)) } catch let e as BlockError {
            throw ValidationError("--since last: an earlier version cannot be read from its index's blocks (\(e)); were they collected?")
        }
    }

    /// The earlier version `since` names, read from `new`'s blocks; nil for `last` the first time.
    private func earlier(_ since: String, of new: OpenedIndex, marks: DiffMarks?) throws -> IndexView? {
        let bytes: [UInt8]
        var label = since
        if since == "last" || (since.hasPrefix("bafy") && !FileSystem.exists(since)) {
            guard let marks else { throw ValidationError("--since \(since) needs the cache folder (not --no-cache)") }
            if since == "last" { return try lastLooked(of: new, marks: marks) }
            let root: CID
            do { root = try CID(since) } catch { throw ValidationError("--since: \(since) is not a CID") }
            guard let m = marks.manifest(root) else {
                throw ValidationError("--since: no saved manifest for root \(root) (give the manifest file instead)")
            }
            bytes = m
            label = marks.directory + "/manifests/\(root).json"
        } else {
            bytes = try manifestFile(since, options: access.remoteOptions)
        }
        let source = IndexView.Source(manifestBytes: bytes, path: label, store: new.view.store)
        do { return try IndexView.open([source], policy: try access.policy(acceptOlder: true)) } catch let e as BlockError {
            throw ValidationError("--since: the version in \(label) cannot be read from \(new.locations[0])'s blocks (\(e)); were they collected?")
        }
    }
}
