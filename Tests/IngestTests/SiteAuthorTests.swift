import Support
import Testing

@testable import Ingest

/// A site folder's documents take their author from the nearest `profile.json` at or above
/// them: a folder of several profiles attributes each subfolder to its own.
@Suite struct SiteAuthorTests {
    @Test func eachDocumentIsItsNearestProfilesAuthors() throws {
        let dir = makeTempDir("authors")
        for sub in ["", "/posts", "/carol", "/carol/posts", "/dave/posts", "/erin"] {
            try FileSystem.makeDirectories(dir + sub)
        }
        try writeBytes(dir + "/profile.json", Array(#"{"name": "Alice", "handle": "@Alice"}"#.utf8))
        try writeBytes(dir + "/carol/profile.json", Array(#"{"handle": "carol@social.example"}"#.utf8))
        try writeBytes(dir + "/erin/profile.json", Array(#"{"name": "Erin"}"#.utf8))  // no handle: named by host
        for path in ["/posts/1.json", "/carol/posts/2.json", "/dave/posts/3.json", "/erin/posts-4.md"] {
            try writeBytes(dir + path, Array(#"{"text": "hello #x", "createdAt": "2025-01-01T00:00:00Z"}"#.utf8))
        }
        try writeBytes(dir + "/index.html", Array("<title>home</title>".utf8))
        let r = try ingest([dir], baseURL: "https://a.example/")
        var byURL: [String: String] = [:]
        for d in r.documents { byURL[String(d.url.dropFirst("https://a.example/".count))] = "\(d.author ?? "-")|\(d.authorName ?? "-")" }
        #expect(
            byURL == [
                "profile.json": "alice@a.example|Alice", "index.html": "alice@a.example|Alice", "posts/1.json": "alice@a.example|Alice",
                "carol/profile.json": "carol@social.example|-", "carol/posts/2.json": "carol@social.example|-",
                "dave/posts/3.json": "alice@a.example|Alice",
                "erin/profile.json": "a.example|Erin", "erin/posts-4.md": "a.example|Erin",
            ])
    }
}
