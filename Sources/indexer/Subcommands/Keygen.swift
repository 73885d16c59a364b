import ArgumentParser
import Index
import Support

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a group's Ed25519 signing key (the secret file is written with mode 0600).",
        discussion:
            "Prints the group ID (a short hash of the public key) and the public key. Without --key, `build` and `merge` make a new key for each new index in the user's key ring ($XDG_CONFIG_HOME/indexer/keys/<group>.json, else ~/.config/indexer/keys/), and find an existing index's key there by its signer; keygen is for keys kept elsewhere (shared by a group's machines, or a Spark job's)."
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
