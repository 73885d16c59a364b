/// Documents added and removed between two versions of an index, from a diff of their docs
/// trees that skips every subtree both share: the cost follows the size of the change.
package struct IndexDiff: Sendable {
    package struct Entry: Sendable {
        package var ref: DocRef
        package var record: DocRecord
    }

    /// In the newer version only (a changed record is both removed and added).
    package var added: [Entry] = []
    /// In the older version only.
    package var removed: [Entry] = []
    /// Docs-tree nodes read, of both versions.
    package var nodesRead = 0

    /// Compares `old` with `new`. Throws on a missing block or a malformed record.
    package init(from old: Shard, to new: Shard) throws {
        var added: [Entry] = [], removed: [Entry] = []
        nodesRead = try old.docs.diff(new.docs) { d in
            switch d {
            case .added(let k, let v): if let r = DocRef(bytes: k) { added.append(Entry(ref: r, record: try DocRecord(encoded: v))) }
            case .removed(let k, let v): if let r = DocRef(bytes: k) { removed.append(Entry(ref: r, record: try DocRecord(encoded: v))) }
            case .changed(let k, let o, let n):
                if let r = DocRef(bytes: k) {
                    removed.append(Entry(ref: r, record: try DocRecord(encoded: o)))
                    added.append(Entry(ref: r, record: try DocRecord(encoded: n)))
                }
            }
        }
        self.added = added
        self.removed = removed
    }
}
