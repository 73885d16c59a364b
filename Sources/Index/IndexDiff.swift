/// Documents added, changed and removed between two versions of an index, reading only what
/// differs. A batch (a group's build) never changes once published, so documents of a batch
/// both versions hold are the same documents, whichever segment lists them (a compaction moves
/// batches into a new segment without changing them): only batches one side lacks are read,
/// each as one key range of its segment's docs tree, plus the records of documents the newer
/// version tombstones. A page whose URL is removed and added with other content is changed;
/// with the same content (a rebuild from scratch) it is not reported at all.
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
    /// Batches whose documents were read (of both versions).
    public var batchesRead = 0

    /// Compares `old` with `new`; without `old`, every live document of `new` is added (the
    /// first look at an index). Throws on a missing block or a malformed record.
    public init(from old: IndexView?, to new: IndexView) throws {
        func batches(_ v: IndexView) -> Set<BatchID> { Set(v.segments.flatMap { $0.info.batches.map(\.id) }) }
        let oldBatches = old.map(batches) ?? [], newBatches = batches(new)
        var added: [Entry] = [], removed: [Entry] = []
        for s in new.segments {
            for b in s.info.batches where !oldBatches.contains(b.id) {
                batchesRead += 1
                try s.forEachDocument(in: b.id) { ref, r in if new.isLive(ref) { added.append(Entry(ref: ref, record: r)) } }
            }
        }
        if let old {
            for s in old.segments {
                for b in s.info.batches where !newBatches.contains(b.id) {
                    batchesRead += 1
                    try s.forEachDocument(in: b.id) { ref, r in if old.isLive(ref) { removed.append(Entry(ref: ref, record: r)) } }
                }
            }
            // A compaction drops the documents its inputs tombstoned: a batch both hold, moved
            // into another segment with fewer live documents (a batch never gains any), is
            // read on both sides.
            func dead(_ v: IndexView) -> [BatchID: UInt64] {
                var n: [BatchID: UInt64] = [:]
                for ref in v.tombstones.keys where v.segment(owning: ref) != nil { n[ref.batchID, default: 0] += 1 }
                return n
            }
            let deadOld = dead(old), deadNew = dead(new)
            for s in new.segments {
                for b in s.info.batches where oldBatches.contains(b.id) {
                    guard let o = old.segment(owning: DocRef(group: b.group, batch: b.batch, ordinal: 0)), o.cid != s.cid,
                        let ob = o.info.batches.first(where: { $0.id == b.id }),
                        ob.documents - min(ob.documents, deadOld[b.id] ?? 0) != b.documents - min(b.documents, deadNew[b.id] ?? 0)
                    else { continue }
                    batchesRead += 2
                    var present = Set<DocRef>()
                    try s.forEachDocument(in: b.id) { ref, _ in present.insert(ref) }
                    try o.forEachDocument(in: b.id) { ref, r in
                        if old.isLive(ref) && !present.contains(ref) && new.tombstones[ref] == nil { removed.append(Entry(ref: ref, record: r)) }
                    }
                }
            }
            // Documents of batches both hold that the newer version tombstones.
            let gone = new.tombstones.keys.filter { newBatches.contains($0.batchID) && old.isLive($0) }.sorted()
            for (ref, r) in zip(gone, try old.documents(gone)) { if let r { removed.append(Entry(ref: ref, record: r)) } }
        }
        // Same URL on both sides: changed, or nothing at all when the content is the same.
        var removedByURL: [String: [Int]] = [:]
        for (i, e) in removed.enumerated() { removedByURL[e.record.url, default: []].append(i) }
        var paired = Set<Int>()
        var stillAdded: [Entry] = []
        for e in added {
            guard let i = removedByURL[e.record.url]?.first(where: { !paired.contains($0) }) else {
                stillAdded.append(e)
                continue
            }
            paired.insert(i)
            if DocRecord.digestKey(removed[i].record.digest) != DocRecord.digestKey(e.record.digest) { changed.append((removed[i], e)) }
        }
        self.added = stillAdded
        self.removed = removed.indices.filter { !paired.contains($0) }.map { removed[$0] }
    }
}
