import Synchronization

/// Where content-addressed blocks live. Implementations verify every block they return that
/// this process did not write itself, so callers can trust `get`'s bytes.
public protocol BlockStore: AnyObject, Sendable {
    /// The block's verified bytes; throws `notFound` or `mismatch`.
    func get(_ cid: CID) throws(ReadFailure) -> [UInt8]
    /// Several blocks at once, in order. Remote stores fetch them in parallel; local ones loop.
    func getMany(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]]
    /// Like `getMany`, with nil for blocks the store does not hold (other errors still throw).
    func getPresent(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]?]
    func has(_ cid: CID) throws(ReadFailure) -> Bool
    /// Stores `bytes` under `cid` (which the caller computed from them). Idempotent.
    func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure)
    /// A human name for errors: a path or URL.
    var name: String { get }
    /// Whether reading the block costs no request: held in memory or in a local cache in front
    /// of a remote store. Batched tree reads descend such nodes before fetching the others, so
    /// they cost no round trip of their own. False when unsure.
    func holdsLocally(_ cid: CID) -> Bool
    /// Whether a read the store does not hold locally costs a request over a network: a
    /// search then reads the leaves it will need in batches (a round trip each) instead of
    /// one at a time as it goes. False for folders and memory.
    var fetchesRemotely: Bool { get }
}

extension BlockStore {
    public func holdsLocally(_ cid: CID) -> Bool { false }
    public var fetchesRemotely: Bool { false }

    public func getMany(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]] {
        try cids.map { (cid) throws(ReadFailure) in try get(cid) }
    }

    public func getPresent(_ cids: [CID]) throws(ReadFailure) -> [[UInt8]?] {
        try cids.map { (cid) throws(ReadFailure) -> [UInt8]? in
            do throws(ReadFailure) { return try get(cid) } catch BlockError.notFound { return nil }
        }
    }

    /// Stores a DAG-CBOR block and returns its BLAKE2b-256 CID.
    @discardableResult
    public func put(_ bytes: [UInt8]) throws(ReadFailure) -> CID {
        let cid = CID(of: bytes)
        try put(bytes, cid: cid)
        return cid
    }
}

/// Counters a store keeps so commands can report what a job cost.
public struct StoreCounters: Sendable, Equatable {
    public var reads = 0
    public var bytesRead = 0
    public var writes = 0
    public var bytesWritten = 0
    public init() {}
}

/// An in-memory store, for tests and for staging.
public final class MemoryStore: BlockStore {
    private let blocks = Mutex<[CID: [UInt8]]>([:])
    private let stats = Mutex(StoreCounters())
    public let name: String

    public init(name: String = "memory") { self.name = name }

    public func get(_ cid: CID) throws(ReadFailure) -> [UInt8] {
        guard let b = blocks.withLock({ $0[cid] }) else { throw BlockError.notFound(cid: cid, source: name) }
        stats.withLock {
            $0.reads += 1; $0.bytesRead += b.count
        }
        return b
    }

    public func has(_ cid: CID) throws(ReadFailure) -> Bool { blocks.withLock { $0[cid] != nil } }

    public func put(_ bytes: [UInt8], cid: CID) throws(ReadFailure) {
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
    public func corrupt(_ cid: CID, with bytes: [UInt8]) {
        blocks.withLock { $0[cid] = bytes }
    }

    public var count: Int { blocks.withLock { $0.count } }
    public var allCIDs: [CID] { blocks.withLock { Array($0.keys) } }
    public var counters: StoreCounters { stats.withLock { $0 } }
}
