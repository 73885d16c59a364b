// Block and tree exports over the page's `FedStore` (FedStore.swift documents the restartable
// protocol). Binary formats: a CID is its binary form; lists are framed as LEB128 varint
// length, then the bytes (`Varint`, as CIDs and nodes use).

let fedStore = FedStore()
/// One reader for the page's life: decoded nodes are kept across retries and queries.
let fedReader = NodeReader(store: fedStore)

/// Adds a fetched block. Returns 0 when kept, 1 when its bytes do not hash to the CID (refused),
/// 2 when the CID does not parse (both with the reason as the output).
@_expose(wasm, "qc_block_add")
@_cdecl("qc_block_add")
func qcBlockAdd(_ cid: UnsafePointer<UInt8>, _ cidLength: Int32, _ bytes: UnsafePointer<UInt8>, _ length: Int32) -> Int32 {
    output.removeAll(keepingCapacity: true)
    let cidBytes = Array(UnsafeBufferPointer(start: cid, count: Int(max(cidLength, 0))))
    var o = 0
    guard let parsed = CID.parse(cidBytes, &o), o == cidBytes.count else {
        output.append(contentsOf: "not a binary CIDv1".utf8)
        return 2
    }
    do throws(CoreError) {
        try fedStore.put(Array(UnsafeBufferPointer(start: bytes, count: Int(max(length, 0)))), cid: parsed)
        return 0
    } catch {
        output.append(contentsOf: error.description.utf8)
        return 1
    }
}

/// The number of blocks the page holds.
@_expose(wasm, "qc_block_count")
@_cdecl("qc_block_count")
func qcBlockCount() -> Int32 { Int32(fedStore.count) }

/// Looks up keys in the tree whose header block is `header`, level by level
/// (`Tree.getMany`, as the CLI reads records). `keys` is a framed list. Returns 0 with, per
/// key, a byte 0 (absent) or 1 followed by the framed value; 2 with the framed list of the
/// blocks to fetch before calling again; 1 with the reason the tree cannot be read.
@_expose(wasm, "qc_tree_get")
@_cdecl("qc_tree_get")
func qcTreeGet(_ header: UnsafePointer<UInt8>, _ headerLength: Int32, _ keys: UnsafePointer<UInt8>, _ keysLength: Int32) -> Int32 {
    let headerBytes = Array(UnsafeBufferPointer(start: header, count: Int(max(headerLength, 0))))
    let keyList = framedList(Array(UnsafeBufferPointer(start: keys, count: Int(max(keysLength, 0)))))
    return restartable { () throws(CoreError) in
        var o = 0
        guard let cid = CID.parse(headerBytes, &o), o == headerBytes.count else { throw .badCID("header") }
        guard let keyList else { throw .unsupported("a malformed key list") }
        let tree = try Tree.open(cid, reader: fedReader)
        for value in try tree.getMany(keyList) {
            if let value {
                output.append(1)
                appendFramed(value)
            } else {
                output.append(0)
            }
        }
    }
}

/// Runs `body` against the page's blocks: 0 with its output, 2 with the blocks it lacked
/// (framed CIDs), or 1 with the reason it failed.
func restartable(_ body: () throws(CoreError) -> Void) -> Int32 {
    output.removeAll(keepingCapacity: true)
    _ = fedStore.takeMissing()
    do throws(CoreError) {
        try body()
        return 0
    } catch {
        let missing = fedStore.takeMissing()
        output.removeAll(keepingCapacity: true)
        if case .notFound = error, !missing.isEmpty {
            for c in missing { appendFramed(c.bytes) }
            return 2
        }
        output.append(contentsOf: error.description.utf8)
        return 1
    }
}

func appendFramed(_ bytes: [UInt8]) {
    Varint.append(UInt64(bytes.count), to: &output)
    output.append(contentsOf: bytes)
}

/// A framed list's items, or nil when it does not parse to the end.
func framedList(_ bytes: [UInt8]) -> [[UInt8]]? {
    var items: [[UInt8]] = []
    var o = 0
    while o < bytes.count {
        guard let n = Varint.read(bytes, &o), n <= UInt64(bytes.count - o) else { return nil }
        items.append(Array(bytes[o..<o + Int(n)]))
        o += Int(n)
    }
    return items
}
