import Testing
import TextTestSupport

@testable import Ingest

@Suite(.tags(.python), .needsExternalTools) struct WACZTests {
    @Test(arguments: ["pages.wacz", "pages64.wacz"])
    func readsWARCsInsideWithTitlesAndVerifiedHashes(_ name: String) throws {
        let path = try fixture(name)
        let zip = try ZipArchive(path: path)
        #expect(zip.entries.map(\.name) == ["archive/pages.warc.gz", "pages/pages.jsonl", "datapackage.json"])
        let expected = try warcioCounts("pages.warc.gz")
        // No <title> fallback needed here: the payload's title wins over pages.jsonl.
        let r = try ingest([path])
        #expect(r.summary.skipped.isEmpty, "\(r.summary.skipped)")
        #expect(r.documents.count == expected.documents)
        #expect(r.documents.first?.source.file == path + "#archive/pages.warc.gz")
        #expect(r.documents.first?.title == "Page 0")
    }

    @Test func pagesListFillsMissingTitles() throws {
        let noTitles: HTMLExtraction = { b, c in
            var p = rawHTML(b, c); p.title = nil; return p
        }
        let r = try ingest([try fixture("pages.wacz")], html: noTitles)
        #expect(r.documents.first?.title == "Listed title 0")
        #expect(r.documents.last?.title == "Listed title 49")
    }

    @Test func hashMismatchIsReported() throws {
        let path = try fixture("badhash.wacz")
        let r = try ingest([path])
        #expect(r.documents.count == 50)
        #expect(r.summary.skipped.map(\.reason) == ["datapackage hash mismatch"])
        #expect(r.summary.skipped.first?.source.file == path + "#archive/pages.warc.gz")
    }

    @Test func brokenZipFailsTheSourceOnly() throws {
        let dir = makeTempDir("badzip")
        var bytes = try readBytes(try fixture("pages.wacz"))
        bytes.removeLast(bytes.count - 40)  // part of the first local header: nothing to recover
        try writeBytes(dir + "/cut.wacz", bytes)
        let r = try ingest([dir + "/cut.wacz", try fixture("pages.warc")])
        #expect(r.summary.failed.count == 1)
        #expect(r.summary.failed.first?.source.file == dir + "/cut.wacz")
        #expect(r.documents.count == 50)
    }
}

@Suite struct SiteFolderTests {
    let alice = packageRoot + "/Corpora/demo/group-a/site-alice"
    let bob = packageRoot + "/Corpora/demo/group-b/site-bob"

    @Test func postsProfilePagesAndMarkdown() throws {
        let r = try ingest([alice], baseURL: "http://alice.example/")
        #expect(r.summary.skipped.isEmpty, "\(r.summary.skipped)")
        let posts = r.documents.filter { $0.kind == .post }
        #expect(posts.count == 9)
        #expect(posts.allSatisfy { $0.url.hasPrefix("http://alice.example/posts/") && $0.date != nil })
        #expect(r.documents.contains { $0.kind == .profile && $0.title != nil })
        #expect(r.documents.contains { $0.kind == .page && $0.mime == "text/markdown" && $0.title != nil })
        #expect(r.documents.contains { $0.url == "http://alice.example/about/hives.html" })
        #expect(posts.contains { !$0.tags.isEmpty })
    }

    @Test func repliesKeepTheirParentsAndMentions() throws {
        let r = try ingest([bob], baseURL: "http://bob.example")
        let posts = r.documents.filter { $0.kind == .post }
        #expect(posts.count == 6)
        #expect(posts.contains { $0.mentions.contains("alice") })
        let replies = posts.filter { $0.threadParent != nil }
        #expect(!replies.isEmpty)
        // Site-relative parents become URLs on the same site; others stay as written.
        #expect(replies.allSatisfy { $0.threadParent!.hasPrefix("http://") })
    }

    @Test func hashtagsAndMentionsFromText() {
        let (tags, mentions) = SocialTokens.extract("Hi @bob@social.example and @carol. #Bees #bees #1 C# mail a@b.c #蜂蜜 (#swift)")
        #expect(tags == ["bees", "蜂蜜", "swift"])
        #expect(mentions == ["bob@social.example", "carol"])
    }

    @Test func markdownTitleAndText() {
        let md = Markdown.convert(
            "---\ntitle: \"Front\"\n---\n# Heading\n\nSome *bold* `code_name` and [a link](http://x.example/) ![alt text](i.png)\n")
        #expect(md.title == "Front")
        #expect(md.text == "Heading\n\nSome bold code_name and a link alt text")
        #expect(md.links == ["http://x.example/", "i.png"])
        #expect(Markdown.convert("Title\n=====\nbody").title == "Title")
    }
}
