import ArgumentParser
import Index
import Support

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a group's Ed25519 signing key (the secret file is written with mode 0600).",
        discussion:
            "Prints the group ID (a short hash of the public key) and the public key. Without --key, `build` uses (and on first use creates) a default key in the user's config directory."
    )

    @Option(help: "Key file to create (never overwritten).") var out: String
    @Flag(help: "Print group and public key as JSON.") var json = false

    func run() throws {
        let key = GroupKey.generate()
        try key.write(to: out)
        if json {
            print(
                JSON.object(["group": .string(key.group.description), "publicKey": .string(Hex.encode(key.publicKey)), "file": .string(out)]).pretty,
                terminator: "")
        } else {
            print("group      \(key.group)")
            print("public key \(Hex.encode(key.publicKey))")
            printError("secret key written to \(out) (mode 0600); keep it private")
        }
    }
}
