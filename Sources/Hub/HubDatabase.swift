import Foundation
import GRDB
import Publish
import Support

/// A group's limits on a hub. `versions` is how many published versions the hub keeps (older
/// ones are dropped and their blocks collected); `bytes` bounds the blocks stored, uploads
/// pending included; `uploadsPerHour` bounds accepted versions per hour.
public struct Quota: Sendable, Equatable {
    public var bytes: Int64
    public var versions: Int
    public var uploadsPerHour: Int
    public init(bytes: Int64 = 1 << 30, versions: Int = 10, uploadsPerHour: Int = 60) {
        self.bytes = bytes
        self.versions = versions
        self.uploadsPerHour = uploadsPerHour
    }
}

/// A registered group as the hub's database holds it.
public struct HubGroup: Sendable, Equatable {
    public var publicKey: String
    public var group: String
    public var name: String?
    public var quota: Quota
    public var bytesUsed: Int64
    /// The URL of the index folder the hub follows for this group (nil: it publishes to the hub).
    public var follow: String?
    /// The validator of the followed manifest last fetched.
    public var followETag: String?
    /// Merged into the shared index at `/shared/`.
    public var shared: Bool
}

/// One accepted version of a group: the n-th manifest the hub published for it.
public struct HubVersion: Sendable {
    public var number: Int
    public var root: String
    public var manifest: [UInt8]
    public var accepted: Double
}

/// The hub's state in SQLite (through GRDB): groups and their keys, names and quotas, nonces,
/// upload sessions, the blocks each group uploaded (for its quota), the versions kept and an
/// append-only log of every accepted version. Blocks themselves are files. The database is the
/// one source of truth for what is published: a version is accepted in one transaction.
public final class HubDatabase: Sendable {
    public let queue: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: config)
        try HubDatabase.migrator.migrate(queue)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE groups (
                      publicKey TEXT PRIMARY KEY, groupID TEXT NOT NULL UNIQUE, name TEXT, registered REAL NOT NULL,
                      quotaBytes INTEGER NOT NULL, quotaVersions INTEGER NOT NULL, quotaUploads INTEGER NOT NULL,
                      bytesUsed INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE nonces (nonce TEXT PRIMARY KEY, expires REAL NOT NULL);
                    CREATE TABLE sessions (tokenHash TEXT PRIMARY KEY, publicKey TEXT NOT NULL, expires REAL NOT NULL);
                    CREATE TABLE versions (
                      publicKey TEXT NOT NULL, number INTEGER NOT NULL, root TEXT NOT NULL, manifest BLOB NOT NULL,
                      accepted REAL NOT NULL, PRIMARY KEY (publicKey, number));
                    CREATE TABLE blocks (
                      publicKey TEXT NOT NULL, cid TEXT NOT NULL, size INTEGER NOT NULL, uploaded REAL NOT NULL,
                      PRIMARY KEY (publicKey, cid));
                    CREATE TABLE log (
                      id INTEGER PRIMARY KEY AUTOINCREMENT, publicKey TEXT NOT NULL, number INTEGER NOT NULL,
                      root TEXT NOT NULL, accepted REAL NOT NULL);
                    CREATE INDEX logByGroup ON log (publicKey, accepted);
                    """)
        }
        m.registerMigration("v2-follow") { db in
            try db.execute(sql: "ALTER TABLE groups ADD COLUMN follow TEXT; ALTER TABLE groups ADD COLUMN followETag TEXT")
        }
        m.registerMigration("v3-shared") { db in
            try db.execute(sql: "ALTER TABLE groups ADD COLUMN shared INTEGER NOT NULL DEFAULT 0")
        }
        // The log becomes a hash chain (`HubLog`); entries logged before are chained in order.
        m.registerMigration("v4-log-chain") { db in
            try db.execute(
                sql: """
                    ALTER TABLE log ADD COLUMN kind TEXT NOT NULL DEFAULT 'group';
                    ALTER TABLE log ADD COLUMN time TEXT; ALTER TABLE log ADD COLUMN previous TEXT; ALTER TABLE log ADD COLUMN hash TEXT;
                    """)
            let rows = try Row.fetchAll(db, sql: "SELECT id, publicKey, number, root, accepted FROM log ORDER BY id")
            try db.execute(sql: "DELETE FROM log")
            for r in rows {
                _ = try HubDatabase.appendLog(
                    db, kind: "group", publicKey: r["publicKey"], number: r["number"], root: r["root"], accepted: r["accepted"])
            }
        }
        return m
    }

    static func group(_ row: Row) -> HubGroup {
        HubGroup(
            publicKey: row["publicKey"], group: row["groupID"], name: row["name"],
            quota: Quota(bytes: row["quotaBytes"], versions: row["quotaVersions"], uploadsPerHour: row["quotaUploads"]),
            bytesUsed: row["bytesUsed"], follow: row["follow"], followETag: row["followETag"],
            shared: row["shared"])
    }

    // MARK: Groups

    public func groups() throws -> [HubGroup] {
        try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM groups ORDER BY groupID").map(HubDatabase.group) }
    }

    /// The group named by its 16-hex group ID, its whole public key or its display name.
    public func group(named name: String) throws -> HubGroup? {
        try queue.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM groups WHERE groupID = ? OR publicKey = ? OR name = ? ORDER BY groupID LIMIT 1",
                arguments: [name.lowercased(), name.lowercased(), name]
            ).map(HubDatabase.group)
        }
    }

    public func setShared(publicKey: String, _ shared: Bool) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE groups SET shared = ? WHERE publicKey = ?", arguments: [shared ? 1 : 0, publicKey])
        }
    }

    public func setQuota(publicKey: String, _ q: Quota) throws {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE groups SET quotaBytes = ?, quotaVersions = ?, quotaUploads = ? WHERE publicKey = ?",
                arguments: [q.bytes, q.versions, q.uploadsPerHour, publicKey])
        }
    }

    // MARK: The version log

    /// Appends an entry to the version log, chained to the last one; called inside the
    /// transaction that accepts the version, so the log and what is published never disagree.
    static func appendLog(_ db: Database, kind: String, publicKey: String, number: Int, root: String, accepted: Double) throws -> HubLog.Entry {
        let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM log ORDER BY id DESC LIMIT 1")
        let entry = HubLog.Entry(
            sequence: (last?["id"] as Int? ?? 0) + 1, time: ISODate.format(Int64(accepted)), kind: kind, publicKey: publicKey, number: number,
            root: root, previous: last?["hash"] ?? HubLog.genesis)
        try db.execute(
            sql: "INSERT INTO log (id, publicKey, number, root, accepted, kind, time, previous, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [entry.sequence, publicKey, number, root, accepted, kind, entry.time, entry.previous, entry.hash])
        return entry
    }

    static func logEntry(_ r: Row) -> HubLog.Entry {
        var e = HubLog.Entry(
            sequence: r["id"], time: r["time"], kind: r["kind"], publicKey: r["publicKey"], number: r["number"], root: r["root"],
            previous: r["previous"])
        // As stored: a damaged row must show as damaged, not be silently rehashed.
        e.hash = r["hash"]
        return e
    }

    /// Up to `limit` log entries after the `after`-th, and the log's size and head hash, read
    /// together so they agree.
    public func log(after: Int, limit: Int) throws -> (entries: [HubLog.Entry], size: Int, head: String) {
        try queue.read { db in
            let last = try Row.fetchOne(db, sql: "SELECT id, hash FROM log ORDER BY id DESC LIMIT 1")
            let entries = try Row.fetchAll(
                db, sql: "SELECT * FROM log WHERE id > ? ORDER BY id LIMIT ?", arguments: [after, limit]
            ).map(HubDatabase.logEntry)
            return (entries, last?["id"] ?? 0, last?["hash"] ?? HubLog.genesis)
        }
    }

    // MARK: Versions

    /// The shared groups that have a version, with their current manifest, by group ID.
    public func sharedCurrent() throws -> [(group: String, publicKey: String, name: String?, manifest: [UInt8])] {
        try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT g.groupID, g.publicKey, g.name, v.manifest FROM groups g JOIN versions v ON v.publicKey = g.publicKey
                    WHERE g.shared = 1 AND v.number = (SELECT max(number) FROM versions WHERE publicKey = g.publicKey)
                    ORDER BY g.groupID
                    """
            ).map { ($0["groupID"], $0["publicKey"], $0["name"], Array($0["manifest"] as Data)) }
        }
    }

    /// The versions kept for a group, oldest first.
    public func versions(publicKey: String) throws -> [HubVersion] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT number, root, manifest, accepted FROM versions WHERE publicKey = ? ORDER BY number", arguments: [publicKey]
            ).map { HubVersion(number: $0["number"], root: $0["root"], manifest: Array($0["manifest"] as Data), accepted: $0["accepted"]) }
        }
    }
}
