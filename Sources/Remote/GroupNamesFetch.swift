import Index
import Support
import Synchronization

extension OpenedIndex {
    /// Display names by group ID from each location's `names.json` (as a hub writes beside its
    /// shared index), each used only if signed by the key that signed that location's manifest.
    /// Best effort: a missing, unreadable or unsigned file gives no names, never an error.
    /// Fetched through the location's own connection pool, so `cost` counts the request.
    public func groupNames() -> [String: String] {
        let (names, fetched) = fetchNames()
        for k in fetched { stores[k].http?.fetcher.count { $0.roundTrips += 1 } }
        return names
    }

    /// `work` (a search) with `groupNames()` fetched on a thread of its own meanwhile: its
    /// request overlaps the search's reads instead of waiting a round trip after them (a
    /// merged index's cold query over HTTP paid one more than a group's own). It counts as a
    /// round trip only when `work` made none (every block it read was cached).
    public func groupNames<T>(during work: () throws -> T) throws -> (result: T, names: [String: String]) {
        let before = cost.roundTrips
        let found = FetchedNames()
        let worker = Worker { [self] in
            let got = fetchNames()
            found.value.withLock { $0 = got }
        }
        let result: T
        do { result = try work() } catch {
            worker.join()
            throw error
        }
        worker.join()
        let (names, fetched) = found.value.withLock { $0 }
        if cost.roundTrips == before { for k in fetched { stores[k].http?.fetcher.count { $0.roundTrips += 1 } } }
        return (result, names)
    }

    /// The names, and the locations whose file was asked for over HTTP (round trips not counted).
    private func fetchNames() -> (names: [String: String], fetched: [Int]) {
        var names: [String: String] = [:]
        var fetched: [Int] = []
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
                fetched.append(k)
                bytes = response?.status == 200 ? response?.body : nil
            } else {
                bytes = try? FileSystem.readFile(location + "/" + GroupNames.fileName, limit: 1 << 20)
            }
            if let bytes, let found = GroupNames.verified(bytes, signer: signer) { names.merge(found) { first, _ in first } }
        }
        return (names, fetched)
    }
}

/// What the names thread found, handed back to the caller.
private final class FetchedNames: Sendable {
    let value = Mutex<(names: [String: String], fetched: [Int])>(([:], []))
}
