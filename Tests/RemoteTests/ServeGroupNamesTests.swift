import Foundation
import Hummingbird
import HummingbirdTesting
import Index
import Support
import Testing

@testable import Serve

/// `/api/search` (and so the serve page) names each result's group from a merged index's
/// `names.json`, only when the manifest's signer signed it.
@Suite struct ServeGroupNamesTests {
    @Test func resultsNameTheirGroupOnlyFromANamesFileTheSignerSigned() async throws {
        let dir = tempDirectory("named")
        _ = try IndexMerge.merge(named: groupIndexes, open: IndexView.localSource, out: dir, key: keyA, created: "2026-01-02T00:00:00Z")
        var config = ServeConfiguration(indexes: [try ServedIndex(name: "named", directory: dir)])
        config.port = 0
        let file = dir + "/" + GroupNames.fileName
        let (alpha, beta) = (keyA.group.description, keyB.group.description)
        try await buildApplication(config).test(.router) { client in
            /// Group -> name (or "" when none) over the results of a query both groups answer.
            func shown() async throws -> [String: String] {
                try await client.execute(uri: "/api/search?q=river&limit=50", method: .get) { r in
                    let results = try #require(try jsonObject(r.body)["results"] as? [[String: Any]])
                    #expect(Set(results.compactMap { $0["group"] as? String }) == [alpha, beta])
                    return Dictionary(results.map { ($0["group"] as! String, $0["groupName"] as? String ?? "") }) { a, _ in a }
                }
            }
            #expect(try await shown() == [alpha: "", beta: ""])
            try FileSystem.writeAtomically(file, try GroupNames.signed([alpha: "Alpha", beta: "Beta"], key: keyA, created: "2026-01-03T00:00:00Z"))
            #expect(try await shown() == [alpha: "Alpha", beta: "Beta"])
            // Replaced by a file someone else signed: no names, not the impostor's.
            try FileSystem.writeAtomically(file, try GroupNames.signed([beta: "Impostor"], key: keyB, created: "2026-01-04T00:00:00Z"))
            #expect(try await shown() == [alpha: "", beta: ""])
        }
    }
}
