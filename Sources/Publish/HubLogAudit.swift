import Support

/// The checkpoints of hub logs a reader has verified, one per hub, in a small JSON file in the
/// cache folder (as `SeenVersions` keeps group versions), so the next audit can tell whether the
/// hub's log still extends what was seen.
public struct SeenCheckpoints: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    func read() -> [String: JSON] {
        guard let bytes = try? FileSystem.readFile(path, limit: 16 << 20), let json = try? JSON.parse(bytes) else { return [:] }
        return json["hubs"]?.object ?? [:]
    }

    public func checkpoint(hub: String) -> HubLog.Checkpoint? { read()[hub].flatMap { try? HubLog.Checkpoint(json: $0) } }

    /// Records `checkpoint` for `hub`, never replacing a larger one (another reader may have
    /// seen more since this one read the file).
    public func remember(hub: String, _ checkpoint: HubLog.Checkpoint) throws {
        var hubs = read()
        if let old = hubs[hub].flatMap({ try? HubLog.Checkpoint(json: $0) }), old.size > checkpoint.size { return }
        hubs[hub] = checkpoint.json
        let dir = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if !dir.isEmpty { try FileSystem.makeDirectories(dir) }
        try FileSystem.writeAtomically(
            path, Array(JSON.object(["format": .string("indexer-hub-logs/1"), "hubs": .object(hubs)]).pretty.utf8))
    }
}

/// The outcome of reading a hub's log: the checkpoint served, the entries fetched (from the
/// one asked for, or from the last one seen before, to the checkpoint) and every problem found.
public struct HubLogAudit: Sendable {
    public var checkpoint: HubLog.Checkpoint
    public var previous: HubLog.Checkpoint?
    public var entries: [HubLog.Entry]
    public var problems: [String]
}

extension HubClient {
    /// One page of `/log`: entries after the `after`-th and the checkpoint.
    public func logPage(after: Int) async throws -> (entries: [HubLog.Entry], checkpoint: HubLog.Checkpoint) {
        let page = try await json(.GET, "/log?after=\(after)")
        do {
            guard let cp = page["checkpoint"] else { throw HubLogError.malformed("no checkpoint") }
            return (try (page["entries"]?.array ?? []).map { j throws(HubLogError) in try HubLog.Entry(json: j) }, try HubLog.Checkpoint(json: cp))
        } catch {
            throw PublishError.transport(url: base + "/log", message: "\(error)")
        }
    }

    /// Fetches the log from entry `since` (all of it when nothing was seen before) and checks it:
    /// the chain, the checkpoint's signature under `expectedKey` (or the key seen before), and
    /// that it extends `seen` — same entry at the size seen then, never fewer entries.
    public func auditLog(seen: HubLog.Checkpoint?, since: Int?, expectedKey: String?) async throws -> HubLogAudit {
        let seenSize = seen?.size ?? 0
        // From the entry seen last, so the chain links what is new to what was checked then.
        let first = seenSize == 0 ? 1 : max(1, min(since ?? seenSize, seenSize))
        var (entries, checkpoint) = try await logPage(after: first - 1)
        while let last = entries.last?.sequence, last < checkpoint.size {
            let more = try await logPage(after: last).entries.filter { $0.sequence <= checkpoint.size }
            if more.isEmpty { break }
            entries += more
        }
        entries = entries.filter { $0.sequence <= checkpoint.size }
        var problems: [String] = []
        if let seen, checkpoint.size < seen.size {
            problems.append("the log has \(checkpoint.size) entries, fewer than the \(seen.size) seen before: it was truncated or rolled back")
        } else {
            let anchor = first == 1 ? HubLog.genesis : (entries.first?.previous ?? "")
            problems += HubLog.verify(
                entries: entries, first: first, previousHash: anchor, checkpoint: checkpoint, expectedKey: expectedKey ?? seen?.publicKey)
            if let seen, seen.size > 0, let e = entries.first(where: { $0.sequence == seen.size }), e.hash != seen.head {
                problems.append("entry \(seen.size) changed since it was seen (its hash was \(seen.head), now \(e.hash)): the log was rewritten")
            }
        }
        return HubLogAudit(checkpoint: checkpoint, previous: seen, entries: entries, problems: problems)
    }
}
