import Blocks
import Support

/// Errors of the index layer; each names the file, block, record or input a person must look at.
public enum IndexError: Error, Equatable, CustomStringConvertible {
    /// Index data that decodes but is not what the schema allows (the message names the block or document).
    case corrupt(String)
    /// A read needing the peer-to-peer fields (segment format 2) over an older segment.
    case needsFormat2(what: String, segment: String)
    /// A tree entry of `document` whose value does not decode.
    case malformedValue(tree: ShardTree, document: DocRef)
    /// A tree key that is not of the schema's form.
    case malformedKey(tree: ShardTree, key: [UInt8])
    /// An internal node's per-child aggregate (`block` names the child) that does not decode.
    case malformedAggregate(tree: ShardTree, block: CID)
    case badManifest(path: String, reason: String)
    case badSignature(path: String)
    case keyFile(path: String, reason: String)
    /// The manifest lists no root for one of the four trees.
    case missingTree(String)
    /// A tree built with other chunking parameters (a merge names the input around it).
    case treeParameters(tree: String, found: String)
    /// A merge input analyzed by another analyzer: its terms would not match.
    case otherAnalyzer(input: String, found: String, expected: String)
    case nothingToMerge
    /// A merge input that could not be opened or verified.
    case inputRefused(input: String, reason: String)
    /// `--base` names an index holding no batch of the building key's group.
    case baseOfAnotherGroup(path: String, group: GroupID)
    /// `--base` is a merged index and `--out` the same folder: the update would drop the other groups.
    case baseIsShared(path: String, others: Int)
    /// Every source failed and nothing was indexed; the output folder is unchanged.
    case nothingIndexed(failed: [String])
    /// A record whose source is none of the build's inputs (a bug in attribution, not in the data).
    case unattributedRecord(source: String)
    /// A sorted-run scratch file of a build that cannot be read back.
    case runFile(path: String, reason: String)
    /// Inputs that contradict each other (two segments claiming one batch, two versions of a
    /// group under one sequence number); the message names both.
    case conflict(String)
    /// The read policy (trust list, versions seen) leaves nothing to read; the reasons say why.
    case nothingTrusted(reasons: [String])
    /// A build's or merge's own manifest does not verify before it is published.
    case selfCheck(String)
    /// A compaction that cannot be done or checked (the message names the segment or input).
    case compaction(String)
    /// `OUT/blocks` cannot be made a link to a shared block folder (`merge --store`).
    case blocksLink(path: String, target: String, reason: String)
    /// A partition of a distributed build that cannot be built or joined (the reason says why).
    case partition(input: String, reason: String)
    /// A partitioned build given `--base` or `--delete`.
    case partitionWithBase(base: String)

    public var description: String {
        switch self {
        case .corrupt(let m): "index data is corrupt: \(m)"
        case .needsFormat2(let what, let segment):
            "\(what) needs segments of format indexer-segment/2; segment \(segment) is older: rebuild it with this version"
        case .malformedValue(let t, let d): "index data is corrupt: the \(t.name) entry of document \(d) is malformed"
        case .malformedKey(let t, let k): "index data is corrupt: \(t.name) key \(Hex.encode(k)) is malformed"
        case .malformedAggregate(let t, let c): "index data is corrupt: the \(t.name) aggregate of block \(c) is malformed"
        case .badManifest(let p, let r): "\(p): invalid manifest: \(r)"
        case .badSignature(let p): "\(p): manifest signature does not verify (forged or altered)"
        case .keyFile(let p, let r): "\(p): \(r)"
        case .missingTree(let t): "index data is corrupt: index has no \(t) tree"
        case .treeParameters(let t, let found):
            "the \(t) tree was built with other parameters (\(found)); rebuild the index with this version"
        case .otherAnalyzer(let input, let found, let expected):
            """
            \(input) was analyzed with \(found), this tool uses \(expected): \
            its terms would not match. Rebuild it from its sources with this version (or merge it with the tool that built it).
            """
        case .nothingToMerge: "nothing to merge"
        case .inputRefused(let input, let reason): "refusing input \(input): \(reason)"
        case .baseOfAnotherGroup(let p, let g):
            "\(p) holds no batch of group \(g); an incremental build extends the same group's index (use merge to combine groups)"
        case .baseIsShared(let p, let n):
            "\(p) is a merged index (\(n) other group(s)); update your group's own index (or build into another --out) and merge again"
        case .nothingIndexed(let failed):
            "nothing was indexed: every source failed (\(failed.joined(separator: "; ")))"
        case .unattributedRecord(let s): "record \(s) belongs to none of the sources given; nothing was written"
        case .runFile(let p, let r): "\(p): \(r)"
        case .blocksLink(let p, let t, let r): "\(p): cannot link to \(t): \(r)"
        case .conflict(let m): "conflicting inputs: \(m)"
        case .nothingTrusted(let reasons): "nothing to read: \(reasons.joined(separator: "; "))"
        case .compaction(let m): "compaction: \(m)"
        case .partition(let input, let reason): "partition \(input): \(reason)"
        case .partitionWithBase(let base):
            "a partitioned build takes no --base or --delete (\(base)): tombstones and batch numbers need the group's whole index; build the partitions from scratch, join them, then update the joined index with `build --base`"
        case .selfCheck(let m): "refusing to publish: the index just written does not verify: \(m)"
        }
    }
}
