import Foundation
import GRDB
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

    // MARK: Versions

    /// The versions kept for a group, oldest first.
    public func versions(publicKey: String) throws -> [HubVersion] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT number, root, manifest, accepted FROM versions WHERE publicKey = ? ORDER BY number", arguments: [publicKey]
            ).map { HubVersion(number: $0["number"], root: $0["root"], manifest: Array($0["manifest"] as Data), accepted: $0["accepted"]) }
        }
    }
}
