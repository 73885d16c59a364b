import Blocks
import Synchronization

/// Which block files were found to hash to their CID, remembered by CID and file identity
/// (device, inode, size, modification time): each file version is hashed once, and a file
/// replaced or rewritten under the same name is hashed again. Bounded: past `capacity`
/// entries the oldest are forgotten (and hashed again when next asked for).
final class BlockChecks: Sendable {
    private struct Key: Hashable {
        let cid: CID
        let stamp: FileStamp
    }
    private struct State {
        var results: [Key: Bool] = [:]
        /// Insertion order, as a ring: `order[next]` is the oldest once full.
        var order: [Key] = []
        var next = 0
        var hashed = 0
    }
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 100_000) { self.capacity = max(1, capacity) }

    /// Files hashed so far (cache misses), for tests and the curious.
    var hashed: Int { state.withLock { $0.hashed } }

    /// True when `bytes` (read from a file with identity `stamp`) hash to `cid`. `firstSeen`
    /// is called once per file version found not to match, to log it. Without a stamp (the
    /// file changed while it was read) the bytes are hashed and nothing is remembered.
    func matches(_ cid: CID, _ bytes: [UInt8], stamp: FileStamp?, firstSeen: () -> Void) -> Bool {
        guard let stamp else {
            let ok = cid.matches(bytes)
            if !ok { firstSeen() }
            return ok
        }
        let key = Key(cid: cid, stamp: stamp)
        if let known = state.withLock({ $0.results[key] }) { return known }
        let ok = cid.matches(bytes)
        let inserted = state.withLock { s -> Bool in
            s.hashed += 1
            guard s.results[key] == nil else { return false }
            s.results[key] = ok
            if s.order.count < capacity {
                s.order.append(key)
            } else {
                s.results[s.order[s.next]] = nil
                s.order[s.next] = key
                s.next = (s.next + 1) % capacity
            }
            return true
        }
        if !ok && inserted { firstSeen() }
        return ok
    }
}
