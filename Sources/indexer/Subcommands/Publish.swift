import ArgumentParser
import Blocks
import Index
import Publish
import Remote
import Support
import Synchronization

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Send an index to a folder (a static site, a mounted bucket) or a hub: only what it lacks, the manifest last.",
        discussion: """
            DEST is a folder or a hub URL (http(s)://HUB, or HUB/groups/<group>). Only the \
            blocks DEST lacks are sent, children before parents, then manifest.json, written \
            atomically: a reader never sees a manifest whose blocks are missing, and an \
            interrupted publish run again sends only what is left. Refused: replacing a newer \
            version of a group, a different version under an equal sequence number, and \
            (unless --force) an index signed by another key or one dropping a group DEST \
            lists. A folder keeps every manifest published as versions/<n>.json; --keep N \
            keeps the newest N and removes the blocks no kept manifest reaches (--prune \
            alone removes those and keeps every logged manifest). A hub needs the group \
            registered first (indexer hub register HUB).
            """)

    @Argument(help: "The index folder to publish.") var index: String
    @Argument(help: "Destination folder or hub URL.") var dest: String
    @Flag(help: "Replace an index signed by another key, or one listing groups this one lacks.") var force = false
    @Option(help: ArgumentHelp("Keep the newest N published manifests (folder); implies --prune.", valueName: "N")) var keep: Int?
    @Flag(help: "Remove blocks no kept manifest reaches (folder; a hub collects by itself).") var prune = false
    @Option(help: "Key for a hub session (default: the key in the user's key ring that signed INDEX); must be the manifest's signer.") var key:
        String?
    @Flag(help: "Print the summary as JSON.") var json = false
    @OptionGroup(title: "Output") var output: Verbosity

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1 (the current manifest)") }
    }

    var isHub: Bool { dest.hasPrefix("http://") || dest.hasPrefix("https://") }

    func run() async throws {
        let started = monotonicSeconds()
        var options = Publisher.Options()
        options.force = force
        let draw = output.showsProgress && !json
        let last = Mutex(0.0)
        let progress: @Sendable (Publisher.Progress) -> Void = { p in
            guard draw else { return }
            let now = monotonicSeconds()
            let done = p.blocksSent == p.blocksTotal
            let due = last.withLock { l -> Bool in
                guard done || now - l > 0.25 else { return false }
                l = now
                return true
            }
            guard due else { return }
            printError(
                "\r\u{1B}[Ksending \(p.blocksSent)/\(p.blocksTotal) blocks, \(megabytes(p.bytesSent))/\(megabytes(p.bytesTotal)) MB", newline: false)
        }
        let report: Publisher.Report
        var collected: BlockCollector.Report? = nil
        do {
            if isHub {
                if keep != nil || prune { throw CommandFailure("--keep and --prune apply to folders; a hub keeps versions by its quota") }
                let (base, named) = HubClient.parse(dest)
                let groupKey = try loadKey(key, .signerOf(index))
                if let named, named != groupKey.group.description {
                    throw CommandFailure("\(dest) names group \(named), but the key is group \(groupKey.group)")
                }
                let client = HubClient(base: base)
                do {
                    let destination = try await HubDestination(client: client, key: groupKey)
                    report = try await Publisher.publish(index: index, to: destination, options: options, progress: progress)
                } catch {
                    await client.shutdown()
                    throw error
                }
                await client.shutdown()
            } else {
                let destination = try FolderDestination(folder: dest)
                defer { destination.release() }
                report = try await Publisher.publish(index: index, to: destination, options: options, progress: progress)
                if prune || keep != nil { collected = try BlockCollector.collectLocked(folder: dest, keep: keep, dryRun: false) }
            }
        } catch let e as PublishError {
            if draw { printError("") }
            throw CommandFailure("\(e)")
        }
        if draw && report.blocksSent > 0 { printError("") }
        // A folder is a static site: it gets the search page too, as `build` writes it (a hub
        // serves groups' folders itself).
        let page = isHub ? nil : SearchPageFiles.write(into: dest, output: output, json: json)
        let seconds = monotonicSeconds() - started
        if json {
            var o: [String: JSON] = [
                "destination": .string(dest), "root": .string(report.root.description), "published": .bool(report.published),
                "previousRoot": report.previousRoot.map { .string($0.description) } ?? .null,
                "blocksSent": .int(Int64(report.blocksSent)), "bytesSent": .int(Int64(report.bytesSent)),
                "blocksLinked": .int(Int64(report.blocksLinked)), "blocksPresent": .int(Int64(report.blocksPresent)),
                "versions": .array(
                    report.versions.map {
                        .object([
                            "group": .string($0.group.description), "sequence": .int(Int64(clamping: $0.sequence)),
                            "version": .string($0.cid.description),
                        ])
                    }),
                "milliseconds": .int(Int64(seconds * 1000)),
                "searchPage": page.map { .string($0 + "/index.html") } ?? .null,
            ]
            if let collected { o["pruned"] = collectionJSON(collected) }
            print(JSON.object(o).pretty, terminator: "")
            return
        }
        if !report.published {
            output.note("\(dest) already holds this index (root \(report.root)); nothing sent")
        } else {
            output.note(
                "sent \(report.blocksSent) blocks, \(report.bytesSent) bytes (\(report.blocksLinked) hard-linked; \(report.blocksPresent) already there) in \(String(format: "%.2f", seconds)) s"
            )
            for v in report.versions { output.note("group \(v.group) version \(v.sequence)") }
            output.note("published \(dest): root \(report.root)" + (report.previousRoot.map { ", replacing \($0)" } ?? ""))
        }
        if let collected { printCollection(collected) }
    }
}

func megabytes(_ n: Int) -> String { String(format: "%.1f", Double(n) / 1e6) }

struct GcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove blocks no kept manifest reaches, and scratch folders of builds that died.",
        discussion: """
            Kept: manifest.json and the published manifests in versions/ (the newest N with \
            --keep N). Blocks manifest.json reaches are never removed, so a folder being served \
            stays whole; readers of a dropped older manifest may miss blocks. Runs under the \
            folder's lock (a publish waits), and removes no block while a build is writing \
            into the folder. .build-<pid> folders and temporary files of dead processes go. \
            Other files in blocks/ (named by no CID: not blocks, nor ours) are listed and left \
            in place; `serve` never serves them.
            """)

    @Argument(help: "Index folder.") var index: String
    @Option(help: ArgumentHelp("Keep the newest N manifests of versions/ (default: all).", valueName: "N")) var keep: Int?
    @Flag(name: .customLong("dry-run"), help: "Report what would be removed; remove nothing.") var dryRun = false
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() throws {
        guard FileSystem.isDirectory(index + "/blocks") else { throw CommandFailure("\(index) is not an index folder (no blocks/)") }
        let report: BlockCollector.Report
        do { report = try BlockCollector.collect(folder: index, keep: keep, dryRun: dryRun) } catch let e as PublishError {
            throw CommandFailure("\(e)")
        }
        if json {
            print(collectionJSON(report).pretty, terminator: "")
        } else {
            printCollection(report, dryRun: dryRun)
        }
        if !report.missing.isEmpty { throw ExitCode(3) }
    }
}

func collectionJSON(_ r: BlockCollector.Report) -> JSON {
    .object([
        "keptManifests": .int(Int64(r.keptManifests)), "removedManifests": .array(r.removedManifests.map(JSON.string)),
        "blocksKept": .int(Int64(r.blocksKept)), "blocksRemoved": .int(Int64(r.blocksRemoved)),
        "bytesRemoved": .int(Int64(clamping: r.bytesRemoved)), "missing": .array(r.missing.map { .string($0.description) }),
        "scratchRemoved": .array(r.scratchRemoved.map(JSON.string)), "notBlocks": .array(r.notBlocks.map(JSON.string)),
        "skipped": r.skipped.map(JSON.string) ?? .null,
    ])
}

func printCollection(_ r: BlockCollector.Report, dryRun: Bool = false) {
    let verb = dryRun ? "would remove" : "removed"
    if let s = r.skipped { printError("note: \(s)") }
    printError(
        "\(verb) \(r.blocksRemoved) blocks (\(r.bytesRemoved) bytes), \(r.removedManifests.count) old manifests, \(r.scratchRemoved.count) scratch files; kept \(r.blocksKept) blocks of \(r.keptManifests) manifests"
    )
    for p in r.notBlocks.prefix(10) { printError("left in place: \(p) is not named by a CID (not a block)") }
    if r.notBlocks.count > 10 { printError("… and \(r.notBlocks.count - 10) more files not named by a CID, left in place") }
    for c in r.missing.prefix(10) { printError("missing: block \(c), reached by a kept manifest, is not in the folder") }
}
