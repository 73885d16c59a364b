import Blocks
import ProllyTree

/// Walks one term's postings in DocRef order with the moves block-max query evaluation needs:
/// `next`, `advance(to:)` (a seek from the current position, not from the root), and
/// `bound(at:)`, which reads only internal nodes to give the best (tf, length) pairs of the
/// leaf a DocRef would fall in and where that leaf ends — so whole leaves can be skipped unread.
public struct PostingCursor {
    let tree: Tree
    /// The term's key prefix; DocRefs follow it.
    let prefix: [UInt8]
    /// `prefix` and the DocRef bytes every posting read must start with (a segment's batch).
    let scoped: [UInt8]
    /// Path from the root to the current leaf: node and index within it.
    private var stack: [(node: Node, index: Int)] = []
    public private(set) var doc: DocRef?
    public private(set) var value = PostingValue(tf: 0, lengthCode: 0)
    /// Leaves read so far (a measure of pruning).
    public private(set) var leavesRead = 0

    /// A cursor over the postings under `prefix` whose DocRef starts with `scope` (a group and
    /// batch: the postings one segment answers for).
    init(tree: Tree, prefix: [UInt8], scope: [UInt8] = []) throws {
        self.tree = tree
        self.prefix = prefix
        scoped = prefix + scope
        try seek(scoped)
    }

    private func key(_ d: DocRef) -> [UInt8] {
        var k = prefix
        d.append(to: &k)
        return k
    }

    /// Positions the cursor at the first key ≥ `target` from the root.
    private mutating func seek(_ target: [UInt8]) throws {
        stack.removeAll(keepingCapacity: true)
        guard var ref = tree.root else { doc = nil; return }
        while true {
            let node = try tree.reader.node(ref)
            if node.isLeaf {
                leavesRead += 1
                stack.append((node, Tree.lowerBound(node.keys, target)))
                break
            }
            let i = Tree.childIndex(node.children, target)
            stack.append((node, i))
            guard i < node.children.count else { break }
            ref = node.children[i]
        }
        try settle()
    }

    /// Moves forward from the stack's position to the next entry and reads it.
    private mutating func settle() throws {
        while let top = stack.last {
            if top.index >= top.node.count {
                stack.removeLast()
                if stack.isEmpty { break }
                stack[stack.count - 1].index += 1
                continue
            }
            if top.node.isLeaf {
                let k = top.node.keys[top.index]
                guard k.starts(with: scoped), k.count == prefix.count + DocRef.byteCount,
                    let d = DocRef(bytes: k[prefix.count...])
                else { break }
                guard case .inline(let raw) = top.node.values[top.index], let v = PostingValue(raw) else {
                    throw IndexError.malformedValue(tree: .postings, document: d)
                }
                doc = d
                value = v
                return
            }
            let child = top.node.children[top.index]
            let node = try tree.reader.node(child)
            if node.isLeaf { leavesRead += 1 }
            stack.append((node, 0))
        }
        doc = nil
        stack.removeAll()
    }

    public mutating func next() throws {
        guard doc != nil, !stack.isEmpty else { return }
        stack[stack.count - 1].index += 1
        try settle()
    }

    /// Moves to the first posting with DocRef ≥ `target` (no move if already there).
    public mutating func advance(to target: DocRef) throws {
        guard let current = doc, current < target else { return }
        let k = key(target)
        // Climb while the current node cannot hold `target`, then descend from there.
        while let top = stack.last, top.node.lastKey.lexicographicallyPrecedes(k) {
            stack.removeLast()
            if stack.isEmpty { try seek(k); return }
        }
        guard var top = stack.popLast() else { try seek(k); return }
        while true {
            if top.node.isLeaf {
                top.index = max(top.index, Tree.lowerBound(top.node.keys, k))
                stack.append(top)
                break
            }
            let i = max(top.index, Tree.childIndex(top.node.children, k))
            stack.append((top.node, i))
            guard i < top.node.children.count else { break }
            let node = try tree.reader.node(top.node.children[i])
            if node.isLeaf { leavesRead += 1 }
            top = (node, 0)
        }
        try settle()
    }

    /// The impacts of the leaf that holds (or would hold) `target` and the last DocRef of this
    /// term in that leaf (nil: the term's postings end in that leaf). Reads internal nodes only.
    public func bound(at target: DocRef) throws -> (impacts: Impacts, last: DocRef?)? {
        let t = key(target)
        let k = t.lexicographicallyPrecedes(scoped) ? scoped : t
        guard var ref = tree.root else { return nil }
        if ref.level == 0 {
            return (Impacts(encoded: ref.aggregate) ?? Impacts([]), nil)
        }
        while true {
            let node = try tree.reader.node(ref)
            let i = Tree.childIndex(node.children, k)
            guard i < node.children.count else { return nil }
            let child = node.children[i]
            if child.level == 0 {
                guard let impacts = Impacts(encoded: child.aggregate) else { throw IndexError.malformedAggregate(tree: .postings, block: child.cid) }
                var last: DocRef? = nil
                if child.lastKey.starts(with: scoped), child.lastKey.count == prefix.count + DocRef.byteCount {
                    last = DocRef(bytes: child.lastKey[prefix.count...])
                }
                return (impacts, last)
            }
            ref = child
        }
    }
}
