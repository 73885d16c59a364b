import Foundation
import Testing

/// Records kept although damaged (issue 10): a Content-Length found wrong and corrected is a
/// repair, listed like a skip with its file and offset (`repaired FILE:OFFSET: …`, `--json`
/// `repaired`), and exit status 2 says "every record kept, some repaired"; 3 (something lost)
/// wins over it, and 0 means no record needed either.
@Suite struct RepairReportTests {
    let work = CLI.temp("repairs")

    /// A WARC of `pages` response records (no digests, so a repaired one is not refused), each
    /// preceded by a request record; `lengthDelta` changes one record's declared length,
    /// `junkAfter` puts a junk line after one. Returns the file and each record's offset.
    func warc(_ name: String, pages: Int = 4, lengthDelta: [Int: Int] = [:], junkAfter: Int? = nil) throws -> (String, [Int]) {
        var out: [UInt8] = []
        var starts: [Int] = []
        for i in 0..<pages * 2 {
            let page = i / 2
            let block =
                i % 2 == 0
                ? "GET /\(page).html HTTP/1.1\r\nHost: example.org\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>Page \(page)</title><p>kettle orchard \(page)</p></html>"
            let type = i % 2 == 0 ? "request" : "response"
            let length = block.utf8.count + (lengthDelta[i] ?? 0)
            starts.append(out.count)
            out += Array(
                "WARC/1.1\r\nWARC-Type: \(type)\r\nWARC-Target-URI: http://example.org/\(page).html\r\nWARC-Date: 2024-05-01T12:00:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-\(String(format: "%012d", i))>\r\nContent-Type: application/http; msgtype=\(type)\r\nContent-Length: \(length)\r\n\r\n\(block)\r\n\r\n"
                    .utf8)
            if junkAfter == i { out += Array("junk line\r\n".utf8) }
        }
        let path = work + "/" + name
        try Data(out).write(to: URL(fileURLWithPath: path))
        return (path, starts)
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aCleanFileExitsZeroAndListsNoRepair() throws {
        let (file, _) = try warc("clean.warc")
        let r = try CLI.run(["extract", "--json", file])
        let o = try json(r.stderr)
        #expect(r.status == 0 && o["documents"] as? Int == 4)
        #expect((o["repaired"] as? [Any])?.isEmpty == true && o["repairedNotListed"] as? Int == 0)
    }

    /// A response whose length is 3 too long (it swallowed part of the next record's header
    /// boundary) and a request 5 too short: both corrected, every page kept, both listed at
    /// their records' offsets, exit 2, in `extract` and in `build`.
    @Test func repairedRecordsAreListedWithTheirOffsetsAndExitTwo() throws {
        let (file, starts) = try warc("lengths.warc", lengthDelta: [3: 3, 4: -5])
        let text = try CLI.run(["extract", file])
        #expect(text.status == 2, "\(text.stderr)")
        #expect(text.stdout.split(separator: "\n").count == 4)
        let lines = text.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("repaired \(file):\(starts[3]): Content-Length too long"), "\(lines)")
        #expect(lines.contains("repaired \(file):\(starts[4]): Content-Length too short"), "\(lines)")
        #expect(lines.filter { $0.hasPrefix("repaired ") }.count == 2)

        let j = try CLI.run(["extract", "--json", "--quiet", file])
        let o = try json(j.stderr)
        #expect(j.status == 2 && o["documents"] as? Int == 4)
        let listed = try #require(o["repaired"] as? [[String: Any]])
        #expect(listed.map { $0["offset"] as? Int } == [starts[3], starts[4]])
        #expect(listed.map { $0["reasons"] as? [String] } == [["Content-Length too long"], ["Content-Length too short"]])
        #expect(o["recovered"] as? [String: Int] == ["Content-Length too long": 1, "Content-Length too short": 1])
        #expect((o["skipped"] as? [Any])?.isEmpty == true)

        try CLI.run(["keygen", "--out", work + "/key.json"])
        let build = try CLI.run(["build", file, "--out", work + "/idx", "--key", work + "/key.json", "--json"])
        #expect(build.status == 2, "\(build.stderr)")
        let b = try json(build.stdout)
        #expect(b["documents"] as? Int == 4)
        #expect(b["repaired"] as? [String] == ["\(file):\(starts[3]): Content-Length too long", "\(file):\(starts[4]): Content-Length too short"])
        let plain = try CLI.run(["build", file, "--out", work + "/idx2", "--key", work + "/key.json", "--quiet"])
        #expect(plain.status == 2 && plain.stderr.contains("repaired \(file):\(starts[3]): Content-Length too long"))
    }

    /// A skip (junk after a record) as well as a repair: something was lost, so 3; the repair is
    /// still listed.
    @Test func aSkipOutranksARepair() throws {
        let (file, starts) = try warc("both.warc", lengthDelta: [1: -5], junkAfter: 5)
        let r = try CLI.run(["extract", "--json", file])
        let o = try json(r.stderr)
        #expect(r.status == 3, "\(r.stderr)")
        #expect((o["skipped"] as? [Any])?.count == 1)
        #expect((o["repaired"] as? [[String: Any]])?.map { $0["offset"] as? Int } == [starts[1]])
    }

    /// Repairs are listed up to 100, like skips, and counted beyond.
    @Test func theFirstHundredRepairsAreListed() throws {
        var delta: [Int: Int] = [:]
        for i in stride(from: 1, to: 300, by: 2) { delta[i] = 2 }
        let (file, _) = try warc("many.warc", pages: 150, lengthDelta: delta)
        let r = try CLI.run(["extract", "--json", file])
        let o = try json(r.stderr)
        #expect(r.status == 2 && o["documents"] as? Int == 150)
        #expect((o["repaired"] as? [Any])?.count == 100 && o["repairedNotListed"] as? Int == 50)
        let text = try CLI.run(["extract", "--quiet", file])
        #expect(text.stderr.contains("… and 50 more repaired records, not listed (counted by repair above)"))
    }
}
