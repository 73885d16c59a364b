import Index
import Support

extension OpenedIndex {
    /// Display names by group ID from each location's `names.json` (as a hub writes beside its
    /// shared index), each used only if signed by the key that signed that location's manifest.
    /// Best effort: a missing, unreadable or unsigned file gives no names, never an error.
    /// Fetched through the location's own connection pool, so `cost` counts the request.
    public func groupNames() -> [String: String] {
        var names: [String: String] = [:]
        for (k, (location, manifest)) in zip(locations, manifestBytes).enumerated() {
            guard let m = try? Manifest.parse(manifest, path: location) else { continue }
            let signer = m.signer
            // A group's own index needs no names file (and is not asked for one).
            let key = Hex.encode(signer)
            guard (m.summary["versions"]?.array ?? []).contains(where: { $0["publicKey"]?.string != key }) else { continue }
            let bytes: [UInt8]?
            if let fetcher = stores[k].http?.fetcher {
                var request = FetchRequest(url: location + "/" + GroupNames.fileName, limit: 1 << 20)
                request.acceptedStatuses = [404]
                let response = try? fetcher.fetchOne(request)
                fetcher.count { $0.roundTrips += 1 }
                bytes = response?.status == 200 ? response?.body : nil
            } else {
                bytes = try? FileSystem.readFile(location + "/" + GroupNames.fileName, limit: 1 << 20)
            }
            if let bytes, let found = GroupNames.verified(bytes, signer: signer) { names.merge(found) { first, _ in first } }
        }
        return names
    }
}
