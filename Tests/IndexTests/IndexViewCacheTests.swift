import Index
import IndexTestSupport
import Testing

/// A view keeps what every warm query would otherwise compute again: document frequencies
/// (count walks) and decoded records. With a node cache of one node, a second read that went
/// to the trees again would load nodes again.
@Suite struct IndexViewCacheTests {
    func view() throws -> IndexView {
        let docs = (0..<400).map { i in
            IndexDocument(
                url: "https://example.org/\(i)", title: "page \(i)",
                text: "common word\(i % 13) " + String(repeating: "filler ", count: 40),
                date: nil, lang: "en", digest: Array("\(i)".utf8), source: "t@\(i)", tags: [], mentions: [])
        }
        let dir = tempDirectory()
        _ = try buildIndex(docs, dir: dir)
        return try IndexView.open(directory: dir, cacheBytes: 1)
    }

    @Test func documentFrequencyIsCountedOncePerView() throws {
        let v = try view()
        #expect(try v.documentFrequency(.body, Array("common".utf8)) == 400)
        let loaded = v.reader.nodesLoaded
        #expect(try v.documentFrequency(.body, Array("common".utf8)) == 400)
        #expect(v.reader.nodesLoaded == loaded)
        // Another term is still counted from the tree.
        #expect(try v.documentFrequency(.body, Array("word3".utf8)) == 31)
        #expect(v.reader.nodesLoaded > loaded)
    }

    @Test func recordsAreDecodedOncePerView() throws {
        let v = try view()
        var refs: [DocRef] = []
        var urls: [String] = []
        try v.forEachDocument { d, r in
            if refs.count < 12 {
                refs.append(d)
                urls.append(r.url)
            }
        }
        let first = try v.documents(refs)
        #expect(first.map { $0?.url } == urls)
        let loaded = v.reader.nodesLoaded
        let again = try v.recordsAndTexts(records: refs, texts: [])
        #expect(again.records.map { $0?.url } == urls)
        #expect(v.reader.nodesLoaded == loaded)
        // Texts are not kept: they are read again, and records beside them still come cached.
        let both = try v.recordsAndTexts(records: refs, texts: [refs[0]])
        #expect(both.records.map { $0?.url } == urls)
        #expect(both.texts[0]?.hasPrefix("common word") == true)
    }
}
