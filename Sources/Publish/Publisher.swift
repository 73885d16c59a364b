import Blocks
import Index
import Support
import Synchronization

/// Sends an index folder to a destination: only the blocks it lacks, children before parents
/// (so a present block always has its whole DAG present, and an interrupted publish run again
/// skips what arrived), then the manifest, last. Refuses to replace a newer version of a group
/// (`VersionRules`) and an index signed by another key unless forced.
public enum Publisher {
    public struct Options: Sendable {
        /// Replace an index signed by another key, or one listing groups this one lacks.
        public var force = false
        public init() {}
    }

    public struct Progress: Sendable {
        public var blocksSent = 0
        public var blocksTotal = 0
        public var bytesSent = 0
        public var bytesTotal = 0
    }

    public struct Report: Sendable {
        public var root: CID
        /// The root of the manifest replaced, if any.
        public var previousRoot: CID?
        /// False when the destination already held exactly this manifest.
        public var published = false
        public var blocksSent = 0
        public var bytesSent = 0
        /// Of the blocks sent, those hard-linked rather than copied.
        public var blocksLinked = 0
        /// Blocks found present, whose subtrees were not examined further.
        public var blocksPresent = 0
        public var versions: [ListedVersion] = []
    }

    /// Publishes the index folder `index` to `destination`.
    public static func publish(
        index: String, to destination: PublishDestination, options: Options = .init(),
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Report {
        let source = try IndexView.localSource(index)
        let view: IndexView
        do { view = try IndexView.open([source]) } catch { throw PublishError.indexInvalid(path: index, reason: "\(error)") }
        if let bad = view.excluded.first(where: { $0.kind == .invalid }) { throw PublishError.indexInvalid(path: index, reason: bad.reason) }
        let manifest = view.manifest
        guard let store = source.store as? DirectoryStore else { throw PublishError.indexInvalid(path: index, reason: "not a folder") }
        var report = Report(root: manifest.root, versions: ListedVersion.listed(in: manifest))
        destination.adopt(blockLayout: manifest.blockLayout)

        if let bytes = try await destination.currentManifest() {
            do {
                let current = try Manifest.parse(bytes, path: destination.name + "/" + Manifest.fileName)
                report.previousRoot = current.root
                if current.root == manifest.root && bytes == source.manifestBytes { return report }
                if current.signer != manifest.signer && !options.force {
                    throw PublishError.otherSigner(
                        destination: destination.name, found: current.group.description, publishing: manifest.group.description)
                }
                _ = try VersionRules.check(
                    current: ListedVersion.listed(in: current), new: report.versions, destination: destination.name,
                    allowDroppingGroups: options.force)
            } catch let e as IndexError {
                if !options.force { throw PublishError.destinationUnreadable(destination: destination.name, reason: "\(e)") }
            }
        }

        let sent = try await send(root: manifest.root, from: store, index: index, to: destination, thorough: false, progress: progress)
        report.blocksSent = sent.blocksSent
        report.bytesSent = sent.bytesSent
        report.blocksLinked = sent.blocksLinked
        report.blocksPresent = sent.blocksPresent
        do {
            try await destination.commit(manifest: source.manifestBytes)
        } catch PublishError.refused(_, _, "missing-blocks", _) {
            // The destination lost blocks under a block it holds (a hub collects stale uploads):
            // examine every block once, then commit again.
            let again = try await send(root: manifest.root, from: store, index: index, to: destination, thorough: true, progress: progress)
            report.blocksSent += again.blocksSent
            report.bytesSent += again.bytesSent
            try await destination.commit(manifest: source.manifestBytes)
        }
        report.published = true
        return report
    }

    struct Sent {
        var blocksSent = 0
        var bytesSent = 0
        var blocksLinked = 0
        var blocksPresent = 0
    }

    /// Finds the blocks under `root` the destination lacks, level by level (one `missing`
    /// question per level; a present block's subtree is skipped unless `thorough`), then sends
    /// them in order of height: leaves first, each parent only after all its children.
    static func send(
        root: CID, from store: DirectoryStore, index: String, to destination: PublishDestination, thorough: Bool,
        progress: (@Sendable (Progress) -> Void)?
    ) async throws -> Sent {
        var sent = Sent()
        var links: [CID: [CID]] = [:]
        var sizes: [CID: Int] = [:]
        var visited: Set<CID> = [root]
        var level = [root]
        while !level.isEmpty {
            var lacking = Set<CID>()
            for chunk in stride(from: 0, to: level.count, by: 1000) {
                lacking.formUnion(try await destination.missing(Array(level[chunk..<min(level.count, chunk + 1000)])))
            }
            var next: [CID] = []
            for cid in level {
                let isMissing = lacking.contains(cid)
                if !isMissing {
                    sent.blocksPresent += 1
                    if !thorough { continue }
                }
                let bytes: [UInt8]
                do { bytes = try store.get(cid) } catch BlockError.notFound { throw PublishError.incompleteIndex(path: index, cid: cid) }
                var children: [CID] = []
                if cid.codec == CID.dagCBOR { try DagCBOR.links(of: bytes, into: &children) }
                if isMissing {
                    links[cid] = children
                    sizes[cid] = bytes.count
                }
                for c in children where visited.insert(c).inserted { next.append(c) }
            }
            level = next
        }

        // Height within the missing blocks: 0 for a block none of whose children is missing.
        var height: [CID: Int] = [:]
        for start in links.keys where height[start] == nil {
            var stack: [(CID, Bool)] = [(start, false)]
            while let (cid, expanded) = stack.popLast() {
                if height[cid] != nil { continue }
                let children = (links[cid] ?? []).filter { links[$0] != nil }
                if expanded {
                    height[cid] = children.map { height[$0] ?? 0 }.max().map { $0 + 1 } ?? 0
                } else {
                    stack.append((cid, true))
                    for c in children where height[c] == nil { stack.append((c, false)) }
                }
            }
        }
        let layers = Dictionary(grouping: links.keys, by: { height[$0]! }).sorted { $0.key < $1.key }.map { $0.value.sorted() }
        let state = ProgressBox(Progress(blocksTotal: links.count, bytesTotal: sizes.values.reduce(0, +)))
        progress?(state.value.withLock { $0 })
        let sendOne: @Sendable (CID) async throws -> Bool = { cid in
            let bytes = try store.get(cid)
            let wasLinked = try await destination.put(cid, bytes: bytes, source: store)
            let p = state.value.withLock { p -> Progress in
                p.blocksSent += 1
                p.bytesSent += bytes.count
                return p
            }
            progress?(p)
            return wasLinked
        }
        var linked = 0
        let width = max(1, destination.concurrency)
        for layer in layers {
            linked += try await withThrowingTaskGroup(of: Bool.self) { group in
                var linkedHere = 0
                var next = 0
                while next < min(width, layer.count) {
                    let cid = layer[next]
                    group.addTask { try await sendOne(cid) }
                    next += 1
                }
                while let wasLinked = try await group.next() {
                    if wasLinked { linkedHere += 1 }
                    if next < layer.count {
                        let cid = layer[next]
                        group.addTask { try await sendOne(cid) }
                        next += 1
                    }
                }
                return linkedHere
            }
        }
        let done = state.value.withLock { $0 }
        sent.blocksSent = done.blocksSent
        sent.bytesSent = done.bytesSent
        sent.blocksLinked = linked
        return sent
    }
}

/// A mutex shared with the tasks that send blocks.
final class ProgressBox: Sendable {
    let value: Mutex<Publisher.Progress>
    init(_ p: Publisher.Progress) { value = Mutex(p) }
}
