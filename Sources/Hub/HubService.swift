import Blocks
import Foundation
import GRDB
import Index
import Publish
import Sodium
import Support
import Synchronization

/// What `indexer hub` does, without HTTP: registration by a signed nonce, upload sessions,
/// blocks checked against their CIDs and the group's byte quota, and versions accepted only
/// when signed by the group's registered key, newer than the current one, within the upload
/// rate, and complete (every block they reach uploaded) — in one transaction, so nothing is
/// ever half-published. Each group's namespace is a plain index folder
/// `DATA/groups/<group>/` (`manifest.json` mirrors the database, `blocks/<cid>`).
///
/// Methods block (files, SQLite); the HTTP layer runs them on NIO's thread pool.
public final class HubService: Sendable {
    public struct Configuration: Sendable {
        public var data: String
        /// Quota of newly registered groups (`indexer hub quota` changes a group's).
        public var defaultQuota = Quota()
        /// Largest block accepted.
        public var maxBlockSize = 16 << 20
        /// Uploaded blocks no kept version reaches are collected only when older than this, so
        /// a publish in progress keeps its blocks.
        public var pendingGrace: Double = 24 * 3600
        public var nonceLifetime: Double = 300
        /// Manifests of the shared index kept (readers mid-read of an older one still find its blocks).
        public var sharedVersionsKept = 3
        /// The shared index is compacted by the tiered policy once it lists more segments than
        /// this (0: never), as `indexer merge --compact-above` does; its readers then search a
        /// few segments rather than every group's every update.
        public var sharedCompactAbove = 16
        /// Nonces outstanding at most.
        public var maxNonces = 10_000
        public var sessionLifetime: Double = 3600
        /// Fetch registrants' URLs (proof files, followed sites) on loopback and private
        /// networks too; off, anyone registering could make the hub probe its own network.
        public var allowPrivateFollow = false
        /// Receives what the hub cannot answer to anyone (a shared index not updated).
        public var log: @Sendable (String) -> Void = { _ in }
        /// Seconds since 1970; tests move time.
        public var now: @Sendable () -> Double = { Date().timeIntervalSince1970 }
        public init(data: String) { self.data = data }
    }

    public let config: Configuration
    public let db: HubDatabase
    /// Whether a merge of the shared index is running, and whether versions were accepted
    /// since it started (`updateSharedSoon`).
    let sharedMerge = Mutex((running: false, again: false))

    public init(_ config: Configuration) throws {
        self.config = config
        try FileSystem.makeDirectories(config.data + "/groups")
        db = try HubDatabase(path: config.data + "/hub.sqlite")
        // The folders mirror the database: a crash between a commit and the mirror's write is
        // repaired here.
        for g in try db.groups() {
            if let v = try db.versions(publicKey: g.publicKey).last { try writeMirror(group: g.group, manifest: v.manifest) }
        }
    }

    var now: Double { config.now() }
    public func folder(_ group: String) -> String { config.data + "/groups/" + group }
    /// A registered group's blocks (its folder is made at registration; never made here, so
    /// requests naming unregistered groups create nothing).
    public func store(_ group: String) throws -> DirectoryStore { try DirectoryStore(root: folder(group), create: false) }
    /// The same blocks for reading only: looked up in both layouts, so the folder's layout
    /// (its manifest) is not read per request.
    public func readStore(_ group: String) throws -> DirectoryStore {
        try DirectoryStore(root: folder(group), create: false, layout: .fanOut)
    }

    static func randomHex(_ n: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<n).map { _ in UInt8.random(in: 0...255, using: &g) })
    }

    // MARK: Registration and sessions

    public func nonce() throws -> (nonce: String, expires: Double) {
        let nonce = HubService.randomHex(32)
        let expires = now + config.nonceLifetime
        let t = now
        let cap = config.maxNonces
        try db.queue.write { db in
            try db.execute(sql: "DELETE FROM nonces WHERE expires < ?", arguments: [t])
            // Nonces cost nothing to ask for: bound the table.
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM nonces")! < cap else {
                throw HubRefusal(503, "busy", "too many registrations in progress; try again in a few minutes")
            }
            try db.execute(sql: "INSERT INTO nonces (nonce, expires) VALUES (?, ?)", arguments: [nonce, expires])
        }
        return (nonce, expires)
    }

    /// Checks a signed nonce (consuming it) and returns the key, in lowercase hex.
    func proof(_ purpose: String, publicKey: String, nonce: String, signature: String) throws -> [UInt8] {
        guard let key = Hex.decode(publicKey), key.count == Ed25519.publicKeyBytes, let sig = Hex.decode(signature) else {
            throw HubRefusal(400, "bad-request", "publicKey must be 64 hex digits and signature hex")
        }
        let t = now
        let fresh = try db.queue.write { db -> Bool in
            let expires = try Double.fetchOne(db, sql: "SELECT expires FROM nonces WHERE nonce = ?", arguments: [nonce])
            try db.execute(sql: "DELETE FROM nonces WHERE nonce = ?", arguments: [nonce])
            return (expires ?? 0) >= t
        }
        guard fresh else { throw HubRefusal(409, "bad-nonce", "unknown, used or expired nonce: ask for a new one at /api/nonce") }
        guard Ed25519.verify(sig, message: HubProtocol.challenge(purpose: purpose, nonce: nonce), publicKey: key) else {
            throw HubRefusal(403, "bad-signature", "the signature does not verify under key \(Hex.encode(key))")
        }
        return key
    }

    /// Registers the group of the key that signed `nonce` (again: updates the display name).
    /// With `follow`, the group hosts its index at that URL and proves control of the site by
    /// `proofFile`, the file `FOLLOW/indexer-hub-proof.json` (fetched by the caller), which must
    /// hold the same nonce and signature; the signature then covers the URL too.
    public func register(
        publicKey: String, nonce: String, signature: String, name: String?, follow: String? = nil, proofFile: [UInt8]? = nil
    ) throws -> HubGroup {
        if let name, name.isEmpty || name.count > 64 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw HubRefusal(400, "bad-name", "a display name is 1 to 64 characters, no control characters")
        }
        if let follow {
            guard follow.hasPrefix("http://") || follow.hasPrefix("https://"), follow.utf8.count <= 1000 else {
                throw HubRefusal(400, "bad-url", "follow must be an http(s) URL of an index folder")
            }
            let file = proofFile.flatMap { try? JSON.parse($0) }
            guard file?["nonce"]?.string == nonce, file?["signature"]?.string == signature else {
                throw HubRefusal(
                    403, "no-proof", "\(follow)/\(HubProtocol.proofFile) must hold this nonce and signature, to show the site consents")
            }
        }
        let key = try proof(follow.map { "follow \($0)" } ?? "register", publicKey: publicKey, nonce: nonce, signature: signature)
        let hex = Hex.encode(key)
        let group = GroupID(publicKey: key).description
        let q = config.defaultQuota
        let t = now
        try db.queue.write { db in
            if let other = try String.fetchOne(db, sql: "SELECT publicKey FROM groups WHERE groupID = ?", arguments: [group]), other != hex {
                throw HubRefusal(409, "group-id-taken", "group ID \(group) belongs to another key (\(other))")
            }
            if let name,
                try String.fetchOne(db, sql: "SELECT publicKey FROM groups WHERE name = ? AND publicKey != ?", arguments: [name, hex]) != nil
            {
                throw HubRefusal(409, "name-taken", "another group is named \(name)")
            }
            try db.execute(
                sql: """
                    INSERT INTO groups (publicKey, groupID, name, registered, quotaBytes, quotaVersions, quotaUploads, follow)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (publicKey) DO UPDATE SET name = coalesce(excluded.name, name), follow = coalesce(excluded.follow, follow)
                    """, arguments: [hex, group, name, t, q.bytes, q.versions, q.uploadsPerHour, follow])
        }
        try FileSystem.makeDirectories(folder(group) + "/blocks")
        return try db.group(named: hex)!
    }

    /// A token for uploads to the registered group of the key that signed `nonce`.
    public func session(publicKey: String, nonce: String, signature: String) throws -> (token: String, expires: Double, group: String) {
        let key = try proof("session", publicKey: publicKey, nonce: nonce, signature: signature)
        guard let g = try db.group(named: Hex.encode(key)) else {
            throw HubRefusal(404, "unregistered", "key \(Hex.encode(key)) is not registered here: run `indexer hub register URL` first")
        }
        let token = HubService.randomHex(32)
        let expires = now + config.sessionLifetime
        let t = now
        try db.queue.write { db in
            try db.execute(sql: "DELETE FROM sessions WHERE expires < ?", arguments: [t])
            try db.execute(
                sql: "INSERT INTO sessions (tokenHash, publicKey, expires) VALUES (?, ?, ?)",
                arguments: [HubService.tokenHash(token), g.publicKey, expires])
        }
        return (token, expires, g.group)
    }

    static func tokenHash(_ token: String) -> String { CID(of: Array(token.utf8)).description }

    /// The group a bearer token opens, which must be the one the path names.
    public func authorize(token: String?, group: String) throws -> HubGroup {
        guard let token else { throw HubRefusal(401, "unauthorized", "uploads need `Authorization: Bearer <token>` from /api/session") }
        let t = now
        let key = try db.queue.read { db in
            try String.fetchOne(
                db, sql: "SELECT publicKey FROM sessions WHERE tokenHash = ? AND expires >= ?", arguments: [HubService.tokenHash(token), t])
        }
        guard let key, let g = try db.group(named: key) else { throw HubRefusal(401, "unauthorized", "unknown or expired session token") }
        guard g.group == group else { throw HubRefusal(403, "wrong-group", "this session uploads to group \(g.group), not \(group)") }
        return g
    }

    // MARK: Blocks

    public func missing(group: HubGroup, cids: [CID]) throws -> [CID] {
        let s = try store(group.group)
        return try cids.filter { !(try s.has($0)) }
    }

    /// Stores one uploaded block after checking it against its CID and the group's byte quota.
    public func putBlock(group: HubGroup, cid: CID, bytes: [UInt8]) throws {
        guard bytes.count <= config.maxBlockSize else {
            throw HubRefusal(413, "block-too-large", "block is \(bytes.count) bytes, over the \(config.maxBlockSize)-byte limit")
        }
        guard cid.codec == CID.dagCBOR || cid.codec == CID.raw, cid.matches(bytes) else {
            throw HubRefusal(400, "cid-mismatch", "the bytes do not hash to \(cid)")
        }
        let key = group.publicKey
        let size = Int64(bytes.count)
        let t = now
        try db.queue.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM blocks WHERE publicKey = ? AND cid = ?", arguments: [key, cid.description]) != nil {
                return
            }
            let row = try Row.fetchOne(db, sql: "SELECT bytesUsed, quotaBytes FROM groups WHERE publicKey = ?", arguments: [key])!
            let used: Int64 = row["bytesUsed"], limit: Int64 = row["quotaBytes"]
            guard used + size <= limit else {
                throw HubRefusal(
                    413, "quota-bytes",
                    "group \(group.group) stores \(used) of its \(limit) bytes; this \(size)-byte block does not fit",
                    details: ["used": .int(used), "limit": .int(limit), "size": .int(size)])
            }
            try db.execute(
                sql: "INSERT INTO blocks (publicKey, cid, size, uploaded) VALUES (?, ?, ?, ?)", arguments: [key, cid.description, size, t])
            try db.execute(sql: "UPDATE groups SET bytesUsed = bytesUsed + ? WHERE publicKey = ?", arguments: [size, key])
        }
        // Counted before written: a crash in between leaves a row without a file, which
        // `missing` reports, so the client sends it again (counted once).
        try store(group.group).put(bytes, cid: cid)
    }

    // MARK: Versions

    /// Accepts `bytes` as the group's new `manifest.json`, or refuses it with the reason.
    public func publish(group: HubGroup, manifest bytes: [UInt8]) throws -> HubVersion {
        let path = "/groups/\(group.group)/manifest.json"
        let manifest: Manifest
        do { manifest = try Manifest.parse(bytes, path: path) } catch let e as IndexError {
            if case .badSignature = e { throw HubRefusal(403, "bad-signature", "\(e)") }
            throw HubRefusal(400, "bad-manifest", "\(e)")
        }
        guard Hex.encode(manifest.signer) == group.publicKey else {
            throw HubRefusal(403, "wrong-key", "signed by \(Hex.encode(manifest.signer)), not by the group's registered key \(group.publicKey)")
        }
        let kept = try db.versions(publicKey: group.publicKey)
        let current = try kept.last.map { try Manifest.parse($0.manifest, path: path) }
        let store = try store(group.group)

        // Complete first: every block the new version reaches must be here (subtrees of
        // segments kept versions list were checked when those were accepted).
        let complete = Set(try kept.flatMap { try HubService.segments(of: Manifest.parse($0.manifest, path: path)) })
        let (_, missing) = try BlockCollector.reachable(from: [manifest.root], in: store, complete: complete)
        if !missing.isEmpty {
            throw HubRefusal(
                409, "missing-blocks", "\(missing.count) blocks this version reaches were not uploaded, e.g. \(missing[0])",
                details: ["missing": .array(missing.prefix(100).map { .string($0.description) }), "count": .int(Int64(missing.count))])
        }
        let view: IndexView
        do { view = try IndexView.open([.init(manifestBytes: bytes, path: path, store: store)]) } catch {
            throw HubRefusal(409, "invalid-index", "\(error)")
        }
        if let bad = view.excluded.first(where: { $0.kind == .invalid }) { throw HubRefusal(409, "invalid-index", bad.reason) }
        if let current {
            do {
                let verdict = try VersionRules.check(
                    current: ListedVersion.listed(in: current), new: ListedVersion.listed(in: manifest), destination: "the hub",
                    allowDroppingGroups: false)
                if verdict == .same { throw HubRefusal(409, "stale", "the hub already holds these versions; rebuild to publish a newer one") }
            } catch let e as PublishError {
                throw HubRefusal(409, "stale", "\(e)")
            }
        }

        let t = now
        let previous = kept.last?.number ?? 0
        let version = HubVersion(number: previous + 1, root: manifest.root.description, manifest: bytes, accepted: t)
        let key = group.publicKey
        let dropped = try db.queue.write { db -> Int in
            let limits = try Row.fetchOne(db, sql: "SELECT quotaUploads, quotaVersions FROM groups WHERE publicKey = ?", arguments: [key])!
            let perHour: Int = limits["quotaUploads"], keep: Int = limits["quotaVersions"]
            let recent =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM log WHERE kind = 'group' AND publicKey = ? AND accepted > ?", arguments: [key, t - 3600]) ?? 0
            guard recent < perHour else {
                throw HubRefusal(
                    409, "quota-uploads", "group \(group.group) published \(recent) versions in the last hour, its limit",
                    details: ["limit": .int(Int64(perHour)), "recent": .int(Int64(recent))])
            }
            // Another publish of this group may have won since the checks above.
            let latest = try Int.fetchOne(db, sql: "SELECT max(number) FROM versions WHERE publicKey = ?", arguments: [key]) ?? 0
            guard latest == previous else { throw HubRefusal(409, "stale", "another version was accepted meanwhile; publish again") }
            try db.execute(
                sql: "INSERT INTO versions (publicKey, number, root, manifest, accepted) VALUES (?, ?, ?, ?, ?)",
                arguments: [key, version.number, version.root, Data(bytes), t])
            _ = try HubDatabase.appendLog(db, kind: "group", publicKey: key, number: version.number, root: version.root, accepted: t)
            try db.execute(
                sql: "DELETE FROM versions WHERE publicKey = ? AND number <= ?", arguments: [key, version.number - max(1, keep)])
            return db.changesCount
        }
        try writeMirror(group: group.group, manifest: bytes)
        if dropped > 0 { _ = try collect(group: group) }
        // The version is accepted whatever happens to the shared index; a failure is logged.
        if try db.group(named: key)?.shared == true {
            do { try updateSharedSoon() } catch {
                config.log("shared index not updated after group \(group.group)'s version \(version.number): \(error)")
            }
        }
        return version
    }

    /// Segment roots a manifest's summary lists.
    static func segments(of m: Manifest) -> [CID] {
        (m.summary["versions"]?.array ?? []).flatMap { v in
            (v["segments"]?.array ?? []).compactMap { $0["root"]?.string.flatMap { try? CID($0) } }
        }
    }

    func writeMirror(group: String, manifest: [UInt8]) throws {
        try FileSystem.makeDirectories(folder(group))
        // The bootstrap file the manifest signs, rebuilt from the group's blocks (uploads and
        // follows send only blocks and the manifest); without it readers fetch those blocks.
        if let store = try? store(group) { _ = try? Bootstrap.writeFile(forManifest: manifest, store: store, folder: folder(group)) }
        try FileSystem.writeAtomically(folder(group) + "/" + Manifest.fileName, manifest, sync: true)
    }

    /// Removes the group's blocks no kept version reaches, uploaded longer ago than the grace
    /// period; returns how many.
    public func collect(group: HubGroup) throws -> Int {
        let store = try store(group.group)
        let roots = try db.versions(publicKey: group.publicKey).map { try CID($0.root) }
        let (reached, _) = try BlockCollector.reachable(from: roots, in: store)
        let before = now - config.pendingGrace
        let key = group.publicKey
        let stale = try db.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT cid, size FROM blocks WHERE publicKey = ? AND uploaded < ?", arguments: [key, before])
                .compactMap { r -> (CID, Int64)? in (try? CID(r["cid"] as String)).map { ($0, r["size"]) } }
                .filter { !reached.contains($0.0) }
        }
        for (cid, size) in stale {
            try db.queue.write { db in
                try db.execute(sql: "DELETE FROM blocks WHERE publicKey = ? AND cid = ?", arguments: [key, cid.description])
                try db.execute(sql: "UPDATE groups SET bytesUsed = bytesUsed - ? WHERE publicKey = ?", arguments: [size, key])
            }
            try FileSystem.removeTree(store.path(of: cid))
        }
        return stale.count
    }

    /// The group named `group` (its 16-hex ID) and its current version.
    public func current(group: String) throws -> (HubGroup, HubVersion?)? {
        guard group.count == 16, let g = try db.group(named: group), g.group == group else { return nil }
        return (g, try db.versions(publicKey: g.publicKey).last)
    }
}
