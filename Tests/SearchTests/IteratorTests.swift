import Index
import IndexTestSupport
import Testing

@testable import Search

/// OR and AND over any number of children (the first two are held apart from the rest,
/// `Children`) match exactly the set algebra of their children's documents.
@Suite struct IteratorTests {
    func doc(_ i: Int) -> DocRef { DocRef(group: GroupID(value: 7), batch: UInt32(i / 50), ordinal: UInt32(i % 50)) }

    @Test(arguments: [1, 2, 3, 5])
    func orAndAndMatchTheirChildrensSets(count: Int) throws {
        var rng = SplitMix(seed: UInt64(count))
        for _ in 0..<40 {
            let lists = (0..<count).map { _ in Set((0..<Int.random(in: 0...60, using: &rng)).map { _ in Int.random(in: 0..<200, using: &rng) }) }
            let excluded = Set((0..<Int.random(in: 0...30, using: &rng)).map { _ in Int.random(in: 0..<200, using: &rng) })
            func children() -> [DocIterator] { lists.map { ListIterator($0.map(doc)) } }
            func walk(_ it: DocIterator) throws -> [DocRef] {
                var out: [DocRef] = []
                while let d = it.doc {
                    out.append(d)
                    try it.next()
                }
                return out
            }
            let union = lists.reduce(Set<Int>()) { $0.union($1) }
            let common = lists.dropFirst().reduce(lists[0]) { $0.intersection($1) }
            #expect(try walk(OrIterator(children())) == union.sorted().map(doc))
            #expect(try walk(AndIterator(required: children(), excluded: [])) == common.sorted().map(doc))
            let without = try AndIterator(required: children(), excluded: [ListIterator(excluded.map(doc))])
            #expect(try walk(without) == common.subtracting(excluded).sorted().map(doc))
            // advance(to:) lands on the first match at or after the target.
            let target = Int.random(in: 0..<200, using: &rng)
            let or = OrIterator(children())
            try or.advance(to: doc(target))
            #expect(or.doc == union.filter { $0 >= target }.min().map(doc))
        }
    }
}
