import Blocks

/// A tree read lazily in key order as a sequence of whole subtrees and single entries, so
/// diff and merge can skip or reuse a subtree without reading below it.
///
/// The stream keeps a stack of frames (a node's remaining children, or a leaf's remaining
/// entries) rather than one item per entry, and caches its head: merges call `head` far more
/// often than they move, and building items per entry dominated their cost.
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

    private enum Frame {
        case children([ChildRef], index: Int, rightEdge: Bool)
        case leaf(Node, index: Int)
        case edits([([UInt8], [UInt8]?)], index: Int)
    }

    let reader: NodeReader?
    private var stack: [Frame] = []
    /// The next item, or nil at the end.
    private(set) var head: Item?

    init(tree: Tree) {
        reader = tree.reader
        if let root = tree.root { stack = [.children([root], index: 0, rightEdge: true)] }
        settle()
    }

    /// An edit list: sorted, unique keys; nil values delete.
    init(entries: [([UInt8], [UInt8]?)]) {
        reader = nil
        stack = [.edits(entries, index: 0)]
        settle()
    }

    /// Recomputes `head` from the top frame, dropping exhausted frames.
    private func settle() {
        while let top = stack.last {
            switch top {
            case .children(let c, let i, let edge):
                if i < c.count { head = .subtree(c[i], rightEdge: edge && i == c.count - 1); return }
            case .leaf(let n, let i):
                if i < n.keys.count { head = .entry(key: n.keys[i], value: n.values[i]); return }
            case .edits(let e, let i):
                if i < e.count { head = .entry(key: e[i].0, value: e[i].1.map { .inline($0) }); return }
            }
            stack.removeLast()
        }
        head = nil
    }

    /// Moves past the head (an entry, or a subtree skipped or reused whole).
    private func advanceTop() {
        guard let top = stack.popLast() else { return }
        switch top {
        case .children(let c, let i, let edge): stack.append(.children(c, index: i + 1, rightEdge: edge))
        case .leaf(let n, let i): stack.append(.leaf(n, index: i + 1))
        case .edits(let e, let i): stack.append(.edits(e, index: i + 1))
        }
    }

    func pop() {
        advanceTop()
        settle()
    }

    /// Replaces the head subtree by its children (or entries, for a leaf).
    func expand() throws {
        guard case .subtree(let ref, let rightEdge)? = head, let reader else { return }
        let node = try reader.node(ref)
        advanceTop()
        if node.isLeaf {
            stack.append(.leaf(node, index: 0))
        } else {
            stack.append(.children(node.children, index: 0, rightEdge: rightEdge))
        }
        settle()
    }

    /// Consumes the entries of the current leaf whose keys are below `limit` (all of them if
    /// nil), handing each to `body`: a merge's fast path while no other input interleaves.
    /// Returns how many were consumed (0 unless the head is a leaf entry).
    @discardableResult
    func drainLeaf(below limit: [UInt8]?, _ body: ([UInt8], LeafValue) throws -> Void) rethrows -> Int {
        guard case .leaf(let node, let start)? = stack.last else { return 0 }
        var i = start
        while i < node.keys.count {
            if let limit, !node.keys[i].lexicographicallyPrecedes(limit) { break }
            try body(node.keys[i], node.values[i])
            i += 1
        }
        stack[stack.count - 1] = .leaf(node, index: i)
        settle()
        return i - start
    }

    func value(_ v: LeafValue) throws -> [UInt8] {
        switch v {
        case .inline(let b): return b
        case .blob:
            guard let reader else { throw TreeError.valueWithoutStore }
            return try reader.value(v)
        }
    }
}
