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

    /// WACZs packaged by PyPI `wacz create`, then one member replaced through Python's zipfile
    /// (so its CRC-32 is right and only the datapackage.json hash tells): the WARC's records
    /// are indexed and the member reported (exit status 3); a changed pages list is reported
    /// and its titles are not used. MD5 hashes (`--hash-type md5`) are not checked, so a
    /// sound WACZ of that kind reports nothing.
    @Test func waczCreateMembersCheckedAgainstTheirHashes() throws {
        let dir = makeTempDir("wacz-create")
        let warc = try fixture("pages.warc.gz")
        let pages = dir + "/pages.jsonl"
        let listed = (0..<50).map { #"{"url": "http://example.com/page\#($0).html", "title": "Listed title \#($0)", "ts": "2024-05-01T12:00:00Z"}"# }
        try writeBytes(pages, Array((#"{"format": "json-pages-1.0", "id": "pages"}"# + "\n" + listed.joined(separator: "\n") + "\n").utf8))
        for (name, extra) in [("sha.wacz", ["-p", pages]), ("md5.wacz", ["-p", pages, "--hash-type", "md5"])] {
            _ = try PythonChecker.output(arguments: ["-m", "wacz", "create", "-o", dir + "/" + name, warc] + extra)
        }
        // Rewrites `src` with member `name` replaced by `with` (bytes of a file) or edited.
        let replace = """
            import sys, zipfile
            src, dst, name, how = sys.argv[1:5]
            with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w") as out:
                for info in z.infolist():
                    data = z.read(info)
                    if info.filename == name:
                        data = open(how, "rb").read() if how != "retitle" else data.replace(b"Listed title 3", b"Forged title 3")
                    out.writestr(info, data)
            """
        _ = try PythonChecker.output(arguments: [
            "-c", replace, dir + "/sha.wacz", dir + "/warc.wacz", "archive/pages.warc.gz", try fixture("pages11.warc.gz"),
        ])
        _ = try PythonChecker.output(arguments: ["-c", replace, dir + "/sha.wacz", dir + "/list.wacz", "pages/pages.jsonl", "retitle"])
        let noTitles: HTMLExtraction = { b, c in
            var p = rawHTML(b, c); p.title = nil; return p
        }

        let sound = try ingest([dir + "/sha.wacz"], html: noTitles)
        #expect(sound.summary.skippedCount == 0, "\(sound.summary.skipped)")
        #expect(sound.documents.count == 50 && sound.documents[3].title == "Listed title 3")
        let md5 = try ingest([dir + "/md5.wacz"])
        #expect(md5.summary.skippedCount == 0, "\(md5.summary.skipped)")
        #expect(md5.documents.count == 50)

        let changedWARC = try ingest([dir + "/warc.wacz"])
        #expect(changedWARC.documents.count == 50)
        #expect(changedWARC.summary.skipped.map(\.reason) == ["datapackage hash mismatch"])
        #expect(changedWARC.summary.skipped.first?.source.file == dir + "/warc.wacz#archive/pages.warc.gz")

        let changedList = try ingest([dir + "/list.wacz"], html: noTitles)
        #expect(changedList.documents.count == 50)
        #expect(changedList.summary.skipped.map(\.source.file) == [dir + "/list.wacz#pages/pages.jsonl"])
        #expect(changedList.documents.allSatisfy { $0.title == nil })
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
