import Blocks
import Foundation
import Hummingbird
import HummingbirdTesting
import Index
import Serve
import Support
import Testing

/// `/api/search` links results to their captures: from the group's signed template, or from
/// the server's `--replay`, which overrides it (the page's links: SearchPageBrowserTests).
@Suite struct ServeReplayTests {
    /// One group's index of two captures, with the template its version records.
    static let index: String = published(
        ["bread", "cake"].enumerated().map { i, w in
            IndexDocument(
                url: "http://example.com/\(w)?q=1", title: w, text: "rye \(w) with honey", date: 1_709_373_600 + Int64(i), digest: [UInt8(i)],
                source: "crawl.warc.gz:\(1000 * i)", recordID: "<urn:uuid:\(i)>")
        } + [IndexDocument(url: "https://me.example/notes.html", title: "notes", text: "rye notes", digest: [9], source: "site/notes.html:0")],
        replay: "https://wb.example/coll/{timestamp}/{url}")

    /// `docs` as one group's (keyB's) index, its version recording `replay`.
    static func published(_ docs: [IndexDocument], replay: String?) -> String {
        let dir = tempDirectory("serve-replay")
        let builder = try! SegmentBuilder(directory: dir, key: keyB, analyzer: IndexAnalyzer(), options: .init(memoryBytes: 64 << 20))
        for (i, d) in docs.enumerated() { try! builder.add(d, file: 0, seq: UInt32(i)) }
        let segment = try! builder.finish(sources: [.init(name: "crawl.warc.gz", bytes: 0)]).segment
        let v = try! GroupVersion.signed(
            key: keyB, sequence: 1, created: "2026-01-01T00:00:00Z", analyzer: IndexAnalyzer().identifier, segments: [segment],
            replay: replay)
        _ = try! IndexWriter.publish(
            versions: [(try! IndexWriter.store(v, in: builder.store), v)], analyzer: IndexAnalyzer().identifier, store: builder.store,
            out: dir, key: keyB, created: "2026-01-01T00:00:00Z")
        return dir
    }

    func results(_ replay: ReplayTemplate?) async throws -> [[String: Any]] {
        var config = ServeConfiguration(indexes: [try ServedIndex(name: "a", directory: Self.index)])
        config.port = 0
        config.replay = replay
        let body = try await buildApplication(config).test(.router) { client in
            try await client.execute(uri: "/api/search?q=rye&limit=10", method: .get) { r -> String in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
        }
        let o = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        return try #require(o["results"] as? [[String: Any]])
    }

    @Test func apiCarriesCaptureAndReplay() async throws {
        let byURL = Dictionary(uniqueKeysWithValues: try await results(nil).map { ($0["url"] as! String, $0) })
        let cake = try #require(byURL["http://example.com/cake?q=1"])
        #expect(cake["replay"] as? String == "https://wb.example/coll/20240302100001/http://example.com/cake?q=1")
        #expect(cake["recordId"] as? String == "<urn:uuid:1>" && cake["file"] as? String == "crawl.warc.gz" && cake["offset"] as? Int == 1000)
        let notes = try #require(byURL["https://me.example/notes.html"])
        #expect(notes["replay"] is NSNull && notes["file"] is NSNull)

        let overridden = try await results(try ReplayTemplate("replayweb:https://files.example/"))
        let bread = try #require(overridden.first { $0["url"] as? String == "http://example.com/bread?q=1" })
        #expect(
            bread["replay"] as? String
                == "https://replayweb.page/?source=https%3A%2F%2Ffiles.example%2Fcrawl.warc.gz#view=pages&url=http%3A%2F%2Fexample.com%2Fbread%3Fq%3D1&ts=20240302100000"
        )
    }
}
