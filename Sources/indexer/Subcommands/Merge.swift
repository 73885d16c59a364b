import ArgumentParser
import Blocks
import Index
import Support

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge group shards and merged indexes into one index, deterministically.",
        discussion: """
            The same inputs in any order give the same trees; the manifest differs only in its \
            creation time and signature. Subtrees that only one input has are reused and their \
            blocks copied byte for byte. Documents of different groups with the same content \
            digest are kept once: the group holding the smallest DocRef with that digest keeps \
            its copies. Inputs analyzed differently or with other tree parameters are refused.
            """)

    @Argument(help: "Index folders or URLs to merge.") var inputs: [String]
    @Option(help: "Output index folder.") var out: String
    @Option(help: "Merger's key file (default: the user's default key).") var key: String?
    @Option(help: "Shared block folder: blocks are written to STORE/blocks and OUT/blocks links to it.") var store: String?
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity
    @OptionGroup(title: "Index access") var access: IndexAccess

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one index to merge") }
    }

    func run() throws {
        let started = monotonicSeconds()
        let mergerKey = try loadKey(key)
        let merged = try IndexMerge.merge(
            named: inputs,
            open: { path in
                let opened = try access.open(path)
                output.detail("input \(path): \(opened.shard.info.documents) documents, root \(opened.shard.manifest.root)")
                return (opened.shard, opened.manifestBytes)
            }, out: out, sharedStore: store, key: mergerKey, created: ISODate.now())
        let (manifest, summary) = (merged.manifest, merged.summary)
        let seconds = monotonicSeconds() - started
        if json {
            print(
                JSON.object([
                    "index": .string(out), "root": .string(manifest.root.description), "documents": .int(Int64(summary.documents)),
                    "blocksReused": .int(Int64(summary.blocksReused)), "blocksWritten": .int(Int64(summary.blocksWritten)),
                    "blocksCopied": .int(Int64(summary.blocksCopied)), "bytesWritten": .int(Int64(summary.bytesWritten)),
                    "duplicatesRemoved": .int(Int64(summary.duplicatesRemoved)), "milliseconds": .int(Int64(seconds * 1000)),
                ]).pretty, terminator: "")
        } else {
            output.note(
                "merged \(inputs.count) indexes: \(summary.documents) documents (\(summary.duplicatesRemoved) cross-group duplicates removed) in \(String(format: "%.2f", seconds)) s"
            )
            output.note(
                "blocks reused \(summary.blocksReused) (\(summary.blocksCopied) copied), written \(summary.blocksWritten) (\(summary.bytesWritten) bytes)"
            )
            output.note("index \(out): root \(manifest.root), signed by group \(manifest.group)")
        }
    }
}

/// The key at `path`, or the user's default key (created, and said so, on first use).
func loadKey(_ path: String?) throws -> GroupKey {
    if let path { return try GroupKey.read(from: path) }
    let (k, p, created) = try GroupKey.loadOrCreateDefault()
    if created { printError("created a new group key at \(p) (group \(k.group)); back it up, it signs your indexes") }
    return k
}
