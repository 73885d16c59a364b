import Support
import Testing
import TextTestSupport

@testable import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// The real corpora of `make corpora` (Corpora/build/, or INDEXER_CORPORA), whose counts.jsonl
/// holds FastWARC's and warcio's agreed counts. Skipped when the corpora are not built.
let corporaDir: String? = {
    let dir = getenv("INDEXER_CORPORA").map { String(cString: $0) } ?? packageRoot + "/Corpora/build"
    return access(dir + "/linux-doc/counts.jsonl", R_OK) == 0 ? dir : nil
}()

@Suite(.tags(.corpora), .needsExternalTools, .enabled(if: corporaDir != nil, "run `make corpora` first"))
struct CorpusTests {
    /// Each linux-doc file (rust-doc is 3x larger; the bench reads it) against FastWARC/warcio.
    @Test func linuxDocCountsMatchFastWARCAndWarcio() throws {
        let dir = corporaDir! + "/linux-doc"
        let lines = try readBytes(dir + "/counts.jsonl").split(separator: 0x0A)
        #expect(lines.count >= 5)
        for line in lines {
            let entry = try JSON.parse(Array(line), options: .metadata)
            guard var file = entry["file"]?.string, let html = entry["html"]?.number else { continue }
            // counts.jsonl names files where the corpora were built; look beside it.
            file = dir + "/" + String(file.split(separator: "/").last!)
            let r = try ingest([file])
            let htmlDocs = r.documents.filter { $0.mime == "text/html" && $0.kind == .response }.count
            #expect(htmlDocs == Int(html), "\(file)")
            #expect(r.summary.skipped.isEmpty, "\(file): \(r.summary.skipped.prefix(3))")
            if let responses = entry["records"]?["response"]?.number {
                let seen = r.summary.records - r.summary.ignored.filter { $0.key.hasPrefix("warc type") }.values.reduce(0, +)
                #expect(seen >= Int(responses), "\(file)")
            }
        }
    }
}
