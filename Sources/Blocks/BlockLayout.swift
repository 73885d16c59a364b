import Support

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How an index folder names its block files, which is also the URL a static host serves them
/// under. Recorded in `manifest.json` (`blockLayout`, absent for `flat`), so a reader learns
/// it from the first file it fetches and every index published before fan-out stays readable.
public enum BlockLayout: String, Sendable, CaseIterable {
    /// `blocks/<cid>`: one folder, the layout of every index written before fan-out.
    case flat
    /// `blocks/<xy>/<cid>`, `xy` being the two characters before the CID's last one (go-ipfs
    /// flatfs's `next-to-last/2`): 1,024 folders of about 1,000 files each at a million blocks.
    /// The tail is used because a CID's head (`bafy2bza…`) is the same for every block.
    case fanOut = "next-to-last/2"

    /// The layout new folders get.
    public static let `default` = BlockLayout.fanOut

    /// The block's path below `blocks/`.
    public func relativePath(_ cid: CID) -> String { relativePath(name: cid.description) }

    /// The path below `blocks/` of the block whose CID's text is `name`.
    public func relativePath(name: String) -> String {
        switch self {
        case .flat: return name
        case .fanOut: return BlockLayout.shard(of: name) + "/" + name
        }
    }

    /// The fan-out folder of a CID's text: its next-to-last two characters.
    public static func shard(of name: String) -> String {
        let u = Array(name.utf8)
        guard u.count >= 3 else { return "__" }
        return String(decoding: u[(u.count - 3)..<(u.count - 1)], as: UTF8.self)
    }

    /// The layout a manifest's `blockLayout` field names (absent: `flat`); nil for a layout this
    /// version does not know, which a reader must refuse rather than fetch wrong URLs.
    public init?(manifestField value: String?) {
        guard let value else { self = .flat; return }
        self.init(rawValue: value)
        if self == .flat { return nil }  // `flat` is written by omission only
    }

    /// The manifest field's value: nil (omitted) for `flat`.
    public var manifestField: String? { self == .flat ? nil : rawValue }

    /// The layout the manifest `bytes` names; `flat` when they do not parse or name a layout
    /// this version does not know (`Manifest.parse`, which every reader runs, refuses those).
    public init(manifestBytes bytes: [UInt8]) {
        self = (try? JSON.parse(bytes)).flatMap { BlockLayout(manifestField: $0["blockLayout"]?.string) } ?? .flat
    }

    #if !hasFeature(Embedded)
        /// The layout of the index folder `root`: what its `manifest.json` says when it has one
        /// (the manifest is what readers go by), else what `blocks/` holds (the first entries
        /// are enough: a folder has one layout), else the default for a new folder.
        public static func detect(root: String) -> BlockLayout {
            let manifest = root + "/manifest.json"
            if FileSystem.exists(manifest) {
                guard let bytes = try? FileSystem.readFile(manifest, limit: 64 << 20) else { return .flat }
                return BlockLayout(manifestBytes: bytes)
            }
            guard let dir = opendir(root + "/blocks") else { return .default }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = FileSystem.entryName(entry)
                if name == "." || name == ".." || name.contains(".tmp-") { continue }
                if name.utf8.count == 2 { return .fanOut }
                if (try? CID(name)) != nil { return .flat }
            }
            return .default
        }
    #endif
}
