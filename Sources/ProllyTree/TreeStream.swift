import Blocks

/// A tree read lazily in key order as a sequence of whole subtrees and single entries, so
/// diff and merge can skip or reuse a subtree without reading below it.
final class TreeStream {
    enum Item {
        /// `value` nil marks a deletion (only edit lists have those).
        case entry(key: [UInt8], value: LeafValue?)
        /// `rightEdge`: the subtree is the last node of its level in its tree. Such a node
        /// ended because the data did, not at a chunk boundary, so it cannot be reused.
        case subtree(ChildRef, rightEdge: Bool)

        var firstKey: [UInt8] {
            switch self {
            case .entry(let k, _): k
            case .subtree(let r, _): r.firstKey
            }
        }
    }

    let reader: NodeReader?
    /// Items still to come, head last.
    private var stack: [Item]

    init(tree: Tree) {
        reader = tree.reader
        stack = tree.root.map { [.subtree($0, rightEdge: true)] } ?? []
    }

    /// An edit list: sorted, unique keys; nil values delete.
    init(entries: [([UInt8], [UInt8]?)]) {
        reader = nil
        stack = entries.reversed().map { .entry(key: $0.0, value: $0.1.map { .inline($0) }) }
    }

    var head: Item? { stack.last }

    func pop() { stack.removeLast() }

    /// Replaces the head subtree by its children (or entries, for a leaf).
    func expand() throws {
        guard case .subtree(let ref, let rightEdge)? = stack.popLast(), let reader else { return }
        let node = try reader.node(ref)
        if node.isLeaf {
            for i in stride(from: node.keys.count - 1, through: 0, by: -1) {
                stack.append(.entry(key: node.keys[i], value: node.values[i]))
            }
        } else {
            let last = node.children.count - 1
            for i in stride(from: last, through: 0, by: -1) {
                stack.append(.subtree(node.children[i], rightEdge: rightEdge && i == last))
            }
        }
    }

    func value(_ v: LeafValue) throws -> [UInt8] {
        switch v {
        case .inline(let b): return b
        case .blob:
            guard let reader else { throw TreeError.corruptNode(cid: "-", reason: "blob value without a store") }
            return try reader.value(v)
        }
    }
}
