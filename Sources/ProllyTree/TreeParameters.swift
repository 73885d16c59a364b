import Blocks
import Zstd

/// How a tree is cut into nodes and encoded. Recorded in the tree's header block: trees with
/// different parameters have different shapes for the same keys, so they merge by streaming,
/// not structurally.
///
/// Node boundaries depend on keys only (see `Chunker`): a node's *weight* counts each entry's
/// key bytes plus a fixed `valueHint`, never the value itself, so changing a value never moves
/// a boundary. Values longer than `inlineLimit` are stored out of line as their own blocks,
/// which keeps node byte sizes bounded whatever the values are.
public struct TreeParameters: Sendable, Equatable, CustomStringConvertible {
    /// Target node weight in bytes (keys + `valueHint` per entry).
    public var targetSize: Int
    /// Hard maximum node weight: a boundary is forced here.
    public var maxSize: Int
    /// Bytes counted per entry in place of its value (a typical encoded value size).
    public var valueHint: Int
    /// Values longer than this are stored as separate blocks and linked.
    public var inlineLimit: Int
    /// Whether an inline value weighs its own length instead of `valueHint`: for trees whose
    /// values vary tenfold with their keys (format 4's postings blocks hold 1 to 128
    /// postings), so nodes stay near the target in bytes. Such a tree is written once and
    /// never edited in place, so boundaries that move with a value cost nothing.
    public var weighsValues = false
    /// Target weight of internal nodes when it differs from the leaves' (nil: `targetSize`).
    /// A reader descends one internal node per lookup and tree level; smaller ones cost fewer
    /// bytes per lookup, and a segment of a merged index pays that per term.
    public var innerTargetSize: Int? = nil
    public var zstdLevel: Int32
    /// The aggregate kept per child in internal nodes (`TreeAggregator.name`).
    public var aggregator: String
    /// Version of the boundary rule; part of the shape.
    public var chunker: String
    /// libzstd's version: identical bytes across machines assume the same compressor.
    public var zstdVersion: String

    public static let currentChunker = "weibull4-xxh64/1"
    /// Weight counted per internal entry besides its two keys (CID link + counts).
    static let childHint = 48

    public init(
        targetSize: Int = 16 << 10, maxSize: Int? = nil, valueHint: Int = 8, inlineLimit: Int = 1024,
        zstdLevel: Int32 = 3, aggregator: String = CountOnly.name, weighsValues: Bool = false, innerTargetSize: Int? = nil
    ) {
        self.weighsValues = weighsValues
        self.innerTargetSize = innerTargetSize
        self.targetSize = targetSize
        self.maxSize = maxSize ?? targetSize * 4
        self.valueHint = valueHint
        self.inlineLimit = inlineLimit
        self.zstdLevel = zstdLevel
        self.aggregator = aggregator
        self.chunker = TreeParameters.currentChunker
        self.zstdVersion = Zstd.version
    }

    /// The parameters that decide tree shape and bytes; `zstdVersion` is informational.
    public func sameShape(as other: TreeParameters) -> Bool {
        var a = self, b = other
        a.zstdVersion = ""
        b.zstdVersion = ""
        return a == b
    }

    public var description: String {
        "target \(targetSize)\(innerTargetSize.map { ", inner \($0)" } ?? ""), max \(maxSize), value \(weighsValues ? "weighed" : "hint \(valueHint)"), inline ≤\(inlineLimit), zstd \(zstdVersion) level \(zstdLevel), aggregate \(aggregator), chunker \(chunker)"
    }

    var cbor: DagCBOR {
        // `weigh` only when set: every tree written before it keeps its header bytes.
        .map(
            sorting: (weighsValues ? [("weigh", DagCBOR.text("values"))] : [])
                + (innerTargetSize.map { [("innerTarget", DagCBOR.unsigned(UInt64($0)))] } ?? []) + [
                    ("target", .unsigned(UInt64(targetSize))),
                    ("max", .unsigned(UInt64(maxSize))),
                    ("valueHint", .unsigned(UInt64(valueHint))),
                    ("inline", .unsigned(UInt64(inlineLimit))),
                    ("zstdLevel", .unsigned(UInt64(zstdLevel))),
                    ("aggregate", .text(aggregator)),
                    ("chunker", .text(chunker)),
                    ("zstd", .text(zstdVersion)),
                ])
    }

    /// Why stored parameters were refused; `Tree.open` reports it with the header's CID.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    init(cbor: DagCBOR) throws(Invalid) {
        func int(_ k: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int {
            guard let v = cbor[k]?.int, range.contains(v) else { throw Invalid("parameter \(k) missing or out of range") }
            return v
        }
        func text(_ k: String) throws(Invalid) -> String {
            guard let v = cbor[k]?.string else { throw Invalid("parameter \(k) missing") }
            return v
        }
        targetSize = try int("target", 64...(1 << 22))
        maxSize = try int("max", targetSize...(1 << 24))
        valueHint = try int("valueHint", 0...(1 << 16))
        inlineLimit = try int("inline", 0...(1 << 20))
        zstdLevel = Int32(try int("zstdLevel", 1...22))
        aggregator = try text("aggregate")
        chunker = try text("chunker")
        zstdVersion = try text("zstd")
        if cbor["innerTarget"] != nil { innerTargetSize = try int("innerTarget", 64...targetSize) }
        if let weigh = cbor["weigh"] {
            guard weigh.string == "values" else { throw Invalid("unknown value weighing") }
            weighsValues = true
        }
        guard chunker == TreeParameters.currentChunker else { throw Invalid("unknown chunker \(chunker)") }
    }
}
