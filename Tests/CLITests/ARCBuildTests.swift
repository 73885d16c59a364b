import Foundation
import Testing
import TextTestSupport

/// `indexer build` of ARC files (Corpora/fixtures/make_arc.py) indexes what `indexer extract`
/// finds in them (issue 10: an .arc.gz used to give an empty signed index and exit 3).
@Suite(.tags(.python), .needsExternalTools) struct ARCBuildTests {
    let work = CLI.temp("arc")

    init() throws {
        _ = try PythonChecker.output(arguments: [PythonChecker.packageRoot.path + "/Corpora/fixtures/make_arc.py", work])
        try CLI.run(["keygen", "--out", work + "/key.json"])
    }

    func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: ["pages.arc", "pages.arc.gz"]) func buildIndexesEveryDocumentExtractFinds(_ name: String) throws {
        let source = work + "/" + name
        let extract = try CLI.run(["extract", source, "--json"])
        #expect(extract.status == 0, "\(extract.stderr)")
        let extracted = try object(extract.stderr)["documents"] as? Int
        let lines = extract.stdout.split(separator: "\n").count
        let build = try CLI.run(["build", source, "--out", work + "/idx-" + name, "--key", work + "/key.json", "--json"])
        #expect(build.status == 0, "\(build.stderr)")
        let built = try object(build.stdout)
        #expect(extracted == 21 && lines == 21)
        #expect(built["documents"] as? Int == extracted)
        #expect((built["skipped"] as? [Any])?.isEmpty == true)
        let search = try CLI.run(["search", "crawl", "--index", work + "/idx-" + name, "--json"])
        #expect(search.status == 0 && search.stdout.contains("http://example.org/arc/notes.txt"))
    }
}

/// 300 records each followed by a junk line: `extract` and `build` count all 300 skips by
/// reason, list the first 100 and say how many more there were; exit status 3.
@Test func skippedRecordsAreCountedAndTheFirstHundredListed() throws {
    let work = CLI.temp("skips")
    var arc = ""
    for i in 0..<300 {
        let block = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npage \(i)"
        arc += "http://example.net/\(i).txt 1.2.3.4 20240501120000 text/plain \(block.utf8.count)\n\(block)\njunk \(i)\n"
    }
    try Data(arc.utf8).write(to: URL(fileURLWithPath: work + "/junk.arc"))
    let text = try CLI.run(["extract", work + "/junk.arc"])
    #expect(text.status == 3)
    let lines = text.stderr.split(separator: "\n")
    #expect(lines.filter { $0.hasPrefix("skipped ") }.count == 100)
    #expect(lines.contains("  300\tunreadable bytes"))
    #expect(lines.contains("… and 200 more skipped records, not listed (counted by reason above)"))
    let json = try CLI.run(["extract", work + "/junk.arc", "--json"])
    let o = try #require(try JSONSerialization.jsonObject(with: Data(json.stderr.utf8)) as? [String: Any])
    #expect(json.status == 3 && o["documents"] as? Int == 300)
    #expect((o["skipped"] as? [Any])?.count == 100 && o["skippedNotListed"] as? Int == 200)
    #expect((o["skippedByReason"] as? [String: Int]) == ["unreadable bytes": 300])
    try CLI.run(["keygen", "--out", work + "/key.json"])
    let build = try CLI.run(["build", work + "/junk.arc", "--out", work + "/idx", "--key", work + "/key.json", "--json"])
    let b = try #require(try JSONSerialization.jsonObject(with: Data(build.stdout.utf8)) as? [String: Any])
    #expect(build.status == 3 && b["documents"] as? Int == 300)
    #expect((b["skipped"] as? [Any])?.count == 100 && b["skippedNotListed"] as? Int == 200)
}
