import Synchronization

/// Where content-addressed blocks live. Implementations verify every block they return that
/// this process did not write itself, so callers can trust `get`'s bytes.
package protocol BlockStore: AnyObject, Sendable {
    /// The block's verified bytes; throws `notFound` or `mismatch`.
    func get(_ cid: CID) throws -> [UInt8]
    /// Several blocks at once, in order. Remote stores fetch them in parallel; local ones loop.
    func getMany(_ cids: [CID]) throws -> [[UInt8]]
    func has(_ cid: CID) throws -> Bool
    /// Stores `bytes` under `cid` (which the caller computed from them). Idempotent.
    func put(_ bytes: [UInt8], cid: CID) throws
    /// A human name for errors: a path or URL.
    var name: String { get }
}

extension BlockStore {
    package func getMany(_ cids: [CID]) throws -> [[UInt8]] {
        try cids.map { try get($0) }
    }

    /// Stores a DAG-CBOR block and returns its BLAKE2b-256 CID.
    @discardableResult
    package func put(_ bytes: [UInt8]) throws -> CID {
        let cid = CID(of: bytes)
        try put(bytes, cid: cid)
        return cid
    }
}

/// Counters a store keeps so commands can report what a job cost.
package struct StoreCounters: Sendable, Equatable {
    package var reads = 0
    package var bytesRead = 0
    package var writes = 0
    package var bytesWritten = 0
    package init() {}
}

/// An in-memory store, for tests and for staging.
package final class MemoryStore: BlockStore {
    private let blocks = Mutex<[CID: [UInt8]]>([:])
    private let stats = Mutex(StoreCounters())
    package let name: String

    package init(name: String = "memory") { self.name = name }

    package func get(_ cid: CID) throws -> [UInt8] {
        guard let b = blocks.withLock({ $0[cid] }) else { throw BlockError.notFound(cid: cid, source: name) }
        stats.withLock {
            $0.reads += 1; $0.bytesRead += b.count
        }
        return b
    }

    package func has(_ cid: CID) throws -> Bool { blocks.withLock { $0[cid] != nil } }

    package func put(_ bytes: [UInt8], cid: CID) throws {
        let added = blocks.withLock { d -> Bool in
            if d[cid] != nil { return false }
            d[cid] = bytes
            return true
        }
        if added {
            stats.withLock {
                $0.writes += 1; $0.bytesWritten += bytes.count
            }
        }
    }

    /// Replaces a block's bytes without checking them: lets tests corrupt a store.
    package func corrupt(_ cid: CID, with bytes: [UInt8]) {
        blocks.withLock { $0[cid] = bytes }
    }

    package var count: Int { blocks.withLock { $0.count } }
    package var allCIDs: [CID] { blocks.withLock { Array($0.keys) } }
    package var counters: StoreCounters { stats.withLock { $0 } }
}
