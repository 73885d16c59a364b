/// Documents added and removed between two versions of an index, from a diff of their docs
/// trees that skips every subtree both share: the cost follows the size of the change.
public struct IndexDiff: Sendable {
    public struct Entry: Sendable {
        public var ref: DocRef
        public var record: DocRecord
    }

    /// In the newer version only (a changed record is both removed and added).
    public var added: [Entry] = []
    /// In the older version only.
    public var removed: [Entry] = []
    /// Docs-tree nodes read, of both versions.
    public var nodesRead = 0

    /// Compares `old` with `new`. Throws on a missing block or a malformed record.
    public init(from old: Shard, to new: Shard) throws {
        var added: [Entry] = [], removed: [Entry] = []
        // A docs key that is not a DocRef throws, as in every other walk of the docs tree.
        func ref(_ k: [UInt8]) throws -> DocRef {
            guard let r = DocRef(bytes: k) else { throw IndexError.malformedKey(tree: .docs, key: k) }
            return r
        }
        nodesRead = try old.docs.diff(new.docs) { d in
            switch d {
            case .added(let k, let v): added.append(Entry(ref: try ref(k), record: try DocRecord(encoded: v)))
            case .removed(let k, let v): removed.append(Entry(ref: try ref(k), record: try DocRecord(encoded: v)))
            case .changed(let k, let o, let n):
                removed.append(Entry(ref: try ref(k), record: try DocRecord(encoded: o)))
                added.append(Entry(ref: try ref(k), record: try DocRecord(encoded: n)))
            }
        }
        self.added = added
        self.removed = removed
    }
}
