import Support

#if canImport(Glibc)
    import Glibc
#endif

/// One file of a site folder, read and classified, waiting for a worker to extract it.
public struct SiteFile: Sendable {
    public enum Role: String, Sendable { case html, markdown, text, post, profile }
    public var source: SourceRef
    /// Path relative to the folder, `/`-separated.
    public var relative: String
    public var url: String
    public var role: Role
    public var bytes: [UInt8]
    /// The URL of the folder's root (`SourceReader.siteBaseURL`, or the folder's `file://` URL), ending in `/`.
    public var siteRoot: String
    /// The author of the folder's (or the nearest folder above's) `profile.json`, if any.
    public var author: SiteAuthor? = nil
}

/// Who publishes a site folder, from its `profile.json`: every document of the folder and its
/// subfolders (down to one with a profile of its own) is theirs.
public struct SiteAuthor: Sendable, Hashable {
    /// `handle@host` (host of the profile's URL), the bare handle when the URL has no host
    /// (`file://`), the host when the profile has no handle; lowercased, without a leading `@`.
    public var id: String
    /// The profile's `name` (or `displayName`).
    public var name: String?

    /// The author a profile's JSON names, or nil when it names nobody (no handle, no host).
    static func from(profile json: JSON, url: String) -> SiteAuthor? {
        var handle = (json["handle"]?.string ?? "").lowercased()
        while handle.hasPrefix("@") { handle.removeFirst() }
        // A fediverse handle already names its host (`alice@alice.example`).
        let host = handle.contains("@") ? "" : SiteAuthor.host(of: url)
        let id = handle.isEmpty ? host : (host.isEmpty ? handle : handle + "@" + host)
        guard !id.isEmpty else { return nil }
        let name = json["name"]?.string ?? json["displayName"]?.string
        return SiteAuthor(id: id, name: name.flatMap { $0.isEmpty ? nil : $0 })
    }

    static func host(of url: String) -> String {
        let u = Array(url.utf8)
        guard let colon = u.firstIndex(of: 0x3A), u.count > colon + 2, u[colon + 1] == 0x2F, u[colon + 2] == 0x2F else { return "" }
        var start = colon + 3
        var end = start
        while end < u.count, u[end] != 0x2F, u[end] != 0x3F, u[end] != 0x23 {
            if u[end] == 0x40 { start = end + 1 }  // user@host
            end += 1
        }
        return String(decoding: u[start..<end], as: UTF8.self).lowercased()
    }
}

/// Walks a static or peer-to-peer site folder in a stable (sorted) order.
enum SiteFolder {
    /// Largest file read (bytes); larger files are skipped and reported.
    static let maxFile = 64 << 20

    /// Calls `visit` with each regular file's path relative to `root`, sorted byte-wise per
    /// directory. Hidden entries (`.git`, `.well-known`…) are skipped; symlinked directories are
    /// not followed, so link loops cannot trap the walk.
    static func walk(_ root: String, _ relative: String = "", visit: (String) -> Bool) -> Bool {
        let dirPath = relative.isEmpty ? root : root + "/" + relative
        guard let dir = opendir(dirPath) else { return true }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = FileSystem.entryName(ent)
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        closedir(dir)
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        for name in names {
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(root + "/" + rel, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: if !walk(root, rel, visit: visit) { return false }
            case S_IFREG: if !visit(rel) { return false }
            default: continue
            }
        }
        return true
    }

    /// How a site file is read, from where it sits and its extension (inside a folder the
    /// layout is the format: `profile.json`, `posts/*.json`, `statuses/*.json`).
    static func role(of relative: String) -> SiteFile.Role? {
        let lower = relative.lowercased()
        let parts = lower.split(separator: "/")
        // A folder of several profiles keeps each in its own subfolder (`alice/profile.json`).
        if parts.last == "profile.json" { return .profile }
        if lower.hasSuffix(".json"), parts.count >= 2, parts[parts.count - 2] == "posts" || parts[parts.count - 2] == "statuses" { return .post }
        for ext in [".html", ".htm", ".xhtml", ".shtml"] where lower.hasSuffix(ext) { return .html }
        for ext in [".md", ".markdown", ".mdown"] where lower.hasSuffix(ext) { return .markdown }
        if lower.hasSuffix(".txt") { return .text }
        return nil
    }

    /// The author of every folder holding a readable `profile.json`, by the folder's path
    /// relative to `root` ("" for the root). A profile that cannot be read names nobody; it is
    /// reported when the walk reaches it as a document.
    static func authors(_ root: String, baseURL: String?, maxFile: Int) -> [String: SiteAuthor] {
        var out: [String: SiteAuthor] = [:]
        _ = walk(root) { rel in
            guard role(of: rel) == .profile else { return true }
            let dir = rel.split(separator: "/").dropLast().joined(separator: "/")
            let path = key(root) + "/" + rel
            guard let bytes = try? readFile(path, maxFile: maxFile),
                let json = try? bytes.withUnsafeBytes({ try JSON.parse($0, options: .metadata) })
            else { return true }
            if let a = SiteAuthor.from(profile: json, url: url(base: baseURL, root: root, relative: rel)) { out[dir] = a }
            return true
        }
        return out
    }

    /// The author of the file `relative`: its folder's, else the nearest folder's above it.
    static func author(of relative: String, in authors: [String: SiteAuthor]) -> SiteAuthor? {
        guard !authors.isEmpty else { return nil }
        var parts = relative.split(separator: "/").dropLast()
        while true {
            if let a = authors[parts.joined(separator: "/")] { return a }
            if parts.isEmpty { return nil }
            parts = parts.dropLast()
        }
    }

    /// Largest `site.json` read (bytes): it holds a few settings, not content.
    static let maxSettings = 64 << 10

    /// A folder's settings file, `site.json` at its root: `{"baseURL": "https://…/"}`.
    struct Settings { var baseURL: String? }

    /// `root`'s key in `SourceReader.folderBaseURLs`: its path without trailing `/`.
    static func key(_ root: String) -> String {
        var k = root
        while k.count > 1 && k.hasSuffix("/") { k.removeLast() }
        return k
    }

    /// Reads `root/site.json`, nil if there is none. Throws an error naming the file when it is
    /// too large, not JSON, or its `baseURL` is not an absolute http(s) URL: a site published
    /// under a wrong URL is worse than a build that stops.
    static func settings(_ root: String) throws -> Settings? {
        let path = key(root) + "/site.json"
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        func bad(_ why: String) -> IngestError { IngestError(SourceRef(file: path), .failed("invalid site.json: \(why)")) }
        guard st.st_mode & S_IFMT == S_IFREG else { throw bad("not a regular file") }
        let bytes = try readFile(path, maxFile: maxSettings)
        let json: JSON
        do { json = try bytes.withUnsafeBytes { try JSON.parse($0, options: .metadata) } } catch { throw bad("\(error)") }
        guard case .object = json else { throw bad("not a JSON object") }
        guard let value = json["baseURL"] else { return Settings(baseURL: nil) }
        guard let url = value.string else { throw bad("baseURL is not a string") }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), url.count > 8 else {
            throw bad("baseURL \"\(url.prefix(200))\" is not an absolute http(s) URL")
        }
        return Settings(baseURL: url)
    }

    /// The URL of a file: `base` joined with the percent-encoded relative path, or a `file://`
    /// URL of the absolute path when there is no base.
    static func url(base: String?, root: String, relative: String) -> String {
        let encoded = percentEncodePath(relative)
        if let base {
            return base.hasSuffix("/") ? base + encoded : base + "/" + encoded
        }
        var abs = FileSystem.absolute(root)
        if abs.hasSuffix("/") { abs.removeLast() }
        return "file://" + percentEncodePath(abs) + "/" + encoded
    }

    static func percentEncodePath(_ s: String) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for c in s.utf8 {
            let safe =
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x2D || c == 0x2E || c == 0x5F || c == 0x7E || c == 0x2F
            if safe { out.append(c) } else { out += [0x25, hexDigits[Int(c >> 4)], hexDigits[Int(c & 15)]] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads the whole file, up to `maxFile` bytes (the source reader passes its block bound).
    static func readFile(_ path: String, maxFile: Int = SiteFolder.maxFile) throws -> [UInt8] {
        let s = try FileStream(path: path)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try s.read(into: $0) }
            if n == 0 { return out }
            guard out.count + n <= maxFile else { throw IngestError(SourceRef(file: path), .fileTooLarge(limit: maxFile)) }
            out.append(contentsOf: chunk[0..<n])
        }
    }
}

extension DocumentBuilder {
    /// The outcome for one site file.
    public func build(_ file: SiteFile) -> Outcome {
        var outcome = buildUnattributed(file)
        if let author = file.author, case .document(var d, let recovered) = outcome {
            d.author = author.id
            d.authorName = author.name
            outcome = .document(d, recovered: recovered)
        }
        return outcome
    }

    private func buildUnattributed(_ file: SiteFile) -> Outcome {
        file.bytes.withUnsafeBytes { b -> Outcome in
            switch file.role {
            case .html:
                let page = html(b, nil)
                return .document(
                    Document(
                        kind: .page, url: file.url, title: page.title, text: page.text, description: page.description,
                        mime: "text/html", lang: page.lang, source: file.source, links: page.links), recovered: [])
            case .markdown:
                let md = Markdown.convert(TextDecoding.decode(b, charset: nil))
                return .document(
                    Document(
                        kind: .page, url: file.url, title: md.title, text: md.text, mime: "text/markdown",
                        source: file.source, links: md.links), recovered: [])
            case .text:
                return .document(
                    Document(
                        kind: .page, url: file.url, text: TextDecoding.decode(b, charset: nil), mime: "text/plain",
                        source: file.source), recovered: [])
            case .post, .profile:
                return social(file, b)
            }
        }
    }

    private func social(_ file: SiteFile, _ b: UnsafeRawBufferPointer) -> Outcome {
        func siteURL(_ path: String) -> String { file.siteRoot + SiteFolder.percentEncodePath(String(path.dropFirst())) }
        let json: JSON
        do { json = try JSON.parse(b, options: .metadata) } catch {
            return .skipped(Skip(file.source, "invalid JSON", "\(error)"))
        }
        guard case .object = json else { return .skipped(Skip(file.source, "invalid post", "not a JSON object")) }
        if file.role == .profile {
            var name = json["name"]?.string ?? json["displayName"]?.string
            if let handle = json["handle"]?.string, !handle.isEmpty {
                let h = handle.hasPrefix("@") ? handle : "@" + handle
                name = name.map { "\($0) (\(h))" } ?? h
            }
            let bio = json["bio"]?.string ?? json["description"]?.string ?? ""
            let (tags, mentions) = SocialTokens.extract(bio)
            return .document(
                Document(
                    kind: .profile, url: file.url, title: name, text: bio, mime: "application/json",
                    source: file.source, tags: tags, mentions: mentions), recovered: [])
        }
        guard let text = json["text"]?.string else {
            return .skipped(Skip(file.source, "invalid post", "no \"text\" string"))
        }
        var (tags, mentions) = SocialTokens.extract(text)
        // Explicit lists, when a site has them, add to what the text shows.
        for t in json["tags"]?.array ?? [] {
            if let s = t.string?.lowercased(), !tags.contains(s) { tags.append(s.hasPrefix("#") ? String(s.dropFirst()) : s) }
        }
        for m in json["mentions"]?.array ?? [] {
            if let s = m.string?.lowercased(), !mentions.contains(s) { mentions.append(s.hasPrefix("@") ? String(s.dropFirst()) : s) }
        }
        var parent: String? =
            switch json["threadParent"] {
            case .string(let s)?: s
            case let v? where v["uri"]?.string != nil: v["uri"]?.string
            case let v? where v["url"]?.string != nil: v["url"]?.string
            default: nil
            }
        // A site-relative parent (`/posts/0002.json`) names a file of this site: give it the
        // URL that file's own document gets, so replies link to documents.
        if let p = parent, p.hasPrefix("/"), !p.hasPrefix("//") { parent = siteURL(p) }
        let date = json["createdAt"]?.string.flatMap(ISODate.parse)
        return .document(
            Document(
                kind: .post, url: file.url, text: text, date: date, mime: "application/json", source: file.source,
                tags: tags, mentions: mentions, threadParent: parent), recovered: [])
    }
}

extension SourceReader {
    /// Bytes of the files of site folder `root` that `readSite` reads (those it indexes), for
    /// progress on a folder, whose own size says nothing.
    public static func siteBytes(_ root: String) -> Int64 {
        var total: Int64 = 0
        _ = SiteFolder.walk(root) { rel in
            if SiteFolder.role(of: rel) != nil { total += Int64(FileSystem.fileSize(root.hasSuffix("/") ? root + rel : root + "/" + rel)) }
            return true
        }
        return total
    }
}
