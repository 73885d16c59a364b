import Blocks
import Foundation
import Index
import ProllyTree
import Search
import Support
import Synchronization
import Testing

@testable import Remote

/// Long documents whose query words sit deep inside: 30 of them, each about 12 KB (six
/// chunks), with `river` in one chunk past the first and `kettle` only in its title.
private let longTextIndex: (dir: String, texts: [String]) = {
    var texts: [String] = []
    var docs: [IndexDocument] = []
    for i in 0..<30 {
        var words = (0..<2000).map { "w\(($0 * 7 + i) % 900)" }
        words[300 + i * 50] = "river"
        words[301 + i * 50] = "delta"
        let text = words.joined(separator: " ")
        texts.append(text)
        docs.append(
            IndexDocument(
                url: "https://long.example/\(i)", title: "page \(i) kettle", text: text, date: nil, lang: "en",
                digest: Array("d\(i)".utf8), source: "s@\(i)"))
    }
    return (try! buildIndex(docs), texts)
}()

@Suite(.serialized) struct TextChunkReadTests {
    /// A cold remote top-10 page reads each hit's head by the link in its record and at most
    /// one more block, the group holding the chunk to show: never a text tree node, never a
    /// whole text; its snippets hold the query's words; the results equal the local ones.
    @Test func aRemotePageReadsOneChunkPerHitAndNoWholeText() throws {
        let dir = longTextIndex.dir
        let paths = Mutex<[String]>([])
        let server = try TestHTTPServer { request in
            paths.withLock { $0.append(request.path) }
            guard !request.path.contains(".."), let bytes = try? FileSystem.readFile(dir + request.path) else {
                return .respond(status: 404, body: [])
            }
            return .respond(status: 200, body: bytes)
        }
        defer { server.stop() }
        let local = try IndexView.open(directory: dir)
        let segment = local.segments[0]
        // Every node of the text tree, and every chunk block the records link.
        var textNodes = Set<String>()
        var level = segment.text.root.map { [$0] } ?? []
        while !level.isEmpty {
            var next: [ChildRef] = []
            for ref in level {
                textNodes.insert(ref.cid.description)
                next += try local.reader.node(ref).children
            }
            level = next
        }
        #expect(!textNodes.isEmpty)
        // The blocks of heads (by CID, their sizes) and of groups of later chunks (their texts' lengths).
        var heads: [String: Int] = [:], chunkSizes: [String: Int] = [:]
        try segment.forEachDocument { _, r in
            guard case .block(let cid, _)? = r.text else { return }
            heads[cid.description] = try local.store.get(cid).count
            for c in try TextChunks.Head(encoded: try local.reader.value(r.text!.leafValue)).chunks {
                if case .block(let cid, let length) = c.stored { chunkSizes[cid.description] = length }
            }
        }
        // Every document has later chunks, in one group or more (distinct texts: distinct blocks).
        let groups = longTextIndex.texts.reduce(0) { $0 + TextChunks.groups(TextChunks.cut(Array($1.utf8))).count }
        #expect(heads.count == 30 && chunkSizes.count == groups && groups >= 30)
        let wholeText = longTextIndex.texts.map { $0.utf8.count }.max()!
        for q in ["river", "river delta", "kettle"] {
            paths.withLock { $0.removeAll() }
            var options = RemoteOptions()
            options.cacheDirectory = nil
            let remote = try openIndex("http://127.0.0.1:\(server.port)", options: options)
            let page = try IndexSearch(view: remote.view).run(q, limit: 10)
            #expect(summary(page) == summary(try IndexSearch(view: local).run(q, limit: 10)), "query \(q)")
            #expect(page.results.count == 10)
            let read = paths.withLock { $0 }.compactMap { $0.split(separator: "/").last.map(String.init) }
            #expect(read.filter { textNodes.contains($0) }.isEmpty, "query \(q): no text tree node is read")
            let headsRead = read.filter { heads[$0] != nil }, chunksRead = read.filter { chunkSizes[$0] != nil }
            #expect(headsRead.count == 10, "query \(q): the page's ten heads")
            #expect(chunksRead.count <= 10, "query \(q): one group per hit at most, read \(chunksRead.count)")
            for c in headsRead { #expect(heads[c]! < wholeText / 4, "query \(q): a head of \(heads[c]!) bytes") }
            for c in chunksRead {
                #expect(chunkSizes[c]! <= TextChunks.groupBytes && chunkSizes[c]! < wholeText, "query \(q): a group of \(chunkSizes[c]!) bytes")
            }
            if q == "kettle" { #expect(chunksRead.isEmpty, "a title-only term shows chunk 0, in the head") }
            for r in page.results where q != "kettle" {
                let marks = r.snippet.highlightedTexts
                #expect(r.snippet.matched && marks.contains { $0.contains("river") }, "query \(q): \(r.url) \(marks)")
            }
            if q == "kettle" {
                // Only in the title: the opening, as before chunks.
                #expect(page.results.allSatisfy { $0.snippet.text.hasPrefix("w") && !$0.snippet.matched })
            }
        }
    }
}
