import ArgumentParser
import Blocks
import Index
import Remote
import Support

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge groups' indexes into one shared index, by reference and deterministically.",
        discussion: """
            The result lists each group's newest version, still signed by the group, and holds a \
            copy (or hard link) of every block they reach, so it is self-contained: it can be \
            served, exported as one CAR, and verified with each group's key alone. Nothing is \
            re-encoded; the same set of versions gives the same root in any order. A group in \
            several inputs contributes its highest sequence number; two different versions with \
            one sequence number, or two segments claiming one batch, are refused naming both \
            inputs. With --trust, only the trusted groups are merged. Identical captures \
            published by several groups collapse when searched.

            Above --compact-above segments (or always, with --compact), the merger also compacts \
            them by the tiered policy of `indexer compact` and lists each compacted segment with \
            its inputs: readers trusting the merger's key search the compacted segments, the \
            others the groups' own, which stay listed and present.
            """)

    @Argument(help: "Index folders or URLs to merge.") var inputs: [String]
    @Option(help: "Output index folder.") var out: String
    @Option(help: "Merger's key file (default: the key that signed the index already in --out, else a new key in the user's key ring).") var key:
        String?
    @Option(help: "Shared block folder: blocks are written to STORE/blocks and OUT/blocks links to it.") var store: String?
    @Flag(help: "Compact the merged segments by the tiered policy whatever their number.") var compact = false
    @Option(help: "Compact automatically when the merged index has more segments than this (0: never).") var compactAbove = 16
    @Option(help: "With compaction: memory for the inputs' node cache, in MiB.") var memoryMb = 256
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity
    @OptionGroup(title: "Index access") var access: IndexAccess

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one index to merge") }
        if compactAbove < 0 { throw ValidationError("--compact-above must be 0 (never) or more") }
        if memoryMb < 16 { throw ValidationError("--memory-mb must be at least 16") }
    }

    var compaction: IndexMerge.Compaction? {
        if compact { return .init(above: nil, memoryBytes: memoryMb << 20) }
        return compactAbove > 0 ? .init(above: compactAbove, memoryBytes: memoryMb << 20) : nil
    }

    func run() throws {
        let started = monotonicSeconds()
        let mergerKey = try loadKey(key, .forOutput(out))
        let merged = try IndexMerge.merge(
            named: inputs,
            open: { path in
                let source = try indexSource(path, options: access.remoteOptions)
                output.detail("input \(path): \(source.path)")
                return source
            }, out: out, sharedStore: store, key: mergerKey, policy: try access.policy(), created: ISODate.now(), compaction: compaction)
        let (manifest, summary) = (merged.manifest, merged.summary)
        let seconds = monotonicSeconds() - started
        let page = SearchPageFiles.write(into: out, output: output, json: json)
        if json {
            print(
                JSON.object([
                    "index": .string(out), "root": .string(manifest.root.description), "documents": .int(Int64(summary.documents)),
                    "groups": .int(Int64(summary.groups)), "segments": .int(Int64(summary.segments)),
                    "blocksLinked": .int(Int64(summary.blocks.linked)), "blocksCopied": .int(Int64(summary.blocks.copied)),
                    "blocksPresent": .int(Int64(summary.blocks.present)), "milliseconds": .int(Int64(seconds * 1000)),
                    "excluded": .array(summary.excluded.map { .string($0.reason) }),
                    "compacted": .array(summary.compacted.map(compactionJSON)),
                    "segmentsAfterCompaction": .int(Int64(summary.segmentsAfterCompaction)),
                    "searchPage": page.map { .string($0 + "/index.html") } ?? .null,
                ]).pretty, terminator: "")
        } else {
            for e in summary.excluded { output.note("note: \(e.reason)") }
            output.note(
                "merged \(inputs.count) indexes: \(summary.groups) groups, \(summary.segments) segments, \(summary.documents) documents in \(String(format: "%.2f", seconds)) s"
            )
            output.note("blocks: \(summary.blocks.linked) linked, \(summary.blocks.copied) copied, \(summary.blocks.present) already present")
            if !summary.compacted.isEmpty {
                output.note(
                    "compacted: \(summary.compacted.count) segment(s) from \(summary.compacted.reduce(0) { $0 + $1.info.compactedFrom.count }); \(summary.segmentsAfterCompaction) segments for readers trusting the merger"
                )
            }
            output.note("index \(out): root \(manifest.root), signed by \(manifest.group)")
        }
    }
}
