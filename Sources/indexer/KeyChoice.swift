import Index
import Support

/// Which key a signing command uses when given no `--key` (`KeyRing` says why there is no single
/// default key).
enum KeyChoice {
    /// An existing index: the key that signed its manifest.
    case signerOf(String)
    /// The `--out` of `build` or `merge`: the key that signed the index already there (a rebuild
    /// is the same collection), else a new key for a new collection.
    case forOutput(String)
    /// `hub register` with no index named: the ring's only key.
    case only
}

/// The key at `path`, or the one `choice` picks from the user's key ring (created, and said so,
/// for a new index).
func loadKey(_ path: String?, _ choice: KeyChoice) throws -> GroupKey {
    if let path { return try GroupKey.read(from: path) }
    let ring = KeyRing()
    switch choice {
    case .signerOf(let index):
        return try signerKey(of: index, ring: ring)
    case .forOutput(let out):
        if FileSystem.exists(out + "/" + Manifest.fileName) { return try signerKey(of: out, ring: ring) }
        let (key, file) = try ring.create()
        printError("created a group key for \(out): \(file) (group \(key.group)); back it up, it signs this index and its updates")
        return key
    case .only:
        let all = try ring.all()
        guard all.count == 1 else {
            throw CommandFailure(
                all.isEmpty
                    ? "no group key in \(ring.folder): give --key FILE or --index DIR"
                    : "\(all.count) group keys in \(ring.folder) (\(all.map(\.group.description).joined(separator: ", "))): name one with --key FILE or --index DIR"
            )
        }
        return try GroupKey.read(from: all[0].path)
    }
}

/// The key in `ring` that signed the index at `index`.
private func signerKey(of index: String, ring: KeyRing) throws -> GroupKey {
    let path = index + "/" + Manifest.fileName
    let manifest: Manifest
    do { manifest = try Manifest.parse(try FileSystem.readFile(path, limit: Manifest.maxBytes), path: path) } catch {
        throw CommandFailure("no --key given and cannot tell which key signs \(index): \(error)")
    }
    guard let (key, _) = try ring.key(publicKey: manifest.signer) else {
        throw CommandFailure("\(index) is signed by group \(manifest.group), whose key is not in \(ring.folder): give it with --key FILE")
    }
    return key
}
