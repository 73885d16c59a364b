import Blocks
import Index

/// Conversations across sites: a post's replies name it in their `parent` (the field holds
/// each reply's parent URL as `IndexAnalyzer.threadTerm` writes it), so a thread is walked one
/// postings lookup per post, whichever group published each reply.
public struct Conversation: Sendable {
    public struct Post: Sendable {
        public var doc: DocRef
        public var record: DocRecord
        /// The thread term of the post's URL, and of the post it replies to (nil for the root).
        public var key: String
        public var parentKey: String?
    }

    /// The root's key: the topmost post found above the URL asked for.
    public var root: String
    /// Every post of the thread, by date (undated last), then URL.
    public var posts: [Post]
    /// The root replies to a post this index does not hold (its parent's URL, as written).
    public var missingParent: String?
    /// The walk stopped at `SearchEngine.maxThreadPosts` (or on the search's budget).
    public var truncated = false
}

extension SearchEngine {
    /// Posts a thread holds at most; a larger one is cut (`Conversation.truncated`).
    public static let maxThreadPosts = 10_000
    /// Replies followed upwards at most, looking for the root.
    static let maxThreadDepth = 256

    /// The thread of the post at `url`: up through the parents the index holds to the root,
    /// then every reply below it, level by level. Nil when no document has that URL.
    public func thread(_ url: String) throws(ReadFailure) -> Conversation? {
        try requireFormat2("thread:")
        var key = analyzer.threadTerm(url)
        guard var here = try documents(at: key).first else { return nil }
        var seen: Set<String> = [key]
        var missing: String? = nil
        // Up: follow parents while the index holds them (a cycle or a lost parent stops it).
        for _ in 0..<SearchEngine.maxThreadDepth {
            guard let parent = here.record.parent else { break }
            let parentKey = analyzer.threadTerm(parent)
            guard seen.insert(parentKey).inserted else { break }
            guard let above = try documents(at: parentKey).first else {
                missing = parent
                break
            }
            key = parentKey
            here = above
        }
        // Down: replies to every post found so far, level by level.
        var posts: [Conversation.Post] = []
        var docs: Set<DocRef> = []
        var keys: Set<String> = [key]
        var frontier = [key]
        var truncated = false
        for found in try documents(at: key) where docs.insert(found.doc).inserted {
            posts.append(Conversation.Post(doc: found.doc, record: found.record, key: key, parentKey: nil))
        }
        while !frontier.isEmpty && !truncated {
            var next: [String] = []
            for parentKey in frontier {
                for reply in try replies(to: parentKey) where !docs.contains(reply.doc) {
                    // A server's budget counts each post found as a candidate.
                    guard posts.count < SearchEngine.maxThreadPosts, budget?.step(leaves: 0) ?? true else { truncated = true; break }
                    let k = analyzer.threadTerm(reply.record.url)
                    docs.insert(reply.doc)
                    posts.append(reply.post(k, parentKey))
                    // A URL seen before (a second capture, a cycle) is not walked again.
                    if keys.insert(k).inserted { next.append(k) }
                }
            }
            frontier = next
        }
        posts.sort { a, b in
            let da = a.record.date ?? .max, db = b.record.date ?? .max
            return da != db ? da < db : (a.record.url, a.doc) < (b.record.url, b.doc)
        }
        return Conversation(root: key, posts: posts, missingParent: missing, truncated: truncated)
    }

    /// Throws `needsFormat2` when a segment of the view predates the peer-to-peer fields.
    func requireFormat2(_ what: String) throws(ReadFailure) {
        let old = view.segments.filter { $0.info.formatVersion < 2 }
        if !old.isEmpty { throw SearchError.needsFormat2(what: what, segments: old.map { $0.cid.description }) }
    }

    struct Found {
        var doc: DocRef
        var record: DocRecord
        func post(_ key: String, _ parentKey: String) -> Conversation.Post {
            Conversation.Post(doc: doc, record: record, key: key, parentKey: parentKey)
        }
    }

    /// Live documents whose URL has the thread term `key`: the URL's words select candidates,
    /// their records decide.
    func documents(at key: String) throws(ReadFailure) -> [Found] {
        let words = analyzer.urlTerms(key)
        guard !words.isEmpty else { return [] }
        let c = Compiled()
        let it = try live(try all(words.map { (w) throws(ReadFailure) in try termIterator(.url, w, scored: false, c) }))
        let docs = try collect(it, limit: 4096)
        return try zip(docs, view.documents(docs)).compactMap { d, r in
            guard let r, analyzer.threadTerm(r.url) == key else { return nil }
            return Found(doc: d, record: r)
        }
    }

    /// Live documents replying to the post whose thread term is `key`.
    func replies(to key: String) throws(ReadFailure) -> [Found] {
        let it = try live(try termIterator(.parent, key, scored: false, Compiled()))
        let docs = try collect(it, limit: SearchEngine.maxThreadPosts)
        return zip(docs, try view.documents(docs)).compactMap { d, r in r.map { Found(doc: d, record: $0) } }
    }

    func collect(_ it: DocIterator, limit: Int) throws(ReadFailure) -> [DocRef] {
        var out: [DocRef] = []
        while let d = it.doc, out.count < limit {
            out.append(d)
            try it.next()
        }
        return out
    }
}

/// A fixed, sorted list of documents (a thread's posts) as an unscored iterator.
final class ListIterator: DocIterator {
    private let docs: [DocRef]
    private var i = 0
    init(_ docs: [DocRef]) { self.docs = Array(Set(docs)).sorted() }
    var doc: DocRef? { i < docs.count ? docs[i] : nil }
    var leavesRead: Int { 0 }
    func advance(to target: DocRef) throws(ReadFailure) { while i < docs.count, docs[i] < target { i += 1 } }
    func next() throws(ReadFailure) { i += 1 }
    func score() throws(ReadFailure) -> Double { 0 }
    func bound(at target: DocRef) throws(ReadFailure) -> (score: Double, end: DocRef?) { (0, nil) }
}

extension SearchEngine {
    /// Every live document `plan` matches, in DocRef order, at most `limit` (facets of a query).
    public func allMatches(_ plan: QueryPlan, limit: Int = 1_000_000) throws(ReadFailure) -> [DocRef] {
        try collect(try live(try compile(plan, Compiled())), limit: limit)
    }
}
