import Blocks
import Support

/// The one writer of `manifest.json`: stores the root block over the given versions (and a
/// merger's compactions), signs the manifest, opens the result as a reader would — every
/// signature and the summary checked — and only then renames the manifest into place. So a
/// build or merge never publishes an index that does not verify (a key file whose halves do
/// not match is caught here too), and a killed run leaves the previous manifest whole.
public enum IndexWriter {
    public static func publish(
        versions: [(cid: CID, version: GroupVersion)], compacted: [IndexRoot.Compaction] = [], analyzer: String,
        store: DirectoryStore, out: String, key: GroupKey, created: String
    ) throws -> Manifest {
        let sorted = versions.sorted { $0.version.publicKey.lexicographicallyPrecedes($1.version.publicKey) }
        let root = IndexRoot(analyzer: analyzer, versions: sorted.map(\.cid), compacted: compacted)
        var infos: [CID: SegmentInfo] = [:]
        for c in sorted.flatMap(\.version.segments) + compacted.map(\.segment) where infos[c] == nil {
            infos[c] = try SegmentInfo(cbor: try DagCBOR.decode(try store.get(c)))
        }
        let rootCID = try store.put(root.cbor.encode())
        let summary = Manifest.summary(root: root, versions: sorted, segments: infos)
        // What every query reads first travels beside the manifest, in `bootstrap.car`, which
        // the manifest signs by hash: the blocks opening reads and the upper tree levels of the
        // segments a reader trusting the signer searches.
        let unsigned = Manifest(root: rootCID, created: created, signer: [], signature: [], summary: summary)
        let bootstrap = try Bootstrap.file(for: unsigned, store: store)
        let manifest = try Manifest.signed(
            root: rootCID, summary: summary, key: key, created: created, blockLayout: store.layout,
            bootstrapHash: Bootstrap.hash(bootstrap))
        let path = out + "/" + Manifest.fileName
        do {
            let view = try IndexView.open([.init(manifestBytes: manifest.fileBytes, path: path, store: store, bootstrapFile: bootstrap)])
            if let bad = view.excluded.first { throw IndexError.selfCheck(bad.reason) }
        } catch let e as IndexError {
            if case .selfCheck = e { throw e }
            throw IndexError.selfCheck("\(e)")
        }
        // The file first: a reader of the new manifest finds it; one of the old manifest sees
        // another hash and reads its blocks one level at a time, as without the file.
        try FileSystem.writeAtomically(out + "/" + Bootstrap.fileName, bootstrap, sync: true)
        try manifest.write(toIndex: out)
        return manifest
    }

    /// Stores a version block and returns its CID.
    public static func store(_ version: GroupVersion, in store: BlockStore) throws -> CID {
        try store.put(version.cbor.encode())
    }
}
