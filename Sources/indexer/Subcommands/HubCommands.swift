import ArgumentParser
import Hub
import Hummingbird
import Index
import Publish
import Remote
import Support

#if canImport(Glibc)
    import Glibc
#endif

struct HubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "Rehost groups' indexes under quotas: a hub server, its admin commands, and registration with one.",
        subcommands: [
            HubServeCommand.self, HubRegisterCommand.self, HubQuotaCommand.self, HubShareCommand.self, HubGroupsCommand.self, HubLogCommand.self,
        ],
        defaultSubcommand: HubServeCommand.self)
}

struct HubServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a hub (the default: `indexer hub --data DIR`).",
        discussion: """
            Each registered group's index is served as a plain index folder at \
            /groups/<group>/ (manifest.json, blocks/<cid> or blocks/<xy>/<cid>, versions/<n>.json), so `search \
            --index http://HUB/groups/<group>` and `merge` work unchanged. Groups register by \
            signing a hub-issued nonce with their key (`indexer hub register`) and publish with \
            `indexer publish INDEX http://HUB`: each block is checked against its CID and the \
            group's byte quota; a manifest is accepted only if signed by the group's registered \
            key, newer than the current one, within the uploads-per-hour quota, and complete. \
            State is in DIR/hub.sqlite, blocks in DIR/groups/<group>/blocks. Prints the URL on stdout.
            """)

    @Option(help: "Data folder (created): hub.sqlite and groups/.") var data: String
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8090
    @Option(name: .customLong("default-bytes"), help: "Byte quota of newly registered groups.") var defaultBytes: Int64 = 1 << 30
    @Option(name: .customLong("default-versions"), help: "Versions kept for newly registered groups.") var defaultVersions = 10
    @Option(name: .customLong("default-uploads"), help: "Versions per hour newly registered groups may publish.") var defaultUploads = 60
    @Option(
        name: .customLong("shared-compact-above"),
        help: "Compact the shared index by the tiered policy when it lists more segments than this (0: never), as merge --compact-above.")
    var sharedCompactAbove = 16
    @Option(name: .customLong("follow-interval"), help: "Seconds between polls of the groups that host themselves.") var followInterval = 300.0

    @Flag(
        name: .customLong("allow-private-follow"),
        help:
            "Fetch proof files and followed sites on loopback and private networks too (a hub on a LAN); off, the hub fetches only public addresses.")
    var allowPrivateFollow = false

    func validate() throws {
        guard followInterval >= 1 else { throw ValidationError("--follow-interval must be at least 1 second") }
        guard sharedCompactAbove >= 0 else { throw ValidationError("--shared-compact-above must be 0 (never) or more") }
    }

    func run() async throws {
        var config = HubService.Configuration(data: data)
        config.defaultQuota = Quota(bytes: defaultBytes, versions: defaultVersions, uploadsPerHour: defaultUploads)
        config.log = { printError($0) }
        config.allowPrivateFollow = allowPrivateFollow
        config.sharedCompactAbove = sharedCompactAbove
        let hub = try HubService(config)
        // The shared groups may have changed while the hub was down.
        do { try hub.updateShared() } catch { printError("shared index not updated: \(error)") }
        let host = self.host
        let app = buildHubApplication(hub, host: host, port: port) { port in
            var line = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/\n"
            line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        }
        let interval = followInterval
        // Groups hosting themselves are polled in the background until the server stops.
        let poller = Task {
            while !Task.isCancelled {
                await hub.followAll { group, result in
                    switch result {
                    case .success(.accepted(let n, let fetched)):
                        printError("group \(group): followed version \(n) accepted, \(fetched) blocks fetched")
                    case .success(.unchanged): break
                    case .failure(let e): printError("group \(group): follow refused: \(e)")
                    }
                }
                try? await Task.sleep(for: .seconds(interval))
            }
        }
        try await app.runService()
        poller.cancel()
    }
}

struct HubRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a group with a hub: sign the hub's nonce with the group key.",
        discussion: """
            Run again to change the display name. With --follow URL --proof-dir DIR, the group \
            hosts its index itself at URL (DIR is the folder served there): the signed nonce is \
            written to DIR/indexer-hub-proof.json for the hub to fetch, and the hub then polls \
            URL for new versions. Prints the group's entry as the hub has it.
            """)

    @Argument(help: "The hub's URL.") var url: String
    @Option(help: "The group's key file (default: with --index, the key in the user's key ring that signed it; else the ring's only key).") var key:
        String?
    @Option(help: "An index of the group: registers the group whose key signed it.") var index: String?
    @Option(help: "Display name shown for the group (at most 64 characters).") var name: String?
    @Option(help: ArgumentHelp("The group hosts its index at this URL; the hub follows it (polls it for new versions).", valueName: "url"))
    var follow: String?
    @Option(
        name: .customLong("proof-dir"),
        help: ArgumentHelp("With --follow: the folder served at that URL, where the proof file is written.", valueName: "dir"))
    var proofDirectory: String?
    @Flag(help: "Print the hub's answer as JSON.") var json = false

    func validate() throws {
        if (follow == nil) != (proofDirectory == nil) { throw ValidationError("--follow and --proof-dir go together") }
    }

    func run() async throws {
        let groupKey = try loadKey(key, index.map(KeyChoice.signerOf) ?? .only)
        let client = HubClient(base: HubClient.parse(url).base)
        let answer: JSON
        do {
            if let follow, let proofDirectory {
                let site = follow.hasSuffix("/") ? String(follow.dropLast()) : follow
                answer = try await client.register(key: groupKey, name: name, follow: site) { proof in
                    try FileSystem.writeAtomically(proofDirectory + "/" + HubProtocol.proofFile, proof)
                }
            } else {
                answer = try await client.register(key: groupKey, name: name)
            }
        } catch let e as PublishError {
            await client.shutdown()
            throw CommandFailure("\(e)")
        }
        await client.shutdown()
        if json {
            print(answer.pretty, terminator: "")
        } else {
            print("registered group \(groupKey.group)" + (answer["name"]?.string.map { " (\($0))" } ?? "") + " at \(client.base)")
            print("publish with: indexer publish INDEX \(client.base)")
        }
    }
}

/// Options naming a hub's data folder, for the admin commands (they open its database directly).
struct HubData: ParsableArguments {
    @Option(help: "The hub's data folder.") var data: String

    func open() throws -> HubDatabase {
        guard FileSystem.exists(data + "/hub.sqlite") else { throw CommandFailure("\(data) holds no hub (no hub.sqlite)") }
        return try HubDatabase(path: data + "/hub.sqlite")
    }
}

struct HubQuotaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show or set a group's quota on a hub (takes effect at once, the hub running or not).")

    @Argument(help: "The group: its ID, public key or display name.") var group: String
    @OptionGroup var hub: HubData
    @Option(help: "Bytes of blocks the group may store.") var bytes: Int64?
    @Option(help: "Versions kept (older ones are dropped and their blocks collected).") var versions: Int?
    @Option(help: "Versions the group may publish per hour.") var uploads: Int?
    @Flag(help: "Print the group as JSON.") var json = false

    func run() throws {
        let db = try hub.open()
        guard var g = try db.group(named: group) else { throw CommandFailure("no group \(group) registered in \(hub.data)") }
        if let bytes { g.quota.bytes = bytes }
        if let versions { g.quota.versions = max(1, versions) }
        if let uploads { g.quota.uploadsPerHour = uploads }
        try db.setQuota(publicKey: g.publicKey, g.quota)
        if json {
            print(
                JSON.object([
                    "group": .string(g.group), "bytes": .int(g.quota.bytes), "versions": .int(Int64(g.quota.versions)),
                    "uploadsPerHour": .int(Int64(g.quota.uploadsPerHour)), "bytesUsed": .int(g.bytesUsed),
                ]).pretty, terminator: "")
        } else {
            print(
                "group \(g.group)\(g.name.map { " (\($0))" } ?? ""): \(g.bytesUsed) of \(g.quota.bytes) bytes, \(g.quota.versions) versions kept, \(g.quota.uploadsPerHour) uploads per hour"
            )
        }
    }
}

struct HubShareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share",
        abstract: "Include a group in the hub's shared index at /shared/ (or leave it out with --off).",
        discussion: "The shared index is merged again at the group's next accepted version, or when the hub starts.")

    @Argument(help: "The group: its ID, public key or display name.") var group: String
    @OptionGroup var hub: HubData
    @Flag(help: "Leave the group out of the shared index.") var off = false

    func run() throws {
        let db = try hub.open()
        guard let g = try db.group(named: group) else { throw CommandFailure("no group \(group) registered in \(hub.data)") }
        try db.setShared(publicKey: g.publicKey, !off)
        print("group \(g.group)\(g.name.map { " (\($0))" } ?? "") is \(off ? "not " : "")in the shared index")
    }
}

struct HubGroupsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "groups", abstract: "List the groups registered on a hub.")

    @OptionGroup var hub: HubData
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let db = try hub.open()
        var list: [JSON] = []
        for g in try db.groups() {
            let current = try db.versions(publicKey: g.publicKey).last
            if json {
                list.append(
                    .object([
                        "group": .string(g.group), "publicKey": .string(g.publicKey), "name": g.name.map(JSON.string) ?? .null,
                        "bytesUsed": .int(g.bytesUsed), "root": current.map { .string($0.root) } ?? .null,
                    ]))
            } else {
                print("\(g.group)  \(g.name ?? "-")  \(g.bytesUsed)/\(g.quota.bytes) bytes  version \(current?.number ?? 0)  \(current?.root ?? "")")
            }
        }
        if json { print(JSON.object(["groups": .array(list)]).pretty, terminator: "") }
    }
}

struct HubLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Fetch and check a hub's version log: every version it accepted, hash-chained, with a signed checkpoint.",
        discussion: """
            Checks every entry's hash and link, and the checkpoint (the log's size and last hash) \
            signed with the hub's key. The checkpoint is remembered in the cache folder \
            (hub-logs.json); the next run checks that the log still extends it, so a hub that \
            rewrites or drops an entry, truncates the log or changes its key is reported (exit \
            status 1). Prints the entries new since the last run (or from --since).
            """)

    @Argument(help: "The hub's URL.") var url: String
    @Option(help: "Print entries from this one on (1 is the first).") var since: Int?
    @Option(name: .customLong("hub-key"), help: "The hub's public key (hex) the checkpoint must be signed with (default: the one seen before).")
    var hubKey: String?
    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp("Where checkpoints seen are kept (default $XDG_CACHE_HOME/indexer or ~/.cache/indexer).", valueName: "dir"))
    var cacheDirectory: String?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        if let since, since < 1 { throw ValidationError("--since counts from 1") }
        if let hubKey, Hex.decode(hubKey)?.count != 32 { throw ValidationError("--hub-key must be 64 hex digits") }
    }

    func run() async throws {
        let base = HubClient.parse(url).base
        guard let cache = cacheDirectory ?? BlockCache.defaultDirectory() else {
            throw CommandFailure("no cache folder to remember the log's checkpoint in: set --cache-dir")
        }
        let seenFile = SeenCheckpoints(path: cache + "/hub-logs.json")
        let seen = seenFile.checkpoint(hub: base)
        let client = HubClient(base: base)
        let audit: HubLogAudit
        do { audit = try await client.auditLog(seen: seen, since: since, expectedKey: hubKey?.lowercased()) } catch let e as PublishError {
            await client.shutdown()
            throw CommandFailure("\(e)")
        }
        await client.shutdown()
        if audit.problems.isEmpty { try seenFile.remember(hub: base, audit.checkpoint) }
        let from = since ?? ((seen?.size ?? 0) + 1)
        let shown = audit.entries.filter { $0.sequence >= from }
        if json {
            print(
                JSON.object([
                    "hub": .string(base), "checkpoint": audit.checkpoint.json, "previous": audit.previous?.json ?? .null,
                    "entries": .array(shown.map { $0.json }), "problems": .array(audit.problems.map(JSON.string)),
                    "verified": .bool(audit.problems.isEmpty),
                ]).pretty, terminator: "")
        } else {
            for e in shown {
                let who = e.kind == "shared" ? "shared" : GroupID(publicKey: Hex.decode(e.publicKey) ?? []).description
                print("\(e.sequence)  \(e.time)  \(who)  version \(e.number)  \(e.root)")
            }
            for p in audit.problems { printError("problem: \(p)") }
            if audit.problems.isEmpty {
                print(
                    "log verified: \(audit.checkpoint.size) entries, head \(audit.checkpoint.head.prefix(16)), signed by \(audit.checkpoint.publicKey.prefix(16))"
                        + (seen.map { " (extends the \($0.size) seen before)" } ?? ""))
            }
        }
        if !audit.problems.isEmpty { throw CommandFailure("the log of \(base) is not consistent with itself or with what was seen before") }
    }
}
