import Blocks
import Index
import ProllyTree

/// Over a network, a phrase's candidates are checked against positions a batch at a time. A
/// check reads the position block of each word in each field at the candidate's ceiling: alone,
/// that is a leaf and a round trip per candidate as the top-k walk reaches it (12 to 26 round
/// trips for a two- or three-word phrase on rust-doc). So when a check reaches a document past
/// the last batch, the next candidates — the documents holding every word, found in the
/// postings already fetched, reading nothing — have their blocks looked up together, one batch
/// per tree level, and the checks then read them from the cache.
final class PhraseReadAhead {
    private let engine: SearchEngine
    /// Each word of the phrase as its alternative forms.
    private let words: [[String]]
    private let frequencies: SearchEngine.Frequencies
    /// Candidates up to here have their blocks fetched.
    private var through: DocRef? = nil
    /// Candidates the next batch looks up: doubling from 32, so a walk that checks few
    /// candidates fetches few blocks, and one that checks thousands (a phrase of common words
    /// that seldom stand together) makes a batch per doubling, not per 32.
    private var batch = 32
    static let maxBatch = 4096

    init(engine: SearchEngine, words: [[String]], frequencies: SearchEngine.Frequencies) {
        self.engine = engine
        self.words = words
        self.frequencies = frequencies
    }

    /// Fetches the position blocks a check of `doc` and of the candidates after it will read,
    /// unless an earlier batch covered `doc`.
    func prepare(_ doc: DocRef) throws(ReadFailure) {
        if let through, !(through < doc) { return }
        let view = engine.view
        var docs = [doc]
        let c = SearchEngine.Compiled(frequencies)
        let gate = LeafGate()
        gate.offline = true
        gate.planning = true
        c.gate = gate
        c.start = doc.successor
        do {
            let base = try engine.all(words.map { (forms) throws(ReadFailure) in try engine.alternatives(forms, c) })
            while let d = base.doc, docs.count < batch {
                docs.append(d)
                try base.next()
            }
        } catch BlockError.notFound(let cid, let source) {
            // Candidates past the postings fetched so far wait for a later batch.
            guard source == LeafGate.source else { throw BlockError.notFound(cid: cid, source: source) }
        }
        through = docs.last
        batch = min(2 * batch, PhraseReadAhead.maxBatch)
        var requests: [(tree: Tree, keys: [[UInt8]])] = []
        var index: [CID: Int] = [:]
        for d in docs {
            guard let segment = view.segment(owning: d) else { continue }
            let r: Int
            if let known = index[segment.cid] {
                r = known
            } else {
                r = requests.count
                index[segment.cid] = r
                requests.append((segment.positions, []))
            }
            for field in [Field.body, .title] {
                for forms in words { for form in forms { requests[r].keys.append(ShardKeys.posting(field, Array(form.utf8), d)) } }
            }
        }
        _ = try Tree.ceilingMany(requests)
    }
}
