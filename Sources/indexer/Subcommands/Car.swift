import ArgumentParser
import Blocks
import Index

struct CarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "car",
        abstract: "Export a DAG to a CAR v1 file or import one into a block store.",
        subcommands: [Export.self, Import.self]
    )

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every block reachable from ROOT to a CAR v1 file.",
            discussion: """
                ROOT is an index folder (its manifest's root, verified, and its own blocks: the whole \
                index as one IPFS DAG) or a root CID with --store.
                """)
        @Argument(help: "An index folder, or a root CID (base32, b…) with --store.") var root: String
        @Option(help: "Block store folder (holds blocks/); default: the index folder.") var store: String?
        @Option(name: .shortAndLong, help: "Output CAR file.") var output: String

        func run() throws {
            let cid: CID
            let folder: String
            if let c = try? CID(root) {
                guard let store else { throw ValidationError("a root CID needs --store (or give an index folder)") }
                (cid, folder) = (c, store)
            } else {
                // An index folder: its root as the signed manifest names it.
                cid = try IndexView.open(directory: root, policy: ReadPolicy()).manifest.root
                folder = store ?? root
            }
            let n = try CAR.export(root: cid, from: try DirectoryStore(root: folder, create: false), to: output)
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
