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
