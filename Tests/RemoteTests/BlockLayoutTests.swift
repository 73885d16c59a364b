import Blocks
import Foundation
import Index
import Search
import Support
import Testing
import TextTestSupport

@testable import Remote
@testable import Serve

/// The block store's two layouts: fan-out (`blocks/<xy>/<cid>`, what new folders get, named by
/// the manifest) and flat (`blocks/<cid>`, every index written before it), read by every
/// reader: the folder, nginx serving it, `indexer serve` at either URL form.
@Suite struct BlockLayoutTests {
    static let docs = corpus(80, seed: 41, site: "layout.example")

    /// Every block file below `blocks/`, by its path relative to it.
    func blockFiles(_ dir: String) throws -> [String] {
        try DirectoryStore(root: dir, create: false).files().map { String($0.path.dropFirst(dir.count + "/blocks/".count)) }
    }

    func manifestJSON(_ dir: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
    }

    @Test func aNewFolderFansOutAndItsManifestSaysSo() throws {
        let dir = try buildIndex(Self.docs)
        #expect(try manifestJSON(dir)["blockLayout"] as? String == "next-to-last/2")
        let files = try blockFiles(dir)
        #expect(files.count > 20)
        for f in files {
            let parts = f.split(separator: "/")
            #expect(parts.count == 2 && parts[0] == parts[1].dropLast().suffix(2), "\(f)")
        }
        // No folder holds more than a few of them (the CID's tail spreads them).
        #expect(Set(files.map { $0.prefix(2) }).count > files.count / 3)
        #expect(try IndexView.open(directory: dir).documentCount == Self.docs.count)
    }

    /// A flat folder (as every index before fan-out) keeps its layout when built into again,
    /// its manifest names none, and it reads as before.
    @Test func aFlatFolderStaysFlatAndReads() throws {
        let dir = tempDirectory("flat")
        try DirectoryStore(root: dir, layout: .flat).put(Array("a block from before fan-out".utf8))
        try buildIndex(Self.docs, dir: dir)
        #expect(try manifestJSON(dir)["blockLayout"] == nil)
        #expect(try blockFiles(dir).allSatisfy { !$0.contains("/") })
        let fanned = try buildIndex(Self.docs)
        let (flatView, fanView) = (try IndexView.open(directory: dir), try IndexView.open(directory: fanned))
        #expect(flatView.documentCount == Self.docs.count)
        // The layout is not part of any block: the same documents give the same segment.
        #expect(flatView.segments.map(\.cid) == fanView.segments.map(\.cid))
        #expect(
            try IndexSearch(view: flatView).run("river", limit: 10).results.map(\.url)
                == IndexSearch(view: fanView).run("river", limit: 10).results.map(\.url))
    }

    @Test func aManifestNamingAnUnknownLayoutIsRefused() throws {
        let key = try GroupKey(seed: Array(repeating: 7, count: 32))
        var m = try Manifest.signed(root: CID(of: [1]), summary: .object([:]), key: key, created: "2026-01-01T00:00:00Z")
        m.blockLayout = .fanOut
        guard case .object(var o) = try JSON.parse(m.fileBytes) else { Issue.record("not an object"); return }
        o["blockLayout"] = .string("next-to-last/3")
        let e = #expect(throws: IndexError.self) { try Manifest.parse(Array(JSON.object(o).pretty.utf8), path: "m.json") }
        #expect("\(e!)".contains("unknown block layout"))
    }

    /// nginx serves both layouts as they are on disk, and a remote reader finds the blocks
    /// where each manifest says; `indexer serve` answers both URL forms for both.
    @Test(.tags(.nginx), .needsExternalTools) func nginxAndServeAnswerBothLayouts() async throws {
        let flat = tempDirectory("flat")
        try DirectoryStore(root: flat, layout: .flat).put(Array("a block from before fan-out".utf8))
        try buildIndex(Self.docs, dir: flat)
        let fanned = try buildIndex(Self.docs)
        for dir in [flat, fanned] {
            let nginx = try NginxServer(root: dir)
            defer { nginx.stop() }
            let local = try IndexSearch(view: try IndexView.open(directory: dir)).run("river honey", limit: 10).results.map(\.url)
            let remote = try openIndex(nginx.base, options: noCache())
            #expect(try IndexSearch(view: remote.view).run("river honey", limit: 10).results.map(\.url) == local)
            #expect(!local.isEmpty)
            let layout = try DirectoryStore(root: dir, create: false).layout
            #expect(nginx.accessLog.contains("GET /blocks/" + (layout == .fanOut ? "" : "bafy")), "\(nginx.accessLog.suffix(300))")

            let served = try ServedIndex(name: "i", directory: dir)
            var config = ServeConfiguration(indexes: [served])
            config.port = 0
            let cid = try #require(try DirectoryStore(root: dir, create: false).list().first)
            try await buildApplication(config).test(.router) { client in
                for uri in ["/blocks/\(cid)", "/blocks/" + BlockLayout.fanOut.relativePath(cid)] {
                    try await client.execute(uri: uri, method: .get) { #expect($0.status == .ok, "\(uri)") }
                }
            }
        }
    }
}
