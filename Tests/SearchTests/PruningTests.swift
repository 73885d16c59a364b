import Foundation
import Index
import IndexTestSupport
import Testing

@testable import Search

/// Block-max pruning against exhaustive scoring of the same plan, on random corpora spread over
/// several segments (with tombstones), for word, AND, OR, NOT and phrase queries and for words
/// that are common in bodies but rare in titles.
@Suite struct PruningTests {
    /// Bodies from a skewed vocabulary; a title usually of generic words, sometimes holding one
    /// of the common body words (the `unsafe` on rust-doc case: a rare title term).
    func corpus(_ n: Int, seed: UInt64, offset: Int = 0) -> [IndexDocument] {
        var rng = SplitMix(seed: seed)
        return (0..<n).map { j in
            let i = offset + j
            let length = Int.random(in: 3...150, using: &rng)
            let words = (0..<length).map { _ in "w\(Int(pow(Double.random(in: 0..<1, using: &rng), 3) * 80))" }
            var title = ["page", "t\(i % 7)"]
            if Int.random(in: 0..<40, using: &rng) == 0 { title.append("w\(Int.random(in: 0..<12, using: &rng))") }
            return IndexDocument(
                url: "https://example.org/\(i)", title: title.joined(separator: " "), text: words.joined(separator: " "),
                date: nil, lang: "en", digest: Array("\(i)".utf8), source: "t@\(i)", tags: [], mentions: [])
        }
    }

    func randomPlan(_ docs: [IndexDocument], _ rng: inout SplitMix) -> QueryPlan {
        func word() -> QueryPlan { .word("w\(Int(pow(Double.random(in: 0..<1, using: &rng), 2) * 40))") }
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return word()
        case 1: return .and((0..<Int.random(in: 2...3, using: &rng)).map { _ in word() })
        case 2: return .or((0..<Int.random(in: 2...4, using: &rng)).map { _ in word() })
        case 3: return .and([word(), .not(word())])
        case 4: return .or([.and([word(), word()]), word()])
        default:
            // Two neighbouring words of some document, so the phrase has matches.
            let text = docs.randomElement(using: &rng)!.text.split(separator: " ")
            let i = Int.random(in: 0..<text.count - 1, using: &rng)
            return .phrase("\(text[i]) \(text[i + 1])")
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func prunedTopKEqualsExhaustive(seed: UInt64) throws {
        let all = corpus(1800, seed: seed)
        var chain = try Chain(testKey, Array(all.prefix(1200)))
        try chain.update(edit: [3, 50, 700], delete: [9, 400], add: Array(all[1200..<1500]))
        try chain.update(edit: [1250], add: Array(all[1500...]))
        #expect(chain.view.segments.count == 3)
        let engine = SearchEngine(view: chain.view, analyzer: IndexAnalyzer())
        var rng = SplitMix(seed: seed &* 977)
        for _ in 0..<80 {
            let plan = randomPlan(chain.docs, &rng)
            let k = [1, 3, 10, 25].randomElement(using: &rng)!
            let pruned = try engine.search(plan, limit: k, prune: true)
            let full = try engine.search(plan, limit: k, prune: false)
            #expect(pruned.hits.count == full.hits.count, "\(plan) k \(k)")
            for (a, b) in zip(pruned.hits, full.hits) { #expect(abs(a.score - b.score) <= 1e-9 * max(1, abs(b.score)), "\(plan) k \(k)") }
            // Same documents in the same order, except among equal scores.
            let tie = 1e-9
            for (i, (a, b)) in zip(pruned.hits, full.hits).enumerated() where a.doc != b.doc {
                let tied = full.hits.indices.filter { abs(full.hits[$0].score - b.score) <= tie }
                #expect(tied.count > 1 && tied.contains(i), "\(plan) k \(k): rank \(i) is \(a.doc), exhaustive says \(b.doc)")
            }
            #expect(pruned.candidatesScored <= full.candidatesScored)
        }
    }

    /// A word in every body and three titles: the title part's bound may only count where a
    /// title match can be, else nothing is pruned (before: every match was scored).
    @Test func rareTitleTermKeepsPruning() throws {
        let filler = (0..<60).map { "f\($0)" }.joined(separator: " ")
        let docs = (0..<12000).map { i in
            IndexDocument(
                url: "https://example.org/\(i)", title: [4000, 8000, 11000].contains(i) ? "common" : "page \(i % 9)",
                text: i < 30 ? Array(repeating: "common", count: 8).joined(separator: " ") + " short" : "common " + filler,
                date: nil, lang: "en", digest: Array("\(i)".utf8), source: "t@\(i)", tags: [], mentions: [])
        }
        let (view, _) = try buildIndex(docs)
        let engine = SearchEngine(view: view, analyzer: IndexAnalyzer())
        let pruned = try engine.search(.word("common"), limit: 10)
        let full = try engine.search(.word("common"), limit: 10, prune: false)
        #expect(pruned.hits.map(\.doc) == full.hits.map(\.doc))
        #expect(full.candidatesScored == 12000)
        #expect(pruned.candidatesScored * 10 < full.candidatesScored, "scored \(pruned.candidatesScored) of \(full.candidatesScored)")
        // The titled pages beat the short bodies, so pruning had to find them.
        #expect(Set(pruned.hits.prefix(3).map(\.doc.ordinal)) == [4000, 8000, 11000])
    }
}
