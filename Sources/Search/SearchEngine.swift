import Blocks
import Index
import ProllyTree
import Support

/// Evaluates a query plan against an index view: BM25 top-k with block-max pruning over all of
/// its segments at once, tombstoned documents excluded, results collapsed by URL (the latest
/// capture shown) and by content digest. The view holds only what the reader's policy accepts
/// (its trust list), with that subset's statistics: a trusted subset is scored as if it were
/// the whole index.
public struct SearchEngine {
    public let view: IndexView
    public let analyzer: IndexAnalyzer
    public let bm25: BM25
    /// Prefix queries expand to at most this many terms per field.
    public static let maxExpansions = 64

    /// Stops `search` early once spent (see `SearchBudget`); `matching` must run without one.
    public var budget: SearchBudget? = nil

    /// Whether the view's blocks come over a network: the top-k walk and phrase checks then
    /// read in batches (`readAhead`, `PhraseReadAhead`).
    let fetchesRemotely: Bool

    public init(view: IndexView, analyzer: IndexAnalyzer) {
        self.view = view
        self.analyzer = analyzer
        bm25 = BM25(view: view)
        fetchesRemotely = view.reader.store.fetchesRemotely
    }

    public struct Hit: Sendable {
        public var doc: DocRef
        public var score: Double
        public var record: DocRecord
        /// The analyzed terms the query looked for (for highlighting).
        public var terms: [String]
        /// The extracted text, when the search was asked to fetch texts.
        public var text: String? = nil
        /// The public key vouching for the document: its group's, or a trusted compactor's.
        public var voucher: [UInt8] = []

        /// Takes the fetched text (nil: not fetched) and the record ID that format 7 keeps
        /// in the text's head, not in the record.
        mutating func show(_ fetched: (text: String, recordID: String?)?) {
            text = fetched?.text
            if record.recordID == nil { record.recordID = fetched?.recordID }
        }
    }

    public struct Result: Sendable {
        public var hits: [Hit]
        /// Matching documents; exact when `totalIsExact`, else a lower bound (pruning skipped some).
        public var total: Int
        public var totalIsExact: Bool
        public var leavesRead: Int
        public var candidatesScored: Int
        /// Times the top-k loop over a remote index stopped at a leaf not fetched and read it
        /// with those ahead in one batch (`readAhead`).
        public var readAheads = 0
        /// The query's terms for picking a snippet's chunk (`IndexView.texts`).
        public var chunkTerms = TextChunks.QueryTerms()
    }

    // MARK: Compilation

    final class Compiled {
        /// The analyzed terms the query looks for, with their roles (for picking a snippet's chunk).
        var chunkTerms = TextChunks.QueryTerms()
        /// The same, as strings (for highlighting).
        var terms: [String] { chunkTerms.all.map { String(decoding: $0, as: UTF8.self) } }
        /// Document frequencies looked up so far by this search (a widened pool compiles again).
        let frequencies: Frequencies
        /// When set, only these segments are read, unscored (checking given documents).
        var only: Set<CID>? = nil
        /// When set, cursors read only the leaves this gate allows (planning a search, or its
        /// top-k loop over a remote index).
        var gate: LeafGate? = nil
        /// When set, cursors start at the first posting ≥ it (a top-k loop resuming).
        var start: DocRef? = nil
        init(_ frequencies: Frequencies = Frequencies()) { self.frequencies = frequencies }

        /// A word's (or phrase's) analyzed positions, each with its stemmed and unstemmed forms.
        func add(_ positions: [(alternatives: [String], position: UInt32)]) {
            for p in positions { chunkTerms.add(alternatives: p.alternatives) }
        }
    }

    final class Frequencies {
        struct Key: Hashable {
            let field: Field
            let term: [UInt8]
        }
        var known: [Key: UInt64] = [:]
    }

    func termIterator(_ field: Field, _ term: String, scored: Bool, _ c: Compiled) throws(ReadFailure) -> DocIterator {
        let bytes = Array(term.utf8)
        if c.only != nil {
            // Checking given documents: their segments' postings only, no statistics.
            var parts: [DocIterator] = []
            for s in segments(c) {
                for cursor in try s.postingCursors(field, bytes, gate: c.gate, from: c.start) {
                    parts.append(TermIterator(cursor: cursor, field: field, term: bytes, weight: 0, bm25: bm25))
                }
            }
            return parts.isEmpty ? EmptyIterator() : (parts.count == 1 ? parts[0] : OrIterator(parts))
        }
        let key = Frequencies.Key(field: field, term: bytes)
        let df: UInt64
        if let known = c.frequencies.known[key] { df = known } else { df = try view.documentFrequency(field, bytes) }
        c.frequencies.known[key] = df
        if df == 0 { return EmptyIterator() }
        let weight = scored ? bm25.idf(documentFrequency: df) * bm25.boost(field) : 0
        // One cursor per segment batch; their DocRef ranges are disjoint, so the OR's sum is
        // the one posting's score.
        var parts: [DocIterator] = []
        for s in view.segments {
            for cursor in try s.postingCursors(field, bytes, gate: c.gate, from: c.start) {
                parts.append(TermIterator(cursor: cursor, field: field, term: bytes, weight: weight, bm25: bm25))
            }
        }
        return parts.count == 1 ? parts[0] : OrIterator(parts)
    }

    /// The segments a compiled query reads: all of the view's, or `only` those when checking
    /// given documents (`matching`), so a filter's terms (`date:`) and whole-segment walks
    /// (`group:`) read no other segment either.
    func segments(_ c: Compiled) -> [Segment] {
        guard let only = c.only else { return view.segments }
        return view.segments.filter { only.contains($0.cid) }
    }

    func all(_ parts: [DocIterator]) throws(ReadFailure) -> DocIterator {
        if parts.isEmpty { return EmptyIterator() }
        if parts.count == 1 { return parts[0] }
        if parts.contains(where: { $0 is EmptyIterator }) { return EmptyIterator() }
        return try AndIterator(required: parts, excluded: [])
    }

    /// One query position: any of its alternative forms, in `fields` (body or title by default).
    func alternatives(_ forms: [String], fields: [Field] = [.body, .title], _ c: Compiled) throws(ReadFailure) -> DocIterator {
        var parts: [DocIterator] = []
        for form in Set(forms).sorted() {
            for field in fields { parts.append(try termIterator(field, form, scored: true, c)) }
        }
        parts.removeAll { $0 is EmptyIterator }
        if parts.isEmpty { return EmptyIterator() }
        return parts.count == 1 ? parts[0] : OrIterator(parts)
    }

    func compile(_ plan: QueryPlan, _ c: Compiled) throws(ReadFailure) -> DocIterator {
        switch plan {
        case .word(let w):
            let positions = analyzer.queryTerms(w)
            c.add(positions)
            return try all(positions.map { (p) throws(ReadFailure) in try alternatives(p.alternatives, c) })
        case .phrase(let text):
            let positions = analyzer.queryTerms(text)
            c.add(positions)
            let base = try all(positions.map { (p) throws(ReadFailure) in try alternatives(p.alternatives, c) })
            guard positions.count > 1, !(base is EmptyIterator) else { return base }
            let offsets = positions.map { Int($0.position) - Int(positions[0].position) }
            let forms = positions.map { Set($0.alternatives).map { Array($0.utf8) } }
            let gate = c.gate
            let ahead =
                fetchesRemotely
                ? PhraseReadAhead(engine: self, words: positions.map { Array(Set($0.alternatives)).sorted() }, frequencies: c.frequencies) : nil
            return try VerifyIterator(base) { [budget] (doc) throws(ReadFailure) -> Bool in
                // Planning reads no positions: the stretch is left unscored.
                try SearchEngine.stopWhenPlanning(gate)
                // Spent: accept without reading, so the walk stops here; the top-k loop's budget
                // check, which runs before any document is scored, then ends the search.
                if let budget, !budget.phraseCheck(words: offsets.count) { return true }
                try ahead?.prepare(doc)
                for field in [Field.body, .title] {
                    var lists: [Set<Int>] = []
                    for alts in forms {
                        var starts = Set<Int>()
                        for a in alts { for p in try view.positions(field, a, in: doc) { starts.insert(Int(p)) } }
                        lists.append(starts)
                    }
                    if lists[0].contains(where: { start in (1..<lists.count).allSatisfy { lists[$0].contains(start + offsets[$0]) } }) { return true }
                }
                return false
            }
        case .prefix(let p):
            let folded = analyzer.prefixTerm(p)
            guard !folded.isEmpty else { return EmptyIterator() }
            var parts: [DocIterator] = []
            for field in [Field.body, .title] {
                for t in try view.terms(field, prefix: Array(folded.utf8), limit: budget?.limits.expansions ?? SearchEngine.maxExpansions) {
                    let term = String(decoding: t, as: UTF8.self)
                    c.chunkTerms.add(term)
                    parts.append(try termIterator(field, term, scored: true, c))
                }
            }
            parts.removeAll { $0 is EmptyIterator }
            return parts.isEmpty ? EmptyIterator() : (parts.count == 1 ? parts[0] : OrIterator(parts))
        case .field(let field, let text):
            switch field {
            case .title, .body:
                let positions = analyzer.queryTerms(text)
                c.add(positions)
                return try all(positions.map { (p) throws(ReadFailure) in try alternatives(p.alternatives, fields: [field], c) })
            case .url:
                let words = try all(analyzer.urlTerms(text).map { (t) throws(ReadFailure) in try termIterator(.url, t, scored: false, c) })
                // The url field has no positions: the order of several words is checked on the URL.
                guard analyzer.urlValueIsSequence(text), !(words is EmptyIterator) else { return words }
                let gate = c.gate
                return try VerifyIterator(words) { (doc) throws(ReadFailure) -> Bool in
                    try SearchEngine.stopWhenPlanning(gate)
                    return try view.document(doc).map { analyzer.url($0.url, containsSequence: text) } ?? false
                }
            case .site:
                guard let host = analyzer.siteTerms(text).first else { return EmptyIterator() }
                return try termIterator(.site, host, scored: false, c)
            case .lang:
                guard let lang = analyzer.languageTerm(text) else { return EmptyIterator() }
                return try termIterator(.lang, lang, scored: false, c)
            default:
                if field.needsFormat2 { try requireFormat2(field == .author ? "from:" : "\(field):") }
                return try termIterator(field, analyzer.keyword(text), scored: false, c)
            }
        case .thread(let url):
            return ListIterator(try thread(url)?.posts.map { $0.doc } ?? [])
        case .dateRange(let from, let to):
            // Days are terms of the date field: the range is a key range of terms.
            let first = from.map(DateTerms.day) ?? ""
            let last = to.map { DateTerms.day($0 - 1) }
            var parts: [DocIterator] = []
            var days = Set<[UInt8]>()
            for s in segments(c) { days.formUnion(try s.terms(.date, prefix: [], limit: Int.max)) }
            for t in days.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let day = String(decoding: t, as: UTF8.self)
                if day < first { continue }
                if let last, day > last { break }
                parts.append(try termIterator(.date, day, scored: false, c))
            }
            return parts.isEmpty ? EmptyIterator() : (parts.count == 1 ? parts[0] : OrIterator(parts))
        case .group(let hex):
            guard let g = GroupID(hex: hex) else { throw SearchError.badGroup(hex) }
            // Alone, a group filter matches every document of the group (through the docs tree).
            return try GroupIterator(try allDocs(c), groups: [g])
        case .and(let items):
            var required: [DocIterator] = [], excluded: [DocIterator] = []
            var groups: [GroupID] = []
            for item in items {
                switch item {
                case .not(let inner): excluded.append(try compile(inner, c))
                case .group(let hex):
                    guard let g = GroupID(hex: hex) else { throw SearchError.badGroup(hex) }
                    groups.append(g)
                default: required.append(try compile(item, c))
                }
            }
            if required.isEmpty {
                if groups.isEmpty { throw SearchError.nothingToSearch }
                required = [try allDocs(c)]
            }
            if required.contains(where: { $0 is EmptyIterator }) { return EmptyIterator() }
            excluded.removeAll { $0 is EmptyIterator }
            var it: DocIterator = (required.count == 1 && excluded.isEmpty) ? required[0] : try AndIterator(required: required, excluded: excluded)
            if !groups.isEmpty { it = try GroupIterator(it, groups: groups) }
            return it
        case .or(let items):
            let parts = try items.map { (item) throws(ReadFailure) in try compile(item, c) }.filter { !($0 is EmptyIterator) }
            return parts.isEmpty ? EmptyIterator() : (parts.count == 1 ? parts[0] : OrIterator(parts))
        case .not:
            throw SearchError.nothingToSearch
        }
    }

    // MARK: Top-k

    /// The best `limit` results after skipping `offset`, collapsed by URL and digest.
    /// `prune: false` scores every match (used by tests to check pruning changes nothing).
    /// With `texts`, the hits' texts (for snippets) are fetched together with their records:
    /// over HTTP both trees are read in the same round trips.
    public func search(_ plan: QueryPlan, limit: Int = 10, offset: Int = 0, prune: Bool = true, texts: Bool = false) throws(ReadFailure) -> Result {
        // Exactly the page's candidates first: every candidate costs a document record (over
        // HTTP, a docs leaf: 16 candidates for 10 results read 10.3 leaves, 25.6 KiB a query on
        // linux-doc). Collapsing removes some hits only now and then; the pool then widens and
        // the records already read are not read again.
        var pool = limit + offset + SearchEngine.spareCandidates
        try prefetch(plan)
        let frequencies = Frequencies()
        // Over a network the loop reads postings through a gate: a leaf not fetched yet stops
        // it, and it fetches that leaf with those of the stretches ahead in one batch.
        let remote = prune && fetchesRemotely
        while true {
            let c = Compiled(frequencies)
            let gate = remote ? LeafGate() : nil
            c.gate = gate
            let root = try live(try compile(plan, c))
            let floor = prune ? try fetchLeaves(root: root, plan: plan, k: pool, frequencies: frequencies) : -.infinity
            let reopen = { [self] (start: DocRef?) throws(ReadFailure) -> DocIterator in
                let again = Compiled(frequencies)
                again.gate = gate
                again.start = start
                return try live(try compile(plan, again))
            }
            gate?.offline = true
            let walk = try topK(root: root, k: pool, prune: prune, floor: floor, gate: gate, reopen: reopen)
            let top = walk.top
            let hits = try collapse(top, terms: c.terms, chunkTerms: c.chunkTerms, texts: texts ? offset..<offset + limit : 0..<0)
            if hits.count >= limit + offset || top.count < pool || budget?.stopped != nil {
                var page = Array(hits.dropFirst(offset).prefix(limit))
                if texts {
                    // The page's chunked texts (and those of hits that moved up past collapsed ones).
                    try fetchTexts(&page, at: page.indices.filter { page[$0].text == nil }, terms: c.chunkTerms)
                }
                return Result(
                    hits: page, total: walk.matched, totalIsExact: walk.exact, leavesRead: walk.leavesRead, candidatesScored: walk.scored,
                    readAheads: walk.stops, chunkTerms: c.chunkTerms)
            }
            pool *= 2
        }
    }

    /// Candidates beyond the page a search reads records for before it knows whether
    /// collapsing needs them.
    static let spareCandidates = 0

    /// Fetches, a tree level at a time, the postings nodes the plan's terms will read first
    /// (their counts and first leaves), so a remote index answers in a few round trips.
    func prefetch(_ plan: QueryPlan) throws(ReadFailure) {
        var terms: [(Field, String)] = []
        // A phrase's words are checked against their positions: those trees' nodes too.
        var phraseTerms: [(Field, String)] = []
        func collect(_ p: QueryPlan) {
            switch p {
            case .word(let w):
                for q in analyzer.queryTerms(w) { for a in q.alternatives { terms += [(.body, a), (.title, a)] } }
            case .phrase(let w):
                for q in analyzer.queryTerms(w) {
                    for a in q.alternatives {
                        terms += [(.body, a), (.title, a)]
                        phraseTerms += [(.body, a), (.title, a)]
                    }
                }
            case .field(let f, let w):
                switch f {
                case .body, .title: for q in analyzer.queryTerms(w) { for a in q.alternatives { terms.append((f, a)) } }
                case .url: for t in analyzer.urlTerms(w) { terms.append((.url, t)) }
                case .site: if let h = analyzer.siteTerms(w).first { terms.append((.site, h)) }
                case .lang: if let l = analyzer.languageTerm(w) { terms.append((.lang, l)) }
                default: terms.append((f, analyzer.keyword(w)))
                }
            case .and(let items), .or(let items): items.forEach(collect)
            case .not(let inner): collect(inner)
            case .prefix, .dateRange, .group, .thread: break
            }
        }
        collect(plan)
        // Every segment's nodes for every term, a tree level of all segments per batch.
        var requests: [(tree: Tree, ranges: [(from: [UInt8], to: [UInt8]?)])] = []
        for segment in view.segments {
            requests.append((segment.postings, terms.flatMap { segment.postingRanges($0.0, Array($0.1.utf8)) }))
        }
        // Over a network, a phrase's positions too (their keys are its postings' keys), in the
        // same batches: the checks' lookups (`PhraseReadAhead`) then start at the leaves.
        if !phraseTerms.isEmpty && fetchesRemotely {
            for segment in view.segments {
                requests.append((segment.positions, phraseTerms.flatMap { segment.postingRanges($0.0, Array($0.1.utf8)) }))
            }
        }
        // With the first leaves, each term's leaf of the highest impacts: its best postings
        // raise the floor `fetchLeaves` finds, so fewer leaves are left for another round trip.
        // (Positions have no impacts: none of theirs is picked.)
        let segments = view.segments
        try Tree.prefetch(requests, best: SearchEngine.bestLeaves) { [bm25] r, ref in
            guard r < segments.count else { return -.infinity }
            guard let field = ref.firstKey.first.flatMap(Field.init(rawValue:)), let impacts = segments[r].impacts(ref.aggregate) else { return 0 }
            return bm25.bound(weight: 1, field: field, impacts: impacts)
        }
    }

    /// Leaves of the highest impacts fetched per term range with its first ones.
    static let bestLeaves = 1

    /// Stretches the leaf plan considers at most: each costs a bound over every cursor (a
    /// prefix query over many segments has hundreds); past them the loop reads leaves as needed.
    static let maxStretches = 4096
    /// Leaves fetched in one batch at most (a variable so tests can make batches small).
    var leafBatch = 256

    /// Fetches together the postings leaves the top-k loop will read, so that over HTTP they
    /// cost one round trip instead of one each, and returns a score the k-th result is known to
    /// reach (the loop then skips, from its first document, whatever cannot beat it).
    ///
    /// The root's bounds, from internal nodes `prefetch` fetched, cut the DocRefs into stretches.
    /// The stretches whose leaves are here already (a term's first ones) are scored offline — a
    /// cursor that would read any other leaf stops its stretch — and their k-th best score θ
    /// is one the real top k reaches too. Every stretch whose bound beats θ has its leaves
    /// fetched in one batch, best bounds first.
    func fetchLeaves(root: DocIterator, plan: QueryPlan, k: Int, frequencies: Frequencies) throws(ReadFailure) -> Double {
        guard let start = root.doc else { return -.infinity }
        let reader = view.reader
        var stretches: [(from: DocRef, end: DocRef?, score: Double)] = []
        var leaves: [[ChildRef]] = []
        try forEachStretch(root, from: start) { (target, b) throws(ReadFailure) -> Bool in
            var needed: [ChildRef] = []
            try root.leaves(at: target, into: &needed)
            stretches.append((target, b.end, b.score))
            leaves.append(needed)
            return true
        }
        // Every leaf here already (a warm cache): nothing to batch, and scoring the stretches
        // twice (here and in the loop) would only cost time.
        if leaves.allSatisfy({ $0.allSatisfy { reader.contains($0.cid) } }) { return -.infinity }
        // θ from the stretches already readable.
        var heap = TopKHeap(capacity: k)
        let c = Compiled(frequencies)
        let gate = LeafGate()
        gate.offline = true
        gate.planning = true
        c.gate = gate
        var it: DocIterator? = nil
        var restarts = 0
        for (i, s) in stretches.enumerated() where leaves[i].allSatisfy({ reader.contains($0.cid) }) {
            do {
                if it == nil { it = try live(try compile(plan, c)) }
                guard let r = it else { break }
                try r.advance(to: s.from)
                while let d = r.doc {
                    if let e = s.end, e < d { break }
                    heap.insert(d, try r.score())
                    try r.next()
                }
            } catch BlockError.notFound {
                // A leaf not here (a leapfrog past the stretch): start afresh at the next one.
                it = nil
                restarts += 1
                if restarts > 8 { break }
            }
        }
        let theta = heap.isFull ? heap.threshold : -.infinity
        // At θ too: the documents that set it lie in such stretches (all of them, when every
        // score is 0).
        var order = stretches.indices.filter { SearchEngine.mayBeat(stretches[$0].score, threshold: -.infinity, floor: theta) }
        order.sort { stretches[$0].score > stretches[$1].score }
        var wanted: [ChildRef] = []
        var seen = Set<CID>()
        for i in order where wanted.count < leafBatch {
            for l in leaves[i] where !reader.contains(l.cid) && seen.insert(l.cid).inserted { wanted.append(l) }
        }
        if !wanted.isEmpty { _ = try reader.nodes(wanted) }
        return theta
    }

    /// Planning (`fetchLeaves`) scores only what postings alone decide: a check that would read
    /// positions or records stops the stretch instead.
    static func stopWhenPlanning(_ gate: LeafGate?) throws(ReadFailure) {
        if let gate, gate.planning { throw BlockError.notFound(cid: CID(of: []), source: LeafGate.source) }
    }

    /// `root` without tombstoned documents (edited or deleted pages of earlier segments).
    func live(_ root: DocIterator) throws(ReadFailure) -> DocIterator {
        guard !view.tombstones.isEmpty, !(root is EmptyIterator) else { return root }
        let tombstones = view.tombstones
        return try VerifyIterator(root) { tombstones[$0] == nil }
    }

    /// Every live document, unscored (for filter-only queries).
    func allDocs(_ c: Compiled) throws(ReadFailure) -> DocIterator {
        let parts: [DocIterator] = try segments(c).map { (s) throws(ReadFailure) in try AllDocsIterator(segment: s) }
        if parts.isEmpty { return EmptyIterator() }
        return parts.count == 1 ? parts[0] : OrIterator(parts)
    }

    /// Block-max top-k: before scoring a document, ask the iterator for an upper bound over
    /// the stretch of DocRefs around it; if even that cannot beat the current k-th score, jump
    /// past the stretch without reading it.
    /// `floor`: a score the k-th result is known to reach (from `fetchLeaves`); stretches that
    /// cannot beat it are skipped before the heap is full too.
    /// `gate`, offline (a remote index): a leaf not fetched yet stops the walk; the leaf is
    /// fetched with those of the stretches ahead (`readAhead`) and the walk goes on from where
    /// it stopped with iterators `reopen` makes there (the old ones may be mid-move).
    func topK(
        root: DocIterator, k: Int, prune: Bool, floor: Double = -.infinity, gate: LeafGate?,
        reopen: (DocRef?) throws(ReadFailure) -> DocIterator
    ) throws(ReadFailure) -> (top: [(DocRef, Double)], matched: Int, exact: Bool, scored: Int, leavesRead: Int, stops: Int) {
        var heap = TopKHeap(capacity: k)
        var matched = 0, scored = 0
        var skipped = false
        var current: DocIterator? = root
        // Every DocRef before `from` is done (scored or skipped); a reopened walk starts there.
        var from: DocRef? = nil
        // Leaves read by walks given up (less those a reopened walk entered to start); stops.
        var leavesBefore = 0
        var stops = 0
        while true {
            do {
                let root: DocIterator
                if let current {
                    root = current
                } else {
                    root = try reopen(from)
                    // Iterators without postings (a documents walk) start at their beginning.
                    if let from { try root.advance(to: from) }
                    // The leaves it entered to start there were counted by the walk before.
                    leavesBefore -= root.leavesRead
                    current = root
                }
                while let d = root.doc {
                    from = d
                    if let budget, !budget.step(leaves: leavesBefore + root.leavesRead) { skipped = true; break }
                    if prune && (heap.isFull || floor > -.infinity) {
                        // Walk block bounds (internal nodes only) past every stretch that cannot beat
                        // the k-th score; read postings again only where one might.
                        var target = d
                        var exhausted = false
                        while true {
                            let b = try root.bound(at: target)
                            // The floor is a score k documents reach, some perhaps in this stretch: only
                            // a bound strictly below it rules the stretch out (with every score 0, a
                            // filter-only query such as `site:x`, `<=` skipped all of them).
                            guard !SearchEngine.mayBeat(b.score, threshold: heap.threshold, floor: floor) else { break }
                            skipped = true
                            guard let end = b.end, let after = end.successor else { exhausted = true; break }
                            target = max(after, target.successor ?? after)
                        }
                        if exhausted { break }
                        if target != d {
                            from = target
                            try root.advance(to: target)
                            continue
                        }
                    }
                    let score = try root.score()
                    matched += 1
                    scored += 1
                    heap.insert(d, score)
                    from = d.successor
                    try root.next()
                }
                return (heap.sorted(), matched, !skipped, scored, leavesBefore + root.leavesRead, stops)
            } catch BlockError.notFound(let cid, let source) where source == LeafGate.source {
                guard let gate, let missed = gate.missed else { throw BlockError.notFound(cid: cid, source: source) }
                gate.missed = nil
                stops += 1
                if let walk = current {
                    // The walk's iterators may be mid-move, but their cursors are where they
                    // were before the refused read, so its bounds still hold for what is ahead.
                    gate.offline = false
                    let threshold = prune ? heap.threshold : -.infinity
                    try readAhead(walk, from: from, including: missed, threshold: threshold, floor: prune ? floor : -.infinity)
                    leavesBefore += walk.leavesRead
                    current = nil
                } else {
                    // Reopening wanted a leaf the batch did not hold.
                    _ = try view.reader.nodes([missed])
                }
                // Past this many stops (a pathological query), leaves are read as needed.
                gate.offline = stops < SearchEngine.maxReadAheads
            }
        }
    }

    /// Stops (each a batch read) a top-k walk over a remote index makes at most.
    static let maxReadAheads = 64

    /// Fetches in one batch `missed` and the leaves of the stretches from `start` on that the
    /// top-k walk will read unless its k-th score rises past their bounds: in DocRef order, as
    /// the walk reads them, up to `leafBatch`. `root`'s cursors are at or before `start`.
    func readAhead(_ root: DocIterator, from start: DocRef?, including missed: ChildRef, threshold: Double, floor: Double) throws(ReadFailure) {
        let reader = view.reader
        var wanted = [missed]
        var seen: Set<CID> = [missed.cid]
        if let first = start ?? root.doc {
            try forEachStretch(root, from: first) { (target, b) throws(ReadFailure) -> Bool in
                if SearchEngine.mayBeat(b.score, threshold: threshold, floor: floor) {
                    var needed: [ChildRef] = []
                    try root.leaves(at: target, into: &needed)
                    for l in needed where !reader.contains(l.cid) && seen.insert(l.cid).inserted { wanted.append(l) }
                }
                return wanted.count < leafBatch
            }
        }
        _ = try reader.nodes(wanted)
    }

    /// Calls `body` with each stretch of the root's bounds from `start` on (its first DocRef
    /// and its bound), at most `maxStretches`, while `body` returns true. Reads internal nodes only.
    func forEachStretch(
        _ root: DocIterator, from start: DocRef, _ body: (DocRef, (score: Double, end: DocRef?)) throws(ReadFailure) -> Bool
    ) throws(ReadFailure) {
        var next: DocRef? = start
        var count = 0
        while let target = next, count < SearchEngine.maxStretches {
            count += 1
            let b = try root.bound(at: target)
            guard try body(target, b), let e = b.end, let after = e.successor, target < after else { return }
            next = after
        }
    }

    /// Whether a stretch bounded by `bound` may hold a result: above the k-th score so far, and
    /// not below a floor the k-th result is known to reach (the floor's own stretches may).
    /// A margin covers rounding differences between the bound and the score sums.
    static func mayBeat(_ bound: Double, threshold: Double, floor: Double) -> Bool {
        let cut = bound * (1 + 1e-9)
        return cut > threshold && cut >= floor
    }

    /// Records for every candidate, and texts (fetched in the same batch) for the candidates at
    /// `texts`, the page's places: the hit at page place i is candidate i or a later one (collapsing
    /// only removes), so candidates before the page are never shown; those pushed past it by
    /// collapsing are fetched afterwards.
    private func collapse(
        _ top: [(DocRef, Double)], terms: [String], chunkTerms: TextChunks.QueryTerms, texts: Range<Int>
    ) throws(ReadFailure) -> [Hit] {
        var hits: [Hit] = []
        var byURL: [String: Int] = [:]
        var digests: Set<DigestKey> = []
        // Only texts that come with the records (segments before format 3): a head is read
        // after its record anyway, so waiting costs no round trip, and a pool that collapsing
        // leaves short widens before any head is read (rust-doc's `lifetime elision` read the
        // first pool's heads and a chunk for nothing: 10 round trips, now 7).
        let speculative = top.indices.clamped(to: texts).map { top[$0].0 }
        let fetched = try view.recordsAndTexts(records: top.map { $0.0 }, texts: speculative, terms: chunkTerms, heads: false)
        let records = fetched.records
        var shown: [DocRef: (text: String, recordID: String?)] = [:]
        for (d, (t, id)) in zip(speculative, zip(fetched.texts, fetched.recordIDs)) { if let t { shown[d] = (t, id) } }
        for ((doc, score), record) in zip(top, records) {
            guard let record else { throw IndexError.corrupt("document \(doc) is in the postings but not in the docs tree") }
            if let i = byURL[record.url] {
                // Same URL: keep the better rank, show the latest capture.
                if (record.date ?? .min) > (hits[i].record.date ?? .min) {
                    hits[i].doc = doc
                    hits[i].record = record
                    hits[i].show(shown[doc])
                }
                continue
            }
            if !record.digest.isEmpty && !digests.insert(DigestKey(bytes: DocRecord.digestKey(record.digest))).inserted { continue }
            byURL[record.url] = hits.count
            var hit = Hit(doc: doc, score: score, record: record, terms: terms, voucher: view.voucher(of: doc) ?? [])
            hit.show(shown[doc])
            hits.append(hit)
        }
        return hits
    }

    /// Fetches the texts of `hits` at `indices`, for their snippets.
    func fetchTexts(_ hits: inout [Hit], at indices: [Int], terms: TextChunks.QueryTerms) throws(ReadFailure) {
        let fetched = try view.recordsAndTexts(records: [], texts: indices.map { hits[$0].doc }, terms: terms)
        for (k, i) in indices.enumerated() { hits[i].show((fetched.texts[k] ?? "", fetched.recordIDs[k])) }
    }
}

#if hasFeature(Embedded)
    /// In the wasm page a digest is a set member as its bytes: the page has the `[UInt8]` set
    /// already, and a set type of its own cost it 4 KB.
    private typealias DigestKey = [UInt8]

    extension Array where Element == UInt8 {
        fileprivate init(bytes: [UInt8]) { self = bytes }
    }
#else
    /// A content digest as a set member, hashed as one run of bytes: an `[UInt8]` feeds the hasher
    /// a byte at a time (2% of a warm query, collapsing ten hits).
    private struct DigestKey: Hashable {
        let bytes: [UInt8]
        func hash(into hasher: inout Hasher) { bytes.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }
#endif

/// Every document of one segment's batches in DocRef order, unscored (for filter-only queries).
final class AllDocsIterator: DocIterator {
    private let segment: Segment
    private var tree: Tree { segment.docs }
    private var cursor: Tree.Cursor
    private(set) var doc: DocRef?

    init(segment: Segment) throws(ReadFailure) {
        self.segment = segment
        cursor = segment.docs.scan(from: segment.batchPrefixes.first)
        try step()
    }

    /// Reads the next key of the segment's batches; errors propagate instead of ending the walk early.
    private func step() throws(ReadFailure) {
        while let (k, _) = try cursor.nextEntry() {
            if let d = DocRef(bytes: k), segment.owns(d) {
                doc = d
                return
            }
        }
        doc = nil
    }

    var leavesRead: Int { 0 }
    func advance(to target: DocRef) throws(ReadFailure) {
        guard let d = doc, d < target else { return }
        cursor = tree.scan(from: target.bytes)
        try step()
    }
    func next() throws(ReadFailure) { try step() }
    func score() throws(ReadFailure) -> Double { 0 }
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) { (0, nil) }
}

/// The k best (score, DocRef) pairs: higher score first, then lower DocRef, so results are
/// deterministic and skipping a document that can only tie the k-th is exact.
struct TopKHeap {
    /// Ordered worst first: lower score, then higher DocRef.
    private struct Item: Comparable {
        let doc: DocRef
        let score: Double
        static func < (a: Item, b: Item) -> Bool { a.score != b.score ? a.score < b.score : b.doc < a.doc }
    }
    let capacity: Int
    /// Min-heap under `Item.<`: the top is the worst kept item.
    private var items = BinaryHeap<Item>()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var isFull: Bool { items.count >= capacity }
    /// The score a new document must beat.
    var threshold: Double { isFull ? items.top!.score : -.infinity }

    mutating func insert(_ doc: DocRef, _ score: Double) {
        let item = Item(doc: doc, score: score)
        if items.count < capacity {
            items.push(item)
        } else if items.top! < item {
            items.replaceTop(with: item)
        }
    }

    func sorted() -> [(DocRef, Double)] {
        items.elements.sorted { $1 < $0 }.map { ($0.doc, $0.score) }
    }
}

extension SearchEngine {
    /// Which of `docs` (in any order) match `plan`. Seeks each document's postings instead of
    /// scanning, so checking a handful of new documents reads a handful of leaves.
    public func matching(_ plan: QueryPlan, among docs: [DocRef]) throws(ReadFailure) -> [DocRef] {
        guard !docs.isEmpty else { return [] }
        let c = Compiled()
        c.only = Set(docs.compactMap { view.segment(owning: $0)?.cid })
        let root = try live(try compile(plan, c))
        var out: [DocRef] = []
        for d in docs.sorted() {
            try root.advance(to: d)
            guard let current = root.doc else { break }
            if current == d { out.append(d) }
        }
        return out
    }
}
