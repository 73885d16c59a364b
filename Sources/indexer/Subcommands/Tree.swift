import ArgumentParser
import Blocks
import ProllyTree
import Support

/// Plumbing over raw Prolly trees: build from key/value text, read, diff, merge.
/// ROOT arguments are tree header CIDs as `tree build` and `tree merge` print them.
struct TreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tree",
        abstract: "Build, read, diff and merge raw Prolly trees (plumbing for debugging indexes).",
        discussion: """
            Keys and values are UTF-8 text. Ranges are half-open: --from is inclusive, --to exclusive.
            ROOT is the CID of a tree's header block, as printed by `tree build` and `tree merge`.
            """,
        subcommands: [Build.self, Get.self, Range.self, Count.self, Diff.self, Merge.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(help: "Block store folder (blocks are kept in DIR/blocks/).") var store: String

        func open(create: Bool = false) throws -> DirectoryStore {
            try DirectoryStore(root: store, create: create)
        }
    }

    static func openTree(_ root: String, _ store: BlockStore) throws -> Tree {
        try Tree.open(try CID(root), store: store)
    }

    static func line(_ key: [UInt8], _ value: [UInt8]) -> String {
        String(decoding: key, as: UTF8.self) + "\t" + String(decoding: value, as: UTF8.self)
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a tree from KEY<TAB>VALUE lines (any order; a later duplicate key wins) and print its root CID.")
        @Argument(help: "Text file of key<TAB>value lines, or - for standard input.") var kvFile: String
        @OptionGroup var store: StoreOption
        @Option(help: "Target node size in bytes.") var targetSize = 16 << 10

        func validate() throws {
            guard (64...(4 << 20)).contains(targetSize) else { throw ValidationError("--target-size must be between 64 and 4194304") }
        }

        func run() throws {
            let data = kvFile == "-" ? readAllStandardInput() : try FileSystem.readFile(kvFile)
            var entries: [[UInt8]: [UInt8]] = [:]
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                var l = line
                if l.last == UInt8(ascii: "\r") { l = l.dropLast() }
                if l.isEmpty { continue }
                guard let tab = l.firstIndex(of: UInt8(ascii: "\t")) else {
                    throw CommandFailure("\(kvFile):\(lineNumber): no tab between key and value")
                }
                guard String(validating: l, as: UTF8.self) != nil else {
                    throw CommandFailure("\(kvFile):\(lineNumber): not valid UTF-8")
                }
                entries[Array(l[l.startIndex..<tab])] = Array(l[(tab + 1)...])
            }
            let sorted = entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
            let tree = try TreeBuilder.build(sorted, store: try store.open(create: true), params: TreeParameters(targetSize: targetSize))
            print(tree.headerCID)
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the value stored under KEY; exit 1 if absent.")
        @Argument(help: "Tree root CID.") var root: String
        @Argument(help: "Key.") var key: String
        @OptionGroup var store: StoreOption

        func run() throws {
            let tree = try TreeCommand.openTree(root, try store.open())
            guard let value = try tree.get(Array(key.utf8)) else {
                printError("key not found: \(key)")
                throw ExitCode(1)
            }
            print(String(decoding: value, as: UTF8.self))
        }
    }

    struct Range: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print KEY<TAB>VALUE lines for keys in [--from, --to).")
        @Argument(help: "Tree root CID.") var root: String
        @Option(help: "First key (inclusive).") var from: String?
        @Option(help: "End key (exclusive).") var to: String?
        @OptionGroup var store: StoreOption

        func run() throws {
            let tree = try TreeCommand.openTree(root, try store.open())
            var cursor = tree.scan(from: from.map { Array($0.utf8) }, to: to.map { Array($0.utf8) })
            let out = OutputBuffer(fd: 1)
            while let (k, v) = try cursor.nextEntry() { try out.line(TreeCommand.line(k, v)) }
            try out.flush()
        }
    }

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count keys in [--from, --to) from subtree counts (reads only the two boundary paths).")
        @Argument(help: "Tree root CID.") var root: String
        @Option(help: "First key (inclusive).") var from: String?
        @Option(help: "End key (exclusive).") var to: String?
        @OptionGroup var store: StoreOption

        func run() throws {
            let tree = try TreeCommand.openTree(root, try store.open())
            print(try tree.count(from: from.map { Array($0.utf8) }, to: to.map { Array($0.utf8) }))
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print +key (only in B), -key (only in A) and ~key (value changed) lines, skipping equal subtrees.")
        @Argument(help: "Old tree root CID.") var rootA: String
        @Argument(help: "New tree root CID.") var rootB: String
        @OptionGroup var store: StoreOption

        func run() throws {
            let s = try store.open()
            let reader = NodeReader(store: s)
            let a = try Tree.open(try CID(rootA), reader: reader), b = try Tree.open(try CID(rootB), reader: reader)
            let out = OutputBuffer(fd: 1)
            let nodes = try a.diff(b) { d in
                switch d {
                case .added(let k, _): try out.line("+" + String(decoding: k, as: UTF8.self))
                case .removed(let k, _): try out.line("-" + String(decoding: k, as: UTF8.self))
                case .changed(let k, _, _): try out.line("~" + String(decoding: k, as: UTF8.self))
                }
            }
            try out.flush()
            printError("read \(nodes) nodes")
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Union of trees (on equal keys with different values the greatest value wins); print the new root CID.")
        @Argument(help: "Tree root CIDs.") var roots: [String]
        @OptionGroup var store: StoreOption

        func validate() throws {
            guard !roots.isEmpty else { throw ValidationError("give at least one ROOT") }
        }

        func run() throws {
            let s = try store.open()
            let reader = NodeReader(store: s)
            let trees = try roots.map { try Tree.open(try CID($0), reader: reader) }
            let (merged, stats) = try Tree.union(trees)
            print(merged.headerCID)
            printError(
                "reused \(stats.blocksReused), written \(stats.blocksWritten) blocks (\(stats.subtreesReused) subtrees reused whole, \(stats.nodesRead) nodes read)"
            )
        }
    }
}
