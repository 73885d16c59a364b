// The page's block store: blocks the JS fetched, each verified against its CID before it is
// kept. Wasm cannot wait for a fetch, so reads are restartable: a read of a block the store
// lacks notes its CID and fails with `notFound`; `getMany` notes every block of the batch it
// lacks (a tree level's siblings: ProllyTree reads level by level) before failing. The JS
// fetches what was noted, in parallel, adds it, and calls the operation again; decoded nodes
// stay in the `NodeReader`'s cache, so a retry redoes only the walk. The number of calls is
// the number of round trips.
final class FedStore: BlockStore, @unchecked Sendable {
    private var blocks: [CID: [UInt8]] = [:]
    /// Noted by failed reads since the last `takeMissing`, in order, once each.
    private var missing: [CID] = []
    private var noted: Set<CID> = []
    let name = "the page's blocks"

    var count: Int { blocks.count }

    func get(_ cid: CID) throws(CoreError) -> [UInt8] {
        if let b = blocks[cid] { return b }
        note(cid)
        throw .notFound(cid: cid, source: name)
    }

    func getMany(_ cids: [CID]) throws(CoreError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        out.reserveCapacity(cids.count)
        var firstAbsent: CID? = nil
        for c in cids {
            if let b = blocks[c] {
                out.append(b)
            } else {
                note(c)
                if firstAbsent == nil { firstAbsent = c }
            }
        }
        if let firstAbsent { throw .notFound(cid: firstAbsent, source: name) }
        return out
    }

    func getPresent(_ cids: [CID]) throws(CoreError) -> [[UInt8]?] { cids.map { blocks[$0] } }

    func has(_ cid: CID) throws(CoreError) -> Bool { blocks[cid] != nil }

    /// Held blocks are read before the batch's others are noted: trees of different heights
    /// then share a call.
    func holdsLocally(_ cid: CID) -> Bool { blocks[cid] != nil }
    /// Every block it lacks costs the page a round trip.
    var fetchesRemotely: Bool { true }

    /// Keeps `bytes` only if they hash to `cid`: a tampered or substituted block is refused.
    func put(_ bytes: [UInt8], cid: CID) throws(CoreError) {
        guard cid.matches(bytes) else { throw .mismatch(cid: cid, source: "a fetched block") }
        blocks[cid] = bytes
    }

    private func note(_ cid: CID) {
        if noted.insert(cid).inserted { missing.append(cid) }
    }

    /// The CIDs noted since the last call; forgets them.
    func takeMissing() -> [CID] {
        defer {
            missing.removeAll()
            noted.removeAll()
        }
        return missing
    }
}
