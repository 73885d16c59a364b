import Support

extension Document {
    /// The document as one JSON line (with its newline), as `indexer extract` prints it:
    /// url, title, date (ISO 8601), mime, lang, digest, source {file, offset[, inner]},
    /// length (terms, when given), tags, mentions, kind, then threadParent, author, authorName, description and
    /// revisit when present, and text when `text` is set.
    public func jsonLine(length: Int?, text: Bool) -> [UInt8] {
        let d = self
        var w = JSONWriter()
        w.object { w in
            w.key("url"); w.string(d.url)
            w.key("title"); if let t = d.title { w.string(t) } else { w.null() }
            w.key("date"); if let t = d.dateISO { w.string(t) } else { w.null() }
            w.key("mime"); w.string(d.mime)
            w.key("lang"); if let l = d.lang { w.string(l) } else { w.null() }
            w.key("digest"); w.string(d.digest)
            w.key("source")
            w.object { w in
                w.key("file"); w.string(d.source.file)
                w.key("offset"); w.number(d.source.offset)
                if d.source.inner != 0 { w.key("inner"); w.number(d.source.inner) }
            }
            if let length { w.key("length"); w.number(Int64(length)) }
            w.key("tags"); w.array { w in for t in d.tags { w.string(t) } }
            w.key("mentions"); w.array { w in for m in d.mentions { w.string(m) } }
            w.key("kind"); w.string(d.kind.rawValue)
            if let p = d.threadParent { w.key("threadParent"); w.string(p) }
            if let a = d.author { w.key("author"); w.string(a) }
            if let a = d.authorName { w.key("authorName"); w.string(a) }
            if let desc = d.description, !desc.isEmpty { w.key("description"); w.string(desc) }
            if let r = d.revisit {
                w.key("revisit")
                w.object { w in
                    if let x = r.refersTo { w.key("refersTo"); w.string(x) }
                    if let x = r.refersToTargetURI { w.key("refersToTargetURI"); w.string(x) }
                    if let x = r.refersToDate { w.key("refersToDate"); w.string(ISODate.format(x)) }
                    if let x = d.payloadDigest { w.key("payloadDigest"); w.string(x) }
                }
            }
            if text { w.key("text"); w.string(d.text) }
        }
        var bytes = w.bytes
        bytes.append(0x0A)
        return bytes
    }
}
