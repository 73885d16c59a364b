import ArgumentParser
import Blocks
import Index
import Query
import Search
import SearchOutput
import Support

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List documents added and removed between two versions of an index (notifications).",
        discussion: """
            Compares the document trees, skipping every subtree the two versions share, so the \
            cost follows the size of the change. With --query, only changed documents matching \
            the query are listed (`@alice`: new posts mentioning alice; `tag:cats`).
            """)

    @Argument(help: "The older index folder or URL.") var old: String
    @Argument(help: "The newer index folder or URL.") var new: String
    @Option(help: "Only list documents matching this query.") var query: String?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess
    @OptionGroup(title: "Output") var output: Verbosity

    func run() throws {
        let a = try access.open(old).shard, b = try access.open(new).shard
        let diff = try IndexDiff(from: a, to: b)
        var added = diff.added, removed = diff.removed
        let nodesRead = diff.nodesRead
        if let query {
            let parsed: QueryNode
            do { parsed = try QueryParser.parse(query) } catch {
                printError(ResultFormatter(output: .pipe).error(error), newline: false)
                throw ExitCode.validationFailure
            }
            let plan = QueryPlan(parsed)
            let keepAdded = Set(try SearchEngine(shard: b, analyzer: IndexAnalyzer()).matching(plan, among: added.map(\.ref)))
            let keepRemoved = Set(try SearchEngine(shard: a, analyzer: IndexAnalyzer()).matching(plan, among: removed.map(\.ref)))
            added = added.filter { keepAdded.contains($0.ref) }
            removed = removed.filter { keepRemoved.contains($0.ref) }
        }
        let totalBlocks = (a.docs.root?.blocks ?? 0) + (b.docs.root?.blocks ?? 0)
        if json {
            func item(_ e: IndexDiff.Entry) -> JSON {
                .object([
                    "doc": .string(e.ref.description), "url": .string(e.record.url), "title": .string(e.record.title),
                    "date": e.record.date.map { .string(ISODate.format($0)) } ?? .null,
                ])
            }
            print(
                JSON.object([
                    "added": .array(added.map(item)), "removed": .array(removed.map(item)),
                    "docsNodesRead": .int(Int64(nodesRead)), "docsBlocksTotal": .int(Int64(totalBlocks)),
                ]).pretty, terminator: "")
        } else {
            for e in added { print("+ \(e.record.url)\t\(e.record.title)") }
            for e in removed { print("- \(e.record.url)\t\(e.record.title)") }
            output.note("\(added.count) added, \(removed.count) removed; read \(nodesRead) of \(totalBlocks) document-tree blocks")
        }
    }
}
