import ArgumentParser
import Blocks
import Index
import Support

struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Compact an index's segments into fewer, deterministically (anyone holding the inputs can recompute them).",
        discussion: """
            Policy (tiered): \(CompactionPolicy.description); --all compacts everything into one \
            segment. Each compacted segment is a function of its inputs alone: documents one \
            input tombstones in another are dropped, other tombstones are carried, and \
            `verify --recompute` checks it against its inputs.

            With a group's key (the key of a group in INDEX), the group's version is replaced \
            by a new one (sequence + 1) listing the compacted segments in place of their \
            inputs, signed by the group, so every reader trusts it as before. A compacted \
            segment links its inputs, so they stay in the folder (and in its CAR export) and \
            `verify --recompute` always finds them: compaction cuts what a query reads, not what \
            the folder keeps.

            With any other key (a merger's), every group's version is kept as signed and the \
            manifest lists each compacted segment with its inputs: readers who trust the \
            merger's key search the compacted segment, the others the inputs, which stay \
            listed and present.
            """)

    @Argument(help: "Index folder.") var index: String
    @Option(help: "Output index folder (default: compact INDEX in place; its manifest is replaced last, atomically).") var out: String?
    @Option(help: "Key file: a group's key (rewrites its version) or a merger's (default: the key in the user's key ring that signed INDEX).")
    var key: String?
    @Flag(help: "Compact every segment into one instead of following the tiered policy.") var all = false
    @Option(help: "Memory for the inputs' node cache, in MiB (compaction streams; this bounds the rest).") var memoryMb = 256
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity

    func validate() throws {
        if memoryMb < 16 { throw ValidationError("--memory-mb must be at least 16") }
    }

    func run() throws {
        let started = monotonicSeconds()
        var compact = IndexCompact(index: index, key: try loadKey(key, .signerOf(index)), created: ISODate.now())
        compact.out = out
        compact.policy = CompactionPolicy(all: all)
        compact.memoryBytes = memoryMb << 20
        let report = try compact.run()
        let seconds = monotonicSeconds() - started
        let destination = out ?? index
        if json {
            print(
                JSON.object([
                    "index": .string(destination), "mode": .string(report.mode.rawValue),
                    "root": report.manifest.map { .string($0.root.description) } ?? .null,
                    "segmentsBefore": .int(Int64(report.segmentsBefore)), "segmentsAfter": .int(Int64(report.segmentsAfter)),
                    "compacted": .array(report.compactions.map(compactionJSON)),
                    "blocksWritten": .int(Int64(report.compactions.reduce(0) { $0 + $1.blocksWritten })),
                    "milliseconds": .int(Int64(seconds * 1000)),
                ]).pretty, terminator: "")
            return
        }
        guard let manifest = report.manifest else {
            output.note("nothing to compact in \(index): \(report.segmentsBefore) segment(s) and the policy selects none (--all compacts them all)")
            return
        }
        for c in report.compactions {
            output.note(
                "compacted \(c.info.compactedFrom.count) segments into \(c.segment): \(c.info.documents) documents (\(c.dropped) tombstoned ones dropped), \(c.blocksWritten) blocks written, \(c.blocksReused) reused"
            )
        }
        let who = report.mode == .group ? "the group's new version" : "a merger's compaction (the groups' versions unchanged)"
        output.note(
            "\(report.segmentsBefore) → \(report.segmentsAfter) segments in \(String(format: "%.2f", seconds)) s, as \(who)")
        output.note("index \(destination): root \(manifest.root), signed by \(manifest.group)")
    }
}

/// One compacted segment in a command's JSON summary.
func compactionJSON(_ c: IndexCompaction.Compacted) -> JSON {
    .object([
        "segment": .string(c.segment.description), "inputs": .array(c.info.compactedFrom.map { .string($0.description) }),
        "documents": .int(Int64(c.info.documents)), "dropped": .int(Int64(c.dropped)),
        "tombstonesCarried": .int(Int64(c.info.tombstones.count)), "blocksWritten": .int(Int64(c.blocksWritten)),
        "bytesWritten": .int(Int64(c.bytesWritten)), "blocksReused": .int(Int64(c.blocksReused)),
    ])
}
