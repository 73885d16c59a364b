import Blocks
import Index
import ProllyTree

/// Document-at-a-time iterators over DocRef order: the building blocks of query evaluation.
/// Each can report an upper bound of its score over a stretch of DocRefs without reading the
/// postings there (from the postings tree's per-leaf impacts), which is what lets the top-k
/// loop skip whole leaves (block-max pruning).
protocol DocIterator: AnyObject {
    /// Current document, nil when exhausted.
    var doc: DocRef? { get }
    /// Moves to the first document ≥ target.
    func advance(to target: DocRef) throws(ReadFailure)
    func next() throws(ReadFailure)
    /// Score of the current document (0 for filters).
    func score() throws(ReadFailure) -> Double
    /// An upper bound of `score()` for every match in [target, end], and `end` (nil: to the end
    /// of this iterator). Never reads leaves.
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?)
    /// Leaves read, for the stats report.
    var leavesRead: Int { get }
    /// The postings leaves a move to `target` would read that are not the current ones (for
    /// fetching a search's leaves in one batch). Reads internal nodes only.
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure)
}

extension DocIterator {
    /// Iterators without postings (lists, documents walks) need no postings leaves.
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure) {}
}

extension DocRef {
    /// The next DocRef in order (for skipping past the end of a block).
    var successor: DocRef? {
        if ordinal < UInt32.max { return DocRef(group: group, batch: batch, ordinal: ordinal + 1) }
        if batch < UInt32.max { return DocRef(group: group, batch: batch + 1, ordinal: 0) }
        if group.value < UInt64.max { return DocRef(group: GroupID(value: group.value + 1), batch: 0, ordinal: 0) }
        return nil
    }

    /// The DocRef before this one (for a stretch that ends where a child's next match starts).
    var predecessor: DocRef? {
        if ordinal > 0 { return DocRef(group: group, batch: batch, ordinal: ordinal - 1) }
        if batch > 0 { return DocRef(group: group, batch: batch - 1, ordinal: .max) }
        if group.value > 0 { return DocRef(group: GroupID(value: group.value - 1), batch: .max, ordinal: .max) }
        return nil
    }

    static let last = DocRef(group: GroupID(value: .max), batch: .max, ordinal: .max)
}

func minEnd(_ a: DocRef?, _ b: DocRef?) -> DocRef? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}

/// The bound of an iterator whose next match is `next`, past `target`: nothing scores before it.
@inline(__always)
func nothingBefore(_ next: DocRef) -> (score: Double, end: DocRef?) {
    // `next` > target ≥ the first DocRef, so it has a predecessor.
    (0, next.predecessor)
}

/// One term in one field. `weight` 0 makes it a filter.
final class TermIterator: DocIterator {
    // The hot loop's state: only this iterator touches it, never re-entrantly, so the dynamic
    // exclusivity checks (a runtime call per access, 5.6% of a warm query) are left out.
    @exclusivity(unchecked) private var cursor: PostingCursor
    let field: Field
    let weight: Double
    let bm25: BM25
    let term: [UInt8]

    /// BM25's length normalisation per length code, for this field.
    private let norms: [Double]

    init(cursor: PostingCursor, field: Field, term: [UInt8], weight: Double, bm25: BM25) {
        self.cursor = cursor
        self.field = field
        self.weight = weight
        self.bm25 = bm25
        self.term = term
        norms = bm25.norms(field)
    }

    var doc: DocRef? { cursor.doc }
    var leavesRead: Int { cursor.leavesRead }
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure) {
        guard let d = cursor.doc, d < target, let l = try cursor.leaf(at: target) else { return }
        out.append(l)
    }
    func advance(to target: DocRef) throws(ReadFailure) { try cursor.advance(to: target) }
    func next() throws(ReadFailure) { try cursor.next() }

    func score() throws(ReadFailure) -> Double {
        weight == 0 ? 0 : BM25.score(weight: weight, tf: cursor.tf, norm: norms[Int(cursor.lengthCode)])
    }

    /// The last bound computed and the DocRefs it holds for: the top-k loop asks about
    /// neighbouring documents, which mostly fall in the same leaf.
    @exclusivity(unchecked) private var cachedBound: (from: DocRef, end: DocRef?, score: Double)? = nil

    /// Postings per exact bound inside the current leaf.
    static let blockSize = 64

    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) {
        if weight == 0 { return (0, nil) }
        if let c = cachedBound, !(target < c.from), c.end.map({ !($0 < target) }) ?? true { return (c.score, c.end) }
        // Inside the leaf already read: the exact best of this term's next postings (the leaf's
        // impacts cover every term in it), a block at a time.
        if let b = cursor.bestInLeaf(
            from: target, count: TermIterator.blockSize,
            { [weight, norms] tf, code in
                BM25.score(weight: weight, tf: tf, norm: norms[Int(code)])
            })
        {
            cachedBound = (target, b.end, b.score)
            return b
        }
        guard let b = try cursor.bound(at: target) else { return (0, nil) }
        let score = bm25.bound(weight: weight, field: field, impacts: b.impacts)
        cachedBound = (target, b.last, score)
        return (score, b.last)
    }
}

/// An iterator's children, the first two in `let` properties of their own. The optimizer
/// borrows a child read from a `let` property, but copies one read out of an array (a retain
/// and a release around every call: 15% of a warm query's time went to them); most ORs and
/// ANDs have two children (a word in body and title, two words). `visit` and `allSatisfy`
/// visit them in order, so scores sum in the same order as before.
struct Children {
    let count: Int
    let first: DocIterator
    /// `first` again when there is only one child (never visited then).
    let second: DocIterator
    let rest: [DocIterator]

    init(_ children: [DocIterator]) {
        count = children.count
        first = children.first ?? EmptyIterator()
        second = children.count > 1 ? children[1] : first
        rest = Array(children.dropFirst(2))
    }

    @inline(__always)
    func visit<E: Error>(_ body: (DocIterator) throws(E) -> Void) throws(E) {
        if count > 0 { try body(first) }
        if count > 1 { try body(second) }
        for c in rest { try body(c) }
    }

    /// Visits children in order while `body` returns true; whether every one did.
    @inline(__always)
    func allSatisfy<E: Error>(_ body: (DocIterator) throws(E) -> Bool) throws(E) -> Bool {
        if count > 0, try !body(first) { return false }
        if count > 1, try !body(second) { return false }
        for c in rest where try !body(c) { return false }
        return true
    }
}

/// Matches documents any child matches; scores the sum of the matching children.
final class OrIterator: DocIterator {
    let children: Children
    @exclusivity(unchecked) private(set) var doc: DocRef?

    init(_ children: [DocIterator]) {
        self.children = Children(children)
        settle()
    }

    var leavesRead: Int {
        var n = 0
        children.visit { n += $0.leavesRead }
        return n
    }
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure) {
        try children.visit { (c) throws(ReadFailure) in try c.leaves(at: target, into: &out) }
    }

    private func settle() {
        var best: DocRef? = nil
        children.visit { c in
            if let d = c.doc, best.map({ d < $0 }) ?? true { best = d }
        }
        doc = best
    }

    func advance(to target: DocRef) throws(ReadFailure) {
        guard let d = doc, d < target else { return }
        try children.visit { (c) throws(ReadFailure) in try c.advance(to: target) }
        settle()
    }

    func next() throws(ReadFailure) {
        guard let d = doc else { return }
        try children.visit { (c) throws(ReadFailure) in if c.doc == d { try c.next() } }
        settle()
    }

    func score() throws(ReadFailure) -> Double {
        guard let d = doc else { return 0 }
        var s = 0.0
        try children.visit { (c) throws(ReadFailure) in if c.doc == d { s += try c.score() } }
        return s
    }

    /// The sum of the children's bounds over the stretch where all of them hold: a child whose
    /// next match lies past `target` adds nothing until that match, so a rare term (a word in
    /// few titles) does not lift the bound of every stretch of a common one.
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) {
        var total = 0.0
        var end: DocRef? = nil
        var any = false
        try children.visit { (c) throws(ReadFailure) in
            guard let d = c.doc else { return }
            let b = target < d ? nothingBefore(d) : try c.bound(at: target)
            total += b.score
            end = any ? minEnd(end, b.end) : b.end
            any = true
        }
        return (total, end)
    }
}

/// Matches documents every required child matches and no excluded child matches.
final class AndIterator: DocIterator {
    let required: Children
    let excluded: Children
    @exclusivity(unchecked) private(set) var doc: DocRef?

    init(required: [DocIterator], excluded: [DocIterator]) throws(ReadFailure) {
        precondition(!required.isEmpty)
        self.required = Children(required)
        self.excluded = Children(excluded)
        try align(from: required[0].doc)
    }

    var leavesRead: Int {
        var n = 0
        required.visit { n += $0.leavesRead }
        excluded.visit { n += $0.leavesRead }
        return n
    }
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure) {
        try required.visit { (c) throws(ReadFailure) in try c.leaves(at: target, into: &out) }
        try excluded.visit { (c) throws(ReadFailure) in try c.leaves(at: target, into: &out) }
    }

    /// Leapfrogs the required children to the first common document ≥ `start` that no
    /// excluded child has.
    private func align(from start: DocRef?) throws(ReadFailure) {
        guard var target = start else { doc = nil; return }
        var exhausted = false
        while true {
            // Every required child at `target`, else move `target` to where one stopped.
            let met = try required.allSatisfy { (c) throws(ReadFailure) -> Bool in
                try c.advance(to: target)
                guard let d = c.doc else {
                    exhausted = true
                    return false
                }
                if d != target { target = d; return false }
                return true
            }
            if exhausted { doc = nil; return }
            if !met { continue }
            let clear = try excluded.allSatisfy { (e) throws(ReadFailure) -> Bool in
                try e.advance(to: target)
                return e.doc != target
            }
            if !clear {
                guard let s = target.successor else { doc = nil; return }
                target = s
                continue
            }
            doc = target
            return
        }
    }

    func advance(to target: DocRef) throws(ReadFailure) {
        guard let d = doc, d < target else { return }
        try align(from: target)
    }

    func next() throws(ReadFailure) {
        guard let d = doc else { return }
        try align(from: d.successor)
    }

    func score() throws(ReadFailure) -> Double {
        var s = 0.0
        try required.visit { (c) throws(ReadFailure) in s += try c.score() }
        return s
    }

    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) {
        guard let d = doc else { return (0, nil) }
        if target < d { return nothingBefore(d) }
        var total = 0.0
        var end: DocRef? = nil
        var first = true
        try required.visit { (c) throws(ReadFailure) in
            let b = try c.bound(at: target)
            total += b.score
            end = first ? b.end : minEnd(end, b.end)
            first = false
        }
        return (total, end)
    }
}

/// Restricts a child to the documents of some groups (a `group:` filter or a trust list):
/// each group is one DocRef range, so this skips, it does not filter one by one.
final class GroupIterator: DocIterator {
    let child: DocIterator
    let groups: [GroupID]  // sorted

    init(_ child: DocIterator, groups: [GroupID]) throws(ReadFailure) {
        self.child = child
        self.groups = groups.sorted()
        try settle()
    }

    var doc: DocRef? { child.doc }
    var leavesRead: Int { child.leavesRead }
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure) { try child.leaves(at: target, into: &out) }

    private func settle() throws(ReadFailure) {
        while let d = child.doc {
            if groups.contains(d.group) { return }
            guard let next = groups.first(where: { $0 > d.group }) else {
                // Past the last allowed group: exhaust the child cheaply.
                try child.advance(to: .last)
                if let d2 = child.doc, groups.contains(d2.group) { return }
                if child.doc != nil { try child.next() }
                if child.doc == nil { return }
                continue
            }
            try child.advance(to: DocRef(group: next, batch: 0, ordinal: 0))
        }
    }

    func advance(to target: DocRef) throws(ReadFailure) { try child.advance(to: target); try settle() }
    func next() throws(ReadFailure) { try child.next(); try settle() }
    func score() throws(ReadFailure) -> Double { try child.score() }
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) { try child.bound(at: target) }
}

/// Keeps the child's documents that also pass `accept` (phrase checks): matches are verified
/// one by one, so bounds are the child's.
final class VerifyIterator: DocIterator {
    let child: DocIterator
    let accept: (DocRef) throws(ReadFailure) -> Bool

    init(_ child: DocIterator, accept: @escaping (DocRef) throws(ReadFailure) -> Bool) throws(ReadFailure) {
        self.child = child
        self.accept = accept
        try settle()
    }

    var doc: DocRef? { child.doc }
    var leavesRead: Int { child.leavesRead }
    func leaves(at target: DocRef, into out: inout [ChildRef]) throws(ReadFailure) { try child.leaves(at: target, into: &out) }

    private func settle() throws(ReadFailure) {
        while let d = child.doc, try !accept(d) { try child.next() }
    }

    func advance(to target: DocRef) throws(ReadFailure) { try child.advance(to: target); try settle() }
    func next() throws(ReadFailure) { try child.next(); try settle() }
    func score() throws(ReadFailure) -> Double { try child.score() }
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) { try child.bound(at: target) }
}

/// Matches nothing (a word absent from the index).
final class EmptyIterator: DocIterator {
    var doc: DocRef? { nil }
    var leavesRead: Int { 0 }
    func advance(to target: DocRef) throws(ReadFailure) {}
    func next() throws(ReadFailure) {}
    func score() throws(ReadFailure) -> Double { 0 }
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) { (0, nil) }
}
