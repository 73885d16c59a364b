import Blocks
import Index
import IndexTestSupport
import Support
import Testing
import TextTestSupport

/// The library build end to end, in process: sources written by other tools (warcio, zstd,
/// Python's zipfile, `wacz create`; plain files for a site folder) through ingest into a shard.
@Suite(.tags(.python), .needsExternalTools) struct IndexBuildTests {
    /// One source format: what to build and what the index must then hold.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var source: String
        var baseURL: String? = nil
        var documents: UInt64
        /// A document the index must hold, by URL, and its title.
        var url: String
        var title: String
        /// A body term every document holds.
        var term: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "WARC", source: "pages.warc", documents: 50, url: "http://example.com/page7.html", title: "Page 7", term: "hello"),
        Case(name: "WARC.gz", source: "pages.warc.gz", documents: 50, url: "http://example.com/page7.html", title: "Page 7", term: "hello"),
        Case(name: "WARC.zst", source: "pages.warc.zst", documents: 50, url: "http://example.com/page7.html", title: "Page 7", term: "hello"),
        Case(name: "WACZ", source: "pages.wacz", documents: 50, url: "http://example.com/page7.html", title: "Page 7", term: "hello"),
        // Packaged by PyPI `wacz` (`wacz create`), the Webrecorder tool archivists use.
        Case(name: "WACZ (wacz create)", source: "tool.wacz", documents: 50, url: "http://example.com/page7.html", title: "Page 7", term: "hello"),
        Case(
            name: "site folder", source: "site", baseURL: "http://site.example/", documents: 3,
            url: "http://site.example/notes/b.html", title: "Site page b", term: "garden"),
    ]

    @Test(arguments: cases) func buildIndexesEverySourceFormat(_ c: Case) throws {
        let source = try fixtures.get() + "/" + c.source
        let out = tempDirectory("build")
        var build = IndexBuild(sources: [source], out: out, key: testKey, created: "2026-01-01T00:00:00Z")
        build.memoryBytes = 16 << 20
        build.workers = 2
        build.baseURL = c.baseURL
        var progressed = 0
        let report = try build.run { _, n in progressed += n }

        #expect(report.ingest.failed.isEmpty)
        #expect(report.ingest.skipped.isEmpty)
        #expect(report.built.documents == c.documents)
        #expect(progressed == Int(c.documents))
        let shard = try IndexView.open(directory: out)
        #expect(shard.manifest.root == report.manifest.root)
        #expect(shard.documentCount == c.documents)
        #expect(shard.segments[0].info.batches.first?.sources.map(\.documents) == [c.documents])
        var found: [DocRecord] = []
        try shard.forEachDocument { _, r in if r.url == c.url { found.append(r) } }
        #expect(found.map(\.title) == [c.title])
        #expect(try shard.documentFrequency(.body, Array(c.term.utf8)) == c.documents)
        // Every phase is timed, in order; extracting and analyzing cost CPU.
        #expect(report.phases.map(\.name) == ["ingest", "finish", "publish"])
        #expect(report.phases.allSatisfy { $0.seconds >= 0 && $0.cpuSeconds >= 0 })
        #expect(report.phases[0].cpuSeconds > 0)
    }

    @Test func anIncrementalBuildAddsOnlyNewDocumentsAsTheNextBatch() throws {
        let dir = try fixtures.get()
        let first = tempDirectory("base"), second = tempDirectory("next")
        _ = try IndexBuild(sources: [dir + "/pages.warc.gz"], out: first, key: testKey, created: "2026-01-01T00:00:00Z").run()
        var next = IndexBuild(sources: [dir + "/pages.warc.zst", dir + "/site"], out: second, key: testKey, created: "2026-01-02T00:00:00Z")
        next.base = first
        next.baseURL = "http://site.example/"
        let report = try next.run()
        #expect(report.batch == 1)
        #expect(report.alreadyInBase == 50)
        #expect(report.built.documents == 3)
        let shard = try IndexView.open(directory: second)
        #expect(shard.documentCount == 53)
        #expect(shard.segments.flatMap(\.info.batches).map(\.batch) == [0, 1])
        let left = try FileSystem.listDirectory(second)
        #expect(!left.contains { $0.hasPrefix(".build-") })
        // The base's segment is shared, not rewritten: the new version adds one small segment.
        #expect(shard.segments[0].cid == (try IndexView.open(directory: first)).segments[0].cid)

        var other = IndexBuild(
            sources: [dir + "/site"], out: tempDirectory("other"), key: try GroupKey(seed: Array(repeating: 9, count: 32)),
            created: "2026-01-02T00:00:00Z")
        other.base = first
        #expect(throws: IndexError.baseOfAnotherGroup(path: first, group: other.key.group)) { try other.run() }
    }
}

/// A build that fails leaves no scratch in its output folder (it says the folder is unchanged).
@Test func aFailedBuildLeavesNoScratch() throws {
    let dir = tempDirectory("failed-build")
    let junk = dir + "/junk.bin"
    try FileSystem.writeAtomically(junk, Array("not an archive".utf8))
    for base in [nil, try baseIndex()] {
        let out = dir + "/out-\(base == nil ? "plain" : "incremental")"
        var build = IndexBuild(sources: [junk], out: out, key: testKey, created: "2026-01-01T00:00:00Z")
        build.base = base
        #expect(throws: IndexError.self) { try build.run() }
        let left = (try? FileSystem.listDirectory(out)) ?? []
        #expect(!left.contains { $0.hasPrefix(".build-") || $0.hasPrefix(".batch-") }, "\(left)")
        #expect(!FileSystem.exists(out + "/" + Manifest.fileName))
    }
}

/// A one-document index of `testKey`'s group, for incremental builds on top of it.
private func baseIndex() throws -> String {
    let dir = tempDirectory("base-index")
    try FileSystem.makeDirectories(dir + "/site")
    try FileSystem.writeAtomically(dir + "/site/a.html", Array("<title>A</title><p>one page</p>".utf8))
    var build = IndexBuild(sources: [dir + "/site"], out: dir + "/index", key: testKey, created: "2026-01-01T00:00:00Z")
    build.baseURL = "http://base.example/"
    _ = try build.run()
    return dir + "/index"
}

/// Fixtures written by warcio & co (Corpora/fixtures/make_fixtures.py), a WACZ packaged by
/// `wacz create`, plus a small site
/// folder, made once per test run.
let fixtures: Result<String, FixtureError> = {
    let dir = tempDirectory("build-fixtures")
    do {
        _ = try PythonChecker.output(arguments: [PythonChecker.packageRoot.path + "/Corpora/fixtures/make_fixtures.py", dir])
        _ = try PythonChecker.output(arguments: ["-m", "wacz", "create", "-o", dir + "/tool.wacz", dir + "/pages.warc.gz"])
    } catch {
        return .failure(FixtureError(description: "make_fixtures.py: \(error)"))
    }
    let pages = [
        "index.html": "<html><head><title>Site home</title></head><body><p>Welcome to the garden.</p></body></html>",
        "a.html": "<html><head><title>Site page a</title></head><body><p>The garden in spring.</p></body></html>",
        "notes/b.html": "<html><head><title>Site page b</title></head><body><p>Notes from the garden.</p></body></html>",
    ]
    do {
        try FileSystem.makeDirectories(dir + "/site/notes")
        for (path, html) in pages { try FileSystem.writeAtomically(dir + "/site/" + path, Array(html.utf8)) }
    } catch {
        return .failure(FixtureError(description: "cannot write the site folder: \(error)"))
    }
    return .success(dir)
}()

struct FixtureError: Error, CustomStringConvertible { var description: String }

/// Updating a site folder's index in place: an edited page replaces its old version, a deleted
/// page disappears, an unchanged page is not indexed again, `deletions` remove pages by URL,
/// and the result answers as a fresh build of the folder's current content does.
@Test func anUpdateInPlaceTombstonesEditedAndDeletedPages() throws {
    let dir = tempDirectory("site-update")
    let site = dir + "/site", index = dir + "/index"
    try FileSystem.makeDirectories(site + "/posts")
    func write(_ path: String, _ body: String) throws {
        try FileSystem.writeAtomically(site + "/" + path, Array("<html><head><title>\(path)</title></head><body><p>\(body)</p></body></html>".utf8))
    }
    for i in 0..<12 { try write("posts/\(i).html", "post \(i) about bicycles and bread, number \(i)") }
    func build(_ base: String?, deletions: [String] = []) throws -> IndexBuild.Report {
        var b = IndexBuild(sources: [site], out: index, key: testKey, created: "2026-01-01T00:00:00Z")
        b.baseURL = "https://s.example/"
        b.base = base
        b.deletions = deletions
        return try b.run()
    }
    let first = try build(nil)
    #expect(first.built.documents == 12)
    try write("posts/3.html", "post 3 rewritten: now about sourdough only")
    try FileSystem.removeTree(site + "/posts/5.html")
    let second = try build(index, deletions: ["https://s.example/posts/7.html", "https://s.example/nowhere"])
    #expect(second.built.documents == 1)
    #expect(second.alreadyInBase == 10)
    #expect((second.replaced, second.deleted) == (1, 2))
    #expect(second.deletionsNotFound == ["https://s.example/nowhere"])
    #expect(second.segments == 2 && second.sequence > first.sequence)
    let view = try IndexView.open(directory: index)
    #expect(view.documentCount == 10)
    #expect(view.tombstones.count == 3)
    // The same content built fresh (page 7 removed from the folder too) answers the same.
    try FileSystem.removeTree(site + "/posts/7.html")
    var fresh = IndexBuild(sources: [site], out: dir + "/fresh", key: testKey, created: "2026-01-01T00:00:00Z")
    fresh.baseURL = "https://s.example/"
    _ = try fresh.run()
    let freshView = try IndexView.open(directory: dir + "/fresh")
    for word in ["bicycles", "sourdough", "bread", "post"] {
        let term = IndexAnalyzer().words(word)[0].term
        #expect(try view.documentFrequency(.body, Array(term.utf8)) == freshView.documentFrequency(.body, Array(term.utf8)), "\(word)")
    }
    var urls: [String] = []
    try view.forEachDocument { _, r in urls.append(r.url) }
    var freshURLs: [String] = []
    try freshView.forEachDocument { _, r in freshURLs.append(r.url) }
    #expect(urls.sorted() == freshURLs.sorted())
    // An update with nothing new keeps the version as it was.
    let third = try build(index)
    #expect(third.segment == nil && third.sequence == second.sequence)
}
