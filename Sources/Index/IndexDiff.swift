/// Documents added and removed between two versions of an index. Segments both versions hold
/// are skipped unread (segments never change), so the cost follows the size of the change: the
/// new segments' documents are added, and what their tombstones remove (or what a segment the
/// newer version dropped held) is removed. A page replaced by a new version of itself is
/// reported as changed, not as removed and added.
public struct IndexDiff: Sendable {
    public struct Entry: Sendable {
        public var ref: DocRef
        public var record: DocRecord
    }

    /// In the newer version only.
    public var added: [Entry] = []
    /// In the older version only.
    public var removed: [Entry] = []
    /// Pages (by URL) present in both with different content: (old, new).
    public var changed: [(old: Entry, new: Entry)] = []
    /// Segments read (of both versions).
    public var segmentsRead = 0

    /// Compares `old` with `new`. Throws on a missing block or a malformed record.
    public init(from old: IndexView, to new: IndexView) throws {
        let oldSegments = Set(old.segments.map(\.cid)), newSegments = Set(new.segments.map(\.cid))
        var added: [Entry] = [], removed: [Entry] = []
        for s in new.segments where !oldSegments.contains(s.cid) {
            segmentsRead += 1
            try s.forEachDocument { ref, r in if new.isLive(ref) { added.append(Entry(ref: ref, record: r)) } }
        }
        for s in old.segments where !newSegments.contains(s.cid) {
            segmentsRead += 1
            try s.forEachDocument { ref, r in if old.isLive(ref) && !new.isLive(ref) { removed.append(Entry(ref: ref, record: r)) } }
        }
        // Documents of shared segments that the newer version tombstones.
        let gone = new.tombstones.keys.filter {
            old.isLive($0) && oldSegments.contains(old.segment(owning: $0)!.cid) && newSegments.contains(old.segment(owning: $0)!.cid)
        }
        for (ref, r) in zip(gone, try old.documents(gone)) { if let r { removed.append(Entry(ref: ref, record: r)) } }
        // Same URL on both sides: changed.
        var removedByURL: [String: Int] = [:]
        for (i, e) in removed.enumerated() { removedByURL[e.record.url] = i }
        var pairedRemoved = Set<Int>()
        var stillAdded: [Entry] = []
        for e in added {
            if let i = removedByURL[e.record.url], !pairedRemoved.contains(i) {
                pairedRemoved.insert(i)
                changed.append((removed[i], e))
            } else {
                stillAdded.append(e)
            }
        }
        self.added = stillAdded
        self.removed = removed.indices.filter { !pairedRemoved.contains($0) }.map { removed[$0] }
    }
}
