import Blocks
import Index
import Support

/// A group version as a manifest lists it: the key, its sequence number and the version block.
public struct ListedVersion: Equatable, Sendable {
    public var publicKey: [UInt8]
    public var sequence: UInt64
    public var cid: CID
    public var group: GroupID { GroupID(publicKey: publicKey) }

    public init(publicKey: [UInt8], sequence: UInt64, cid: CID) {
        self.publicKey = publicKey
        self.sequence = sequence
        self.cid = cid
    }

    /// The versions a verified manifest's summary lists. The summary is signed with the manifest
    /// and a reader compares it with the blocks, so a destination's or hub's own accepted
    /// manifest can be judged from it without reading blocks.
    public static func listed(in manifest: Manifest) -> [ListedVersion] {
        (manifest.summary["versions"]?.array ?? []).compactMap { v in
            guard let key = v["publicKey"]?.string.flatMap(Hex.decode), case .int(let seq)? = v["sequence"], seq >= 0,
                let cid = v["version"]?.string.flatMap({ try? CID($0) })
            else { return nil }
            return ListedVersion(publicKey: key, sequence: UInt64(seq), cid: cid)
        }
    }
}

/// When an index may replace the one a destination holds: never with an older version of a
/// group (readers would refuse it as a replay anyway), never with a different version under an
/// equal sequence number, and — unless forced — not by dropping a group the destination lists.
/// A merged index is therefore replaced only by one whose versions are all at least as new.
public enum VersionRules {
    public enum Verdict: Equatable, Sendable {
        /// At least one group newer (or added), none older.
        case newer
        /// Exactly the versions the destination holds.
        case same
    }

    public static func check(current: [ListedVersion], new: [ListedVersion], destination: String, allowDroppingGroups: Bool) throws
        -> Verdict
    {
        var byKey: [[UInt8]: ListedVersion] = [:]
        for v in new { byKey[v.publicKey] = v }
        var newer = new.count > current.count
        for c in current {
            guard let n = byKey[c.publicKey] else {
                if !allowDroppingGroups { throw PublishError.dropsGroup(destination: destination, group: c.group.description) }
                newer = true
                continue
            }
            if n.sequence < c.sequence {
                throw PublishError.stale(destination: destination, group: c.group.description, have: c.sequence, publishing: n.sequence)
            }
            if n.sequence == c.sequence {
                if n.cid != c.cid { throw PublishError.equivocation(destination: destination, group: c.group.description, sequence: c.sequence) }
            } else {
                newer = true
            }
        }
        if !newer && Set(current.map(\.publicKey)) != Set(new.map(\.publicKey)) { newer = true }
        return newer ? .newer : .same
    }
}
