import ArgumentParser
import Blocks
import Foundation
import Index
import Support

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Documents, terms, postings, and per tree: blocks, bytes, depth and node sizes.")

    @Argument(help: "Index folders or http(s):// URLs (several: their composition, as if merged).") var index: [String]
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess

    func run() throws {
        let view = try access.open(index).view
        reportExclusions(view)
        let inspection = IndexInspection.inspect(view, recompute: false)
        let postings = inspection.postings
        if json {
            let trees: [String: JSON] = Dictionary(
                uniqueKeysWithValues: inspection.trees.map { t in
                    let figures: [String: JSON] = [
                        "entries": .int(Int64(t.entries)), "blocks": .int(Int64(t.blocks)), "bytes": .int(Int64(t.bytes)),
                        "depth": .int(Int64(t.depth)), "nodeBytesMin": .int(Int64(t.minNode)),
                        "nodeBytesMedian": .int(Int64(t.medianNode)), "nodeBytesMax": .int(Int64(t.maxNode)),
                    ]
                    return (t.name, JSON.object(figures))
                })
            let versions: [JSON] = view.versions.map { cid, v in
                .object([
                    "group": .string(v.group.description), "publicKey": .string(Hex.encode(v.publicKey)),
                    "sequence": .int(Int64(clamping: v.sequence)), "version": .string(cid.description),
                    "segments": .int(Int64(v.segments.count)),
                ])
            }
            let segments: [JSON] = view.segments.map { s in
                .object([
                    "root": .string(s.cid.description), "documents": .int(Int64(s.info.documents)),
                    "tombstones": .int(Int64(s.info.tombstones.count)),
                    "batches": .array(s.info.batches.map { .string($0.id.description) }),
                ])
            }
            let out: [String: JSON] = [
                "root": .string(view.manifest.root.description), "analyzer": .string(view.analyzer),
                "documents": .int(Int64(view.documentCount)), "tombstoned": .int(Int64(view.tombstones.count)),
                "terms": .int(Int64(inspection.distinctTerms)), "postings": .int(Int64(postings)),
                "versions": .array(versions), "segments": .array(segments), "trees": .object(trees),
                "excluded": .array(view.excluded.map { .string($0.reason) }),
                "problems": .array(inspection.problems.map { .string($0) }),
            ]
            print(JSON.object(out).pretty, terminator: "")
        } else {
            print("index      \(index.joined(separator: " + "))  root \(view.manifest.root)")
            print("analyzer   \(view.analyzer)")
            print(
                "documents  \(view.documentCount) live (\(view.tombstones.count) tombstoned) in \(view.versions.count) group(s), \(view.segments.count) segment(s)"
            )
            for (_, v) in view.versions {
                print("  group \(v.group)  version \(v.sequence)  \(v.segments.count) segment(s)  key \(Hex.encode(v.publicKey))")
            }
            print("terms      \(inspection.distinctTerms) (summed over segments)")
            print("postings   \(postings)")
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
    @Flag(
        help: ArgumentHelp(
            "Also recompute every compacted segment (a group's own, and each merger's) from its inputs and compare CIDs.",
            discussion:
                "The inputs are always in the index: a compacted segment links them (compactedFrom), so they stay in its folder and CAR export."
        ))
    var recompute = false
    @Flag(help: "Print the verdict as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess
    @OptionGroup(title: "Output") var output: Verbosity

    func run() throws {
        var problems: [String] = []
        var notes: [String] = []
        var root = ""
        var signer = ""
        var blocks = 0
        var recomputed = 0
        do {
            let view = try access.open(index).view
            root = view.manifest.root.description
            signer = view.manifest.group.description
            // Untrusted or replaced versions are a reader's choice; anything else left out was
            // forged, replayed or inconsistent, and the index does not verify.
            for e in view.excluded { if e.kind == .invalid { problems.append(e.reason) } else { notes.append(e.reason) } }
            let inspection = IndexInspection.inspect(view, recompute: true)
            problems += inspection.problems
            blocks = inspection.trees.reduce(0) { $0 + $1.blocks } + 1
            for t in inspection.trees { output.detail("tree \(t.name): \(t.blocks) blocks, \(t.entries) entries checked") }
            if recompute {
                let check = IndexCompaction.verify(view, scratch: NSTemporaryDirectory())
                problems += check.problems
                recomputed = check.checked
            }
        } catch {
            problems.append("\(error)")
        }
        if json {
            print(
                JSON.object([
                    "index": .string(index), "ok": .bool(problems.isEmpty), "root": .string(root), "signer": .string(signer),
                    "blocksChecked": .int(Int64(blocks)), "compactionsRecomputed": .int(Int64(recomputed)),
                    "problems": .array(problems.map { .string($0) }),
                    "notes": .array(notes.map { .string($0) }),
                ]).pretty, terminator: "")
        } else {
            for n in notes { printError("note: \(n)") }
            if problems.isEmpty {
                let again = recompute ? ", \(recomputed) compacted segment(s) recomputed" : ""
                print("ok: \(index) (root \(root), signed by \(signer)); \(blocks) blocks checked\(again)")
            } else {
                for p in problems { printError("problem: \(p)") }
            }
        }
        if !problems.isEmpty { throw ExitCode.failure }
    }
}

func pad(_ s: String, _ n: Int, left: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, n - s.count))
    return left ? fill + s : s + fill
}
