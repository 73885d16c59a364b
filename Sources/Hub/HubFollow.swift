import Blocks
import GRDB
import Index
import NIOPosix
import Publish
import Remote
import Support

/// Follow mode: groups that host their index themselves (registered with `follow`) are polled
/// with a conditional GET of their manifest; a new one has only the blocks the namespace lacks
/// fetched (each verified against its CID by the remote store), counted against the group's
/// byte quota, and is then accepted exactly as an upload would be (`publish`).
extension HubService {
    public enum FollowResult: Sendable, Equatable {
        case unchanged
        case accepted(number: Int, blocksFetched: Int)
    }

    /// Polls one followed group; refusals throw `HubRefusal` (the version is not accepted).
    public func follow(group: HubGroup) async throws -> FollowResult {
        guard let url = group.follow else { return .unchanged }
        // Again at each poll: the name may resolve elsewhere now, or the admin changed the flag.
        try await NIOThreadPool.singleton.runIfActive { try HubAddresses.check(url, allowPrivate: self.config.allowPrivateFollow) }
        let fetched = try await HubClient.fetch(url + "/" + Manifest.fileName, etag: group.followETag)
        if fetched.status == 304 { return .unchanged }
        guard fetched.status == 200 else { throw HubRefusal(502, "follow-failed", "\(url)/manifest.json answered HTTP \(fetched.status)") }
        let bytes = fetched.body
        let result = try await NIOThreadPool.singleton.runIfActive { () throws -> FollowResult in
            let manifest: Manifest
            do { manifest = try Manifest.parse(bytes, path: url) } catch { throw HubRefusal(409, "invalid-index", "\(url): \(error)") }
            let root = manifest.root
            if let current = try self.db.versions(publicKey: group.publicKey).last, current.root == root.description { return .unchanged }
            var options = RemoteOptions()
            options.cacheDirectory = nil
            // A redirect would take block requests to an address `HubAddresses` was not asked about.
            options.followRedirects = self.config.allowPrivateFollow
            let remote = try HTTPBlockStore(base: url, layout: manifest.blockLayout, options: options)
            let store = try self.store(group.group)
            let copied: DAGCopy.Summary
            do { copied = try DAGCopy.copy(roots: [root], from: remote, into: store) } catch {
                // What arrived before the failure is counted (and collected later if never used).
                try? self.account(group: group, cids: try store.list(), store: store, enforce: false)
                throw error
            }
            // Every block in the folder not counted yet is one just fetched: listing the folder
            // finds them without reading the version's whole DAG again.
            try self.account(group: group, cids: try store.list(), store: store, enforce: true)
            let v = try self.publish(group: group, manifest: bytes)
            return .accepted(number: v.number, blocksFetched: copied.copied)
        }
        let etag = fetched.etag
        try await db.queue.write { db in
            try db.execute(sql: "UPDATE groups SET followETag = ? WHERE publicKey = ?", arguments: [etag, group.publicKey])
        }
        return result
    }

    /// Counts blocks fetched for a followed group (those of `cids` not counted yet) against its
    /// byte quota; over it (when `enforce`), they are removed and the version refused.
    func account(group: HubGroup, cids: [CID], store: DirectoryStore, enforce: Bool) throws {
        let key = group.publicKey
        let t = now
        let fresh = try db.queue.read { db in
            try cids.filter {
                try Bool.fetchOne(db, sql: "SELECT 1 FROM blocks WHERE publicKey = ? AND cid = ?", arguments: [key, $0.description]) == nil
            }
        }
        let sizes = fresh.map { ($0, Int64(FileSystem.fileSize(store.path(of: $0)))) }
        let added = sizes.reduce(Int64(0)) { $0 + $1.1 }
        do {
            try db.queue.write { db in
                let row = try Row.fetchOne(db, sql: "SELECT bytesUsed, quotaBytes FROM groups WHERE publicKey = ?", arguments: [key])!
                let used: Int64 = row["bytesUsed"], limit: Int64 = row["quotaBytes"]
                guard !enforce || used + added <= limit else {
                    throw HubRefusal(
                        413, "quota-bytes", "group \(group.group) stores \(used) of its \(limit) bytes; the new version needs \(added) more",
                        details: ["used": .int(used), "limit": .int(limit), "size": .int(added)])
                }
                for (cid, size) in sizes {
                    try db.execute(
                        sql: "INSERT INTO blocks (publicKey, cid, size, uploaded) VALUES (?, ?, ?, ?)", arguments: [key, cid.description, size, t])
                }
                try db.execute(sql: "UPDATE groups SET bytesUsed = bytesUsed + ? WHERE publicKey = ?", arguments: [added, key])
            }
        } catch {
            for (cid, _) in sizes { try? FileSystem.removeTree(store.path(of: cid)) }
            throw error
        }
    }

    /// Polls every followed group once; `report` hears each outcome.
    public func followAll(report: @Sendable (String, Result<FollowResult, Error>) -> Void) async {
        for g in (try? db.groups()) ?? [] where g.follow != nil {
            do { report(g.group, .success(try await follow(group: g))) } catch { report(g.group, .failure(error)) }
        }
    }
}
