import ArgumentParser
import Blocks

struct CarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "car",
        abstract: "Export a DAG to a CAR v1 file or import one into a block store.",
        subcommands: [Export.self, Import.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write every block reachable from ROOT to a CAR v1 file.")
        @Argument(help: "Root CID (base32, b…).") var root: String
        @Option(help: "Block store folder (holds blocks/).") var store: String
        @Option(name: .shortAndLong, help: "Output CAR file.") var output: String

        func run() throws {
            let cid = try CID(root)
            let s = try DirectoryStore(root: store, create: false)
            let n = try CAR.export(root: cid, from: s, to: output)
            printError("wrote \(n) blocks to \(output)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read a CAR v1 file into a block store, verifying every block; prints its roots.")
        @Argument(help: "CAR v1 file.") var file: String
        @Option(help: "Block store folder (created if missing).") var store: String

        func run() throws {
            let s = try DirectoryStore(root: store)
            let (roots, n) = try CAR.importFile(file, into: s)
            for r in roots { print(r) }
            printError("imported \(n) blocks")
        }
    }
}
