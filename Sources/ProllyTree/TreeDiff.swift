import Blocks

extension Tree {
    public enum Difference: Equatable, Sendable {
        case added(key: [UInt8], value: [UInt8])
        case removed(key: [UInt8], value: [UInt8])
        case changed(key: [UInt8], old: [UInt8], new: [UInt8])

        public var key: [UInt8] {
            switch self {
            case .added(let k, _), .removed(let k, _), .changed(let k, _, _): k
            }
        }
    }

    /// Calls `visit` for every key that differs between `self` (old) and `other` (new), in key
    /// order. Subtrees with the same CID on both sides are skipped without being read, so the
    /// cost follows the size of the change, not of the trees. Returns the nodes read.
    @discardableResult
    public func diff(_ other: Tree, visit: (Difference) throws -> Void) throws -> Int {
        let a = TreeStream(tree: self), b = TreeStream(tree: other)
        let before = reader.nodesLoaded + (other.reader === reader ? 0 : other.reader.nodesLoaded)
        while true {
            switch (a.head, b.head) {
            case (nil, nil):
                return reader.nodesLoaded + (other.reader === reader ? 0 : other.reader.nodesLoaded) - before
            case (.subtree(let x, _)?, .subtree(let y, _)?) where x.cid == y.cid:
                a.pop()
                b.pop()
            case (.subtree(let x, _)?, let hb):
                // Open the taller side first so equal subtrees meet at the same level.
                if case .subtree(let y, _)? = hb, y.level > x.level { try b.expand() } else { try a.expand() }
            case (_, .subtree?):
                try b.expand()
            case (.entry(let ka, let va)?, nil):
                try visit(.removed(key: ka, value: try a.value(va!)))
                a.pop()
            case (nil, .entry(let kb, let vb)?):
                try visit(.added(key: kb, value: try b.value(vb!)))
                b.pop()
            case (.entry(let ka, let va)?, .entry(let kb, let vb)?):
                if ka.lexicographicallyPrecedes(kb) {
                    try visit(.removed(key: ka, value: try a.value(va!)))
                    a.pop()
                } else if kb.lexicographicallyPrecedes(ka) {
                    try visit(.added(key: kb, value: try b.value(vb!)))
                    b.pop()
                } else {
                    if va != vb {
                        let (old, new) = (try a.value(va!), try b.value(vb!))
                        if old != new { try visit(.changed(key: ka, old: old, new: new)) }
                    }
                    a.pop()
                    b.pop()
                }
            }
        }
    }

    /// All differences as an array (convenience for tests and small trees).
    public func differences(to other: Tree) throws -> [Difference] {
        var out: [Difference] = []
        try diff(other) { out.append($0) }
        return out
    }
}
