import ArgumentParser
import Blocks
import Index
import Support

struct JoinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "join",
        abstract: "Join the partitions of one group's build (`build --partition I/N`) into one signed version.",
        discussion: """
            Each PARTITION is an index folder written by `indexer build --partition I/N` (or an \
            earlier join). The result lists every partition's segments, by reference (blocks \
            hard-linked or copied, nothing re-encoded), in batch order under one sequence number, \
            signed by the group's key. Partitions may be given in any order, or joined as a tree \
            (join of joins): with the same --sequence and --created the root is the same. Refused, \
            naming the partition: another group's index or a merged one, a segment with \
            tombstones (an incremental build's), and two segments claiming one batch.

            With --compact (the tiered policy of `indexer compact`) or --compact-all, the joined \
            segments are compacted before signing; the compacted segments link the partitions' \
            ones, which stay in the folder.
            """)

    @Argument(help: "Partition index folders.") var partitions: [String]
    @Option(help: "Output index folder.") var out: String
    @Option(help: "The group's key file, which built the partitions (default: the key in the user's key ring that signed the first partition).")
    var key: String?
    @Option(
        help:
            "The version's sequence number (default: the wall clock in microseconds); fix it, with --created, to reproduce a root. Readers refuse a different version under a number they have seen."
    )
    var sequence: UInt64?
    @Option(help: ArgumentHelp("The version's and manifest's creation time, ISO 8601 (default: now).", valueName: "time")) var created: String?
    @Flag(help: "Compact the joined segments by the tiered policy.") var compact = false
    @Flag(help: "Compact every joined segment into one.") var compactAll = false
    @Option(help: "With compaction: memory for the inputs' node cache, in MiB.") var memoryMb = 256
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity

    func validate() throws {
        guard !partitions.isEmpty else { throw ValidationError("give the partition folders to join") }
        if memoryMb < 16 { throw ValidationError("--memory-mb must be at least 16") }
        if let created, ISODate.parse(created) == nil { throw ValidationError("--created must be an ISO 8601 time, e.g. 2026-01-01T00:00:00Z") }
    }

    func run() throws {
        let started = monotonicSeconds()
        var join = IndexJoin(
            partitions: partitions, out: out, key: try loadKey(key, .signerOf(partitions.first ?? out)), created: created ?? ISODate.now())
        join.sequence = sequence
        if compact || compactAll { join.compaction = CompactionPolicy(all: compactAll) }
        join.memoryBytes = memoryMb << 20
        let report = try join.run()
        let seconds = monotonicSeconds() - started
        if json {
            print(
                JSON.object([
                    "index": .string(out), "root": .string(report.manifest.root.description),
                    "group": .string(report.manifest.group.description), "version": .string(report.version.description),
                    "sequence": .int(Int64(clamping: report.sequence)), "created": .string(join.created),
                    "partitions": .int(Int64(partitions.count)), "documents": .int(Int64(report.documents)),
                    "batches": .array(report.batches.map { .int(Int64($0)) }),
                    "joined": .array(report.joined.map { .string($0.description) }),
                    "segments": .array(report.segments.map { .string($0.description) }),
                    "blocksLinked": .int(Int64(report.blocks.linked)), "blocksCopied": .int(Int64(report.blocks.copied)),
                    "blocksPresent": .int(Int64(report.blocks.present)), "compacted": .array(report.compactions.map(compactionJSON)),
                    "milliseconds": .int(Int64(seconds * 1000)),
                ]).pretty, terminator: "")
            return
        }
        output.note(
            "joined \(partitions.count) partitions: \(report.joined.count) segments (batches \(batchRanges(report.batches))), \(report.documents) documents in \(String(format: "%.2f", seconds)) s"
        )
        output.note("blocks: \(report.blocks.linked) linked, \(report.blocks.copied) copied, \(report.blocks.present) already present")
        for c in report.compactions {
            output.note("compacted \(c.info.compactedFrom.count) segments into \(c.segment): \(c.info.documents) documents")
        }
        output.note("version \(report.sequence) lists \(report.segments.count) segments")
        output.note("index \(out): root \(report.manifest.root), group \(report.manifest.group)")
    }
}

/// `0-3, 5`: ascending numbers as ranges, so a gap (a partition left out) shows.
func batchRanges(_ sorted: [UInt32]) -> String {
    var out: [String] = []
    var i = 0
    while i < sorted.count {
        var j = i
        while j + 1 < sorted.count && sorted[j + 1] == sorted[j] + 1 { j += 1 }
        out.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
        i = j + 1
    }
    return out.joined(separator: ", ")
}
