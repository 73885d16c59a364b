import ArgumentParser
import Blocks
import Index
import Support

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Documents, terms, postings, and per tree: blocks, bytes, depth and node sizes.")

    @Argument(help: "Index folder or http(s):// URL.") var index: String
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess

    func run() throws {
        let shard = try access.open(index).shard
        let inspection = ShardInspection.inspect(shard, recompute: false)
        let info = shard.info
        if json {
            print(
                JSON.object([
                    "root": .string(shard.manifest.root.description),
                    "analyzer": .string(info.analyzer),
                    "documents": .int(Int64(info.documents)),
                    "terms": .int(Int64(inspection.distinctTerms)),
                    "postings": .int(Int64(shard.postings.count)),
                    "groups": .array(info.groups.map { .object(["group": .string($0.group.description), "documents": .int(Int64($0.documents))]) }),
                    "trees": .object(
                        Dictionary(
                            uniqueKeysWithValues: inspection.trees.map { t in
                                (
                                    t.name,
                                    JSON.object([
                                        "entries": .int(Int64(t.entries)), "blocks": .int(Int64(t.blocks)), "bytes": .int(Int64(t.bytes)),
                                        "depth": .int(Int64(t.depth)), "nodeBytesMin": .int(Int64(t.minNode)),
                                        "nodeBytesMedian": .int(Int64(t.medianNode)), "nodeBytesMax": .int(Int64(t.maxNode)),
                                    ])
                                )
                            })),
                    "problems": .array(inspection.problems.map { .string($0) }),
                ]).pretty, terminator: "")
        } else {
            print("index      \(index)  root \(shard.manifest.root)")
            print("analyzer   \(info.analyzer)")
            print("documents  \(info.documents) in \(info.groups.count) group(s), \(info.batches.count) batch(es)")
            print("terms      \(inspection.distinctTerms)")
            print("postings   \(shard.postings.count)")
            print("tree        entries     blocks        bytes  depth  node bytes min/median/max")
            for t in inspection.trees {
                print(
                    pad(t.name, 10) + pad(String(t.entries), 9, left: true) + pad(String(t.blocks), 11, left: true)
                        + pad(String(t.bytes), 13, left: true) + pad(String(t.depth), 7, left: true)
                        + "  \(t.minNode)/\(t.medianNode)/\(t.maxNode)")
            }
            let total = inspection.trees.reduce(0) { $0 + $1.bytes }
            print("total      \(inspection.trees.reduce(0) { $0 + $1.blocks }) blocks, \(total) bytes")
        }
        for p in inspection.problems { printError("problem: \(p)") }
        if !inspection.problems.isEmpty { throw ExitCode.failure }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check an index completely: the manifest signature, every block against its CID, every node against its parent, and the statistics recomputed from the documents."
    )

    @Argument(help: "Index folder or http(s):// URL.") var index: String
    @Flag(help: "Print the verdict as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess
    @OptionGroup(title: "Output") var output: Verbosity

    func run() throws {
        var problems: [String] = []
        var root = ""
        var signer = ""
        var blocks = 0
        do {
            let shard = try access.open(index).shard
            root = shard.manifest.root.description
            signer = shard.manifest.group.description
            let inspection = ShardInspection.inspect(shard, recompute: true)
            problems = inspection.problems
            blocks = inspection.trees.reduce(0) { $0 + $1.blocks } + 1
            for t in inspection.trees { output.detail("tree \(t.name): \(t.blocks) blocks, \(t.entries) entries checked") }
        } catch {
            problems.append("\(error)")
        }
        if json {
            print(
                JSON.object([
                    "index": .string(index), "ok": .bool(problems.isEmpty), "root": .string(root), "signer": .string(signer),
                    "blocksChecked": .int(Int64(blocks)), "problems": .array(problems.map { .string($0) }),
                ]).pretty, terminator: "")
        } else if problems.isEmpty {
            print("ok: \(index) (root \(root), signed by group \(signer)); \(blocks) blocks checked")
        } else {
            for p in problems { printError("problem: \(p)") }
        }
        if !problems.isEmpty { throw ExitCode.failure }
    }
}

func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, n - s.count))
    return left ? fill + s : s + fill
}
