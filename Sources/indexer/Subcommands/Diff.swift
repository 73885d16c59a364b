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
        abstract: "List documents added, changed and removed between two versions of an index (notifications).",
        discussion: """
            Segments both versions hold are skipped unread, so the cost follows the size of the \
            change: the newer version's own segments and their tombstones. A page replaced by a \
            new version of itself is listed as changed (~). With --query, only documents matching \
            the query are listed (`@alice`: new posts mentioning alice; `tag:cats`).
            """)

    @Argument(help: "The older index folder or URL.") var old: String
    @Argument(help: "The newer index folder or URL.") var new: String
    @Option(help: "Only list documents matching this query.") var query: String?
    @Flag(help: "Print as JSON.") var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess

    func run() throws {
        let a = try access.openOlder(old).view, b = try access.open(new).view
        let diff = try IndexDiff(from: a, to: b)
        var added = diff.added, removed = diff.removed, changed = diff.changed
        if let query {
            let parsed: QueryNode
            do { parsed = try QueryParser.parse(query) } catch {
                printError(ResultFormatter(output: .pipe).error(error), newline: false)
                throw ExitCode(2)
            }
            let plan = QueryPlan(parsed)
            let keepNew = Set(try SearchEngine(view: b, analyzer: IndexAnalyzer()).matching(plan, among: added.map(\.ref) + changed.map(\.new.ref)))
            let keepOld = Set(try SearchEngine(view: a, analyzer: IndexAnalyzer()).matching(plan, among: removed.map(\.ref)))
            added = added.filter { keepNew.contains($0.ref) }
            removed = removed.filter { keepOld.contains($0.ref) }
            changed = changed.filter { keepNew.contains($0.new.ref) }
        }
        let total = Set(a.segments.map(\.cid)).union(b.segments.map(\.cid)).count
        if json {
            func item(_ e: IndexDiff.Entry) -> JSON {
                .object([
                    "doc": .string(e.ref.description), "url": .string(e.record.url), "title": .string(e.record.title),
                    "date": e.record.date.map { .string(ISODate.format($0)) } ?? .null,
                ])
            }
            print(
                JSON.object([
                    "added": .array(added.map(item)), "removed": .array(removed.map(item)), "changed": .array(changed.map { item($0.new) }),
                    "segmentsRead": .int(Int64(diff.segmentsRead)), "segmentsTotal": .int(Int64(total)),
                ]).pretty, terminator: "")
        } else {
            for e in added { print("+ \(e.record.url)\t\(e.record.title)") }
            for e in changed { print("~ \(e.new.record.url)\t\(e.new.record.title)") }
            for e in removed { print("- \(e.record.url)\t\(e.record.title)") }
            printError("\(added.count) added, \(changed.count) changed, \(removed.count) removed; read \(diff.segmentsRead) of \(total) segments")
        }
    }
}
