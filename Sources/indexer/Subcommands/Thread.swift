import ArgumentParser
import Foundation
import Index
import Search
import SearchOutput
import Support

struct ThreadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thread",
        abstract: "Print a conversation as a tree: the root post and every reply, from any group.",
        discussion: """
            URL is any post of the thread: its parents are followed up to the root the index holds, \
            then every reply below it (replies name their parent by URL; http and https, a \
            fragment or a trailing / do not matter). Replies are indented under the post they \
            answer, oldest first. `search 'thread:URL'` lists the same posts by date.
            """)

    @Argument(help: "The URL of a post in the thread.") var url: String
    @Option(help: "Index folder or URL; repeat to read several indexes as one.") var index: [String]
    @Flag(help: "Print as JSON: the posts in tree order (each reply after the post it answers), each with its depth and parent.")
    var json = false
    @OptionGroup(title: "Index access") var access: IndexAccess

    func validate() throws {
        guard !index.isEmpty else { throw ValidationError("give --index (a folder or URL)") }
    }

    func run() throws {
        let opened = try access.open(index)
        reportExclusions(opened.view)
        let engine = SearchEngine(view: opened.view, analyzer: IndexAnalyzer())
        let found: Conversation?
        do { found = try engine.thread(url) } catch let e as SearchError {
            printError("error: \(e)")
            throw ExitCode.validationFailure
        }
        guard let thread = found else {
            if json { print(#"{"root": null, "posts": []}"#) }
            printError("no post at \(url) in this index")
            return
        }
        // Children by parent key, in the thread's date order.
        var children: [String: [Int]] = [:]
        for (i, p) in thread.posts.enumerated() { if let parent = p.parentKey { children[parent, default: []].append(i) } }
        var ordered: [(post: Int, depth: Int)] = []
        var placed = Set<Int>()
        func place(_ i: Int, _ depth: Int) {
            guard placed.insert(i).inserted else { return }
            ordered.append((i, depth))
            for c in children[thread.posts[i].key] ?? [] where thread.posts[c].key != thread.posts[i].key { place(c, depth + 1) }
        }
        for (i, p) in thread.posts.enumerated() where p.parentKey == nil { place(i, 0) }
        for i in thread.posts.indices { place(i, 0) }  // anything a cycle left out
        let texts = try opened.view.texts(ordered.map { thread.posts[$0.post].doc })
        if json {
            var w = JSONWriter()
            w.object { w in
                w.key("root"); w.string(thread.posts.first { $0.parentKey == nil }?.record.url ?? url)
                w.key("missingParent")
                if let m = thread.missingParent { w.string(m) } else { w.null() }
                w.key("truncated"); w.bool(thread.truncated)
                w.key("posts")
                w.array { w in
                    for ((i, depth), text) in zip(ordered, texts) {
                        let p = thread.posts[i]
                        w.object { w in
                            w.key("url"); w.string(p.record.url)
                            w.key("depth"); w.number(Int64(depth))
                            w.key("parent")
                            if let parent = p.record.parent { w.string(parent) } else { w.null() }
                            w.key("date")
                            if let d = p.record.date { w.string(ISODate.format(d)) } else { w.null() }
                            w.key("author")
                            if let a = p.record.author { w.string(a) } else { w.null() }
                            w.key("authorName")
                            if let a = p.record.authorName { w.string(a) } else { w.null() }
                            w.key("group"); w.string(p.doc.group.description)
                            w.key("text"); w.string(text ?? "")
                        }
                    }
                }
            }
            print(String(decoding: w.bytes, as: UTF8.self))
            return
        }
        if let m = thread.missingParent { print("(replies to \(m), not in this index)") }
        for ((i, depth), text) in zip(ordered, texts) {
            let p = thread.posts[i]
            let indent = String(repeating: "    ", count: depth)
            var head = [p.record.date.map { String(ISODate.format($0).prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? "undated"]
            if let a = p.record.author { head.append(ResultFormatter.byline(a, p.record.authorName)) }
            print(indent + head.joined(separator: "  ") + "  " + p.record.url)
            let body = (text ?? "").split(whereSeparator: \.isNewline).joined(separator: " ")
            print(indent + "  " + String(body.prefix(300)))
        }
        printError("\(thread.posts.count) post(s)" + (thread.truncated ? " (cut at \(SearchEngine.maxThreadPosts))" : ""))
    }
}
