import Index
import IndexTestSupport
import Testing

@testable import Search

/// A budget ends a search early, deterministically, and never lets a document that does not
/// match into the results.
@Suite struct SearchBudgetTests {
    static let view: IndexView = try! buildIndex(corpus(600, seed: 5)).0

    func engine(_ limits: SearchBudget.Limits?) -> (SearchEngine, SearchBudget?) {
        var e = SearchEngine(view: SearchBudgetTests.view, analyzer: IndexAnalyzer())
        e.budget = limits.map { SearchBudget($0) }
        return (e, e.budget)
    }

    /// Common words ORed: without pruning every match is scored, so the work is known.
    static let wide = QueryPlan.or([.word("w0"), .word("w1"), .word("w2"), .word("w3")])

    @Test func candidateBudgetStopsTheTopKLoop() throws {
        let (full, _) = engine(nil)
        let all = try full.search(SearchBudgetTests.wide, limit: 10, prune: false)
        #expect(all.candidatesScored > 100, "the query must cost more than the budget for the test to mean anything")

        let limits = SearchBudget.Limits(candidates: 40)
        let (cut, budget) = engine(limits)
        let partial = try cut.search(SearchBudgetTests.wide, limit: 10, prune: false)
        #expect(budget?.stopped == .candidates)
        #expect(partial.candidatesScored <= 40)
        #expect(budget!.candidates == 41, "one charge over the limit, then nothing more")
        #expect(!partial.totalIsExact && partial.total <= 40)
        #expect(partial.hits.count == 10)
        // The same work limit stops at the same place every time.
        let (again, _) = engine(limits)
        #expect(try again.search(SearchBudgetTests.wide, limit: 10, prune: false).hits.map(\.doc) == partial.hits.map(\.doc))
        // Without a budget the same engine answers in full.
        #expect(all.totalIsExact && all.total > 100)
    }

    @Test func leafBudgetStopsTheTopKLoop() throws {
        let (cut, budget) = engine(SearchBudget.Limits(leaves: 2))
        let partial = try cut.search(SearchBudgetTests.wide, limit: 10, prune: false)
        #expect(budget?.stopped == .leaves)
        #expect(!partial.totalIsExact)
    }

    /// A spent phrase budget must not let unchecked documents through: every hit of the cut
    /// search is a hit of the full one.
    @Test func phraseBudgetNeverAcceptsUncheckedDocuments() throws {
        let phrase = QueryPlan.phrase("w0 w1")
        let (full, _) = engine(nil)
        let all = try full.search(phrase, limit: 600)
        #expect(all.hits.count > 5)
        for checks in [0, 1, 3, 10, 30] {
            let (cut, budget) = engine(SearchBudget.Limits(phraseChecks: checks))
            let partial = try cut.search(phrase, limit: 600)
            #expect(budget?.stopped == .phraseChecks, "budget \(checks)")
            #expect(budget!.phraseChecks <= checks + 2, "two words per check")
            #expect(Set(partial.hits.map(\.doc)).isSubset(of: Set(all.hits.map(\.doc))), "budget \(checks)")
            #expect(partial.hits.count < all.hits.count)
        }
    }

    @Test func prefixExpansionsFollowTheBudget() throws {
        let (cut, _) = engine(SearchBudget.Limits(expansions: 2))
        let few = try cut.search(.prefix("w1"), limit: 600)
        let (full, _) = engine(nil)
        let many = try full.search(.prefix("w1"), limit: 600)
        // Two terms per field (w1, w10 in order) instead of up to 64.
        #expect(Set(few.hits.flatMap(\.terms)).count <= 4)
        #expect(few.hits.count < many.hits.count)
    }

    @Test func timeBudgetStopsASearch() throws {
        let (cut, budget) = engine(SearchBudget.Limits(milliseconds: 0))
        _ = try cut.search(SearchBudgetTests.wide, limit: 10, prune: false)
        #expect(budget?.stopped == .time)
    }
}
