/// Markdown to searchable text: the syntax goes, the words (and code) stay.
enum Markdown {
    struct Result {
        var title: String?
        var text: String
        var links: [String]
    }

    /// Title from YAML front matter `title:`, else the first ATX (`# …`) or setext heading.
    /// Links and images keep their text (alt text); their targets go to `links`. `*` and
    /// backticks are dropped, `_` kept (it is part of identifiers like `snake_case`).
    static func convert(_ source: String) -> Result {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        var title: String?
        var links: [String] = []
        var out: [String] = []
        var i = 0
        if lines.first?.trimmingSpacesSub == "---" {
            var j = 1
            while j < lines.count, lines[j].trimmingSpacesSub != "---", lines[j].trimmingSpacesSub != "..." {
                let l = lines[j]
                if l.hasPrefix("title:") {
                    var v = String(l.dropFirst(6)).trimmingSpaces
                    if v.count >= 2, (v.hasPrefix("\"") && v.hasSuffix("\"")) || (v.hasPrefix("'") && v.hasSuffix("'")) {
                        v = String(v.dropFirst().dropLast())
                    }
                    if !v.isEmpty { title = v }
                }
                j += 1
            }
            if j < lines.count { i = j + 1 } else { title = nil }
        }
        var inFence = false
        while i < lines.count {
            let line = lines[i]
            let t = line.trimmingSpacesSub
            i += 1
            if t.hasPrefix("```") || t.hasPrefix("~~~") { inFence.toggle(); continue }
            if inFence { out.append(String(line)); continue }
            // Reference-style link definitions: `[id]: url`.
            if t.hasPrefix("["), let close = t.firstIndex(of: "]"), t[t.index(after: close)...].hasPrefix(":") {
                let url = t[t.index(close, offsetBy: 2)...].trimmingSpacesSub.split(separator: " ").first.map(String.init)
                if let url { links.append(url) }
                continue
            }
            var text = t
            var heading = false
            if text.hasPrefix("#") {
                let hashes = text.prefix { $0 == "#" }.count
                if hashes <= 6 {
                    text = text.dropFirst(hashes).trimmingSpacesSub
                    while text.hasSuffix("#") { text = text.dropLast() }
                    text = text.trimmingSpacesSub
                    heading = true
                }
            } else if i < lines.count, !t.isEmpty {
                let next = lines[i].trimmingSpacesSub
                if next.count >= 2, next.allSatisfy({ $0 == "=" }) || next.allSatisfy({ $0 == "-" }) {
                    heading = true
                    i += 1
                }
            }
            while text.hasPrefix(">") { text = text.dropFirst().trimmingSpacesSub }
            for marker in ["- ", "* ", "+ "] where text.hasPrefix(marker) { text = text.dropFirst(2) }
            if let dot = text.firstIndex(of: "."), dot > text.startIndex, text[..<dot].allSatisfy(\.isASCIIDigit),
                text[text.index(after: dot)...].hasPrefix(" ")
            {
                text = text[text.index(dot, offsetBy: 2)...]
            }
            let plain = inline(String(text), links: &links)
            if heading, title == nil, !plain.isEmpty { title = plain }
            if !(t.count >= 3 && t.allSatisfy({ $0 == "-" || $0 == "*" || $0 == "_" || $0 == " " })) { out.append(plain) }
        }
        while let last = out.last, last.isEmpty { out.removeLast() }
        return Result(title: title, text: out.joined(separator: "\n"), links: links)
    }

    /// Inline syntax: `![alt](src)` → alt, `[text](href)` → text, `<http://…>` → the URL,
    /// emphasis stars and backticks dropped.
    private static func inline(_ s: String, links: inout [String]) -> String {
        let u = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var k = 0
        while k < u.count {
            let c = u[k]
            if c == 0x5B || (c == 0x21 && k + 1 < u.count && u[k + 1] == 0x5B) {
                let open = c == 0x21 ? k + 1 : k
                if let close = u[open...].firstIndex(of: 0x5D), close + 1 < u.count, u[close + 1] == 0x28,
                    let paren = u[(close + 1)...].firstIndex(of: 0x29)
                {
                    out.append(contentsOf: u[(open + 1)..<close].filter { $0 != 0x2A && $0 != 0x60 })
                    let target = String(decoding: u[(close + 2)..<paren], as: UTF8.self).split(separator: " ").first.map(String.init)
                    if let target, !target.isEmpty { links.append(target) }
                    k = paren + 1
                    continue
                }
            }
            if c == 0x3C, let close = u[k...].firstIndex(of: 0x3E) {
                let inner = String(decoding: u[(k + 1)..<close], as: UTF8.self)
                if inner.hasPrefix("http://") || inner.hasPrefix("https://") {
                    links.append(inner)
                    out.append(contentsOf: inner.utf8)
                    k = close + 1
                    continue
                }
            }
            if c != 0x2A && c != 0x60 { out.append(c) }
            k += 1
        }
        return String(decoding: out, as: UTF8.self).trimmingSpaces
    }
}

extension Substring {
    var trimmingSpacesSub: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}
