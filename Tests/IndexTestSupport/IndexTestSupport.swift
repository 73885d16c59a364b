import Blocks
import Foundation
import Index
import TextTestSupport

public func tempDirectory(_ name: String = "index") -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID())").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

public let testKey = try! GroupKey(seed: Array(repeating: 7, count: 32))

/// A small generated corpus with a skewed vocabulary (a few very common words).
public func corpus(_ n: Int, seed: UInt64 = 1) -> [IndexDocument] {
    var rng = SplitMix(seed: seed)
    let vocabulary = (0..<400).map { "w\($0)" }
    return (0..<n).map { i in
        let length = Int.random(in: 5...120, using: &rng)
        let words = (0..<length).map { _ -> String in
            // Zipf-ish: small indices far more likely.
            let r = Double.random(in: 0..<1, using: &rng)
            return vocabulary[min(vocabulary.count - 1, Int(pow(r, 3) * Double(vocabulary.count)))]
        }
        return IndexDocument(
            url: "https://site\(i % 3).example/page/\(i)", title: "Page \(i) \(words.prefix(3).joined(separator: " "))",
            text: words.joined(separator: " "), date: 1_700_000_000 + Int64(i) * 86400,
            lang: i % 5 == 0 ? "de" : "en", digest: Array("\(i)".utf8), source: "test@\(i)",
            tags: i % 4 == 0 ? ["four"] : [], mentions: i % 6 == 0 ? ["alice"] : [])
    }
}

/// The shared seeded generator (reproducible property tests).
public typealias SplitMix = SplitMix64

/// Builds `docs` as one file into a segment in a fresh folder (or `dir`), published as the
/// only segment of a version of `key`'s group (or appended to the version `base` holds, as an
/// incremental build does), and opens the result.
public func buildIndex(
    _ docs: [IndexDocument], dir: String = tempDirectory(), memory: Int = 64 << 20,
    order: [Int]? = nil, key: GroupKey = testKey, batch: UInt32 = 0, sequence: UInt64 = 1,
    tombstones: [SegmentInfo.Tombstone] = [], keepSegments: [CID] = []
) throws -> (IndexView, SegmentBuilder.Summary) {
    let builder = try SegmentBuilder(
        directory: dir, key: key, analyzer: IndexAnalyzer(),
        options: .init(memoryBytes: memory, batch: batch))
    for i in order ?? Array(docs.indices) { try builder.add(docs[i], file: 0, seq: UInt32(i)) }
    let finished = try builder.finish(sources: [.init(name: "test", bytes: 0)], tombstones: tombstones)
    let version = try GroupVersion.signed(
        key: key, sequence: sequence, created: "2026-01-01T00:00:00Z", analyzer: IndexAnalyzer().identifier,
        segments: keepSegments + [finished.segment])
    _ = try IndexWriter.publish(
        versions: [(try IndexWriter.store(version, in: builder.store), version)], analyzer: IndexAnalyzer().identifier,
        store: builder.store, out: dir, key: key, created: "2026-01-01T00:00:00Z")
    return (try IndexView.open(directory: dir), finished.summary)
}

extension IndexAnalyzer {
    /// `text`'s index terms with their positions, as strings (test expectations).
    public func words(_ text: String, language: String? = nil) -> [(term: String, position: UInt32)] {
        let list = termList(text, language: language)
        return (0..<list.count).map { (String(decoding: list.bytes[list.range($0)], as: UTF8.self), UInt32(list.positions[$0])) }
    }
}
