import Foundation
import Index
import Sodium
import Testing
import TextTestSupport

func tempDirectory(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("remote-\(name)-\(UUID())").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Two groups' keys, so trust lists have something to choose between.
let keyA = try! GroupKey(seed: Array(repeating: 11, count: 32))
let keyB = try! GroupKey(seed: Array(repeating: 22, count: 32))

/// English-looking documents with a skewed vocabulary, so common words have long postings
/// (several leaves) and rare ones short, as in real text.
func corpus(_ n: Int, seed: UInt64, site: String) -> [IndexDocument] {
    let words = [
        "river", "bread", "honey", "lantern", "bicycle", "garden", "compost", "library", "meteor", "solar",
        "workshop", "volunteer", "repair", "kettle", "orchard", "winter", "summer", "harvest", "market", "bridge",
        "pottery", "ferment", "archive", "beacon", "cinder", "harbor", "juniper", "quarry", "saffron", "thistle",
        "walnut", "zephyr", "amber", "basil", "copper", "dune", "ember", "fjord", "glacier", "hazel",
    ]
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { i in
        let length = Int.random(in: 8...160, using: &rng)
        let text = (0..<length).map { _ -> String in
            let r = Double.random(in: 0..<1, using: &rng)
            return words[min(words.count - 1, Int(r * r * r * Double(words.count)))]
        }
        let sentence = text.joined(separator: " ")
        return IndexDocument(
            url: "https://\(site)/page/\(i)", title: "\(site) \(i): \(text.prefix(3).joined(separator: " "))",
            text: sentence.prefix(1).uppercased() + sentence.dropFirst() + ".",
            date: 1_700_000_000 + Int64(i) * 3600, lang: "en",
            // A content hash, as ingest's: the index keeps its first 8 bytes (`DocRecord.digestKey`).
            digest: Sodium.blake2b256(Array("\(site)/\(i)".utf8)),
            source: "test", tags: i % 7 == 0 ? ["seven"] : [], mentions: [])
    }
}

/// Builds `docs` into `dir` with the real analyzer; returns the folder.
@discardableResult
func buildIndex(_ docs: [IndexDocument], key: GroupKey = keyA, dir: String = tempDirectory("index")) throws -> String {
    let builder = try SegmentBuilder(directory: dir, key: key, analyzer: IndexAnalyzer(), options: .init(memoryBytes: 64 << 20))
    for (i, d) in docs.enumerated() { try builder.add(d, file: 0, seq: UInt32(i)) }
    let segment = try builder.finish(sources: [.init(name: "test", bytes: 0)]).segment
    let v = try GroupVersion.signed(key: key, sequence: 1, created: "2026-01-01T00:00:00Z", analyzer: IndexAnalyzer().identifier, segments: [segment])
    _ = try IndexWriter.publish(
        versions: [(try IndexWriter.store(v, in: builder.store), v)], analyzer: IndexAnalyzer().identifier, store: builder.store, out: dir,
        key: key, created: "2026-01-01T00:00:00Z")
    return dir
}

/// Python's own `http.server` (the stock static server) serving `directory` on a free
/// loopback port: an HTTP implementation that shares nothing with ours.
func pythonStaticServer(_ directory: String) throws -> (ChildProcess, String) {
    guard let python = PythonChecker.interpreter else {
        throw ServerError("no Python: set INDEXER_PYTHON or run `make setup` to create .venv")
    }
    let script = """
        import functools, http.server, sys
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
        handler.log_message = lambda *a: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
    let child = try ChildProcess(python, ["-c", script, directory])
    let port = try child.firstLine(within: 20)
    return (child, "http://127.0.0.1:\(port)")
}
