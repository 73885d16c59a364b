import Blocks
import ProllyTree

/// A document's text in chunks (segment format 3), so a result page fetches a snippet's chunk,
/// not the whole text (see docs/FORMAT.md, "Format 3: text chunks").
///
/// The record links the document's *head*: chunk 0's text and, for every later chunk, its
/// block and a small signature of the terms it holds. A page reads the records, then the
/// hits' heads (one batch, where the whole texts were read before), and only for a hit whose
/// query terms are not in chunk 0 the chunk that holds them (one more batch).
///
/// Chunks are cut at ASCII whitespace only: no token spans it, so analyzing the chunks one
/// after another gives the whole text's terms and positions (the postings do not change).
public enum TextChunks {
    /// A chunk ends at the first ASCII whitespace at or after this many bytes.
    public static let targetBytes = 2048
    /// At most this many chunks per document (longer texts get longer chunks), so a head
    /// stays small.
    public static let maxChunks = 16
    /// Signature bits per distinct term (7 probes: about 1% false positives), and the cap on
    /// a head's signatures together.
    static let bitsPerTerm = 10
    static let probes = 7
    static let maxSignatureBytes = 4096

    /// Where a value is: inline (the text tree's inline limit or shorter) or in its value block.
    public enum Stored: Equatable, Sendable {
        case inline([UInt8])
        case block(CID, length: Int)

        var cbor: [DagCBOR] {
            switch self {
            case .inline(let b): [.bytes(b)]
            case .block(let cid, let n): [.link(cid), .unsigned(UInt64(n))]
            }
        }

        /// From encoded entries (one: the bytes; two: the link and the length).
        init?(_ a: ArraySlice<DagCBOR>) {
            if a.count == 1, let b = a.first?.byteString {
                self = .inline(b)
            } else if a.count == 2, let c = a.first?.cid, let n = a.last?.uint, n <= UInt64(Int32.max) {
                self = .block(c, length: Int(n))
            } else {
                return nil
            }
        }

        /// The tree's leaf value this is.
        public var leafValue: LeafValue {
            switch self {
            case .inline(let b): .inline(b)
            case .block(let c, let n): .blob(c, length: n)
            }
        }
    }

    /// One chunk after the first, as its head lists it.
    public struct Chunk: Equatable, Sendable {
        /// The chunk, or (format 6) the group of chunks it is part of.
        public var stored: Stored
        /// Where the chunk lies in its group's text; nil when it is the whole value.
        public var range: Range<Int>?
        /// Bloom filter of the chunk's terms that chunk 0 lacks.
        public var signature: [UInt8]
        public init(stored: Stored, range: Range<Int>? = nil, signature: [UInt8]) {
            self.stored = stored
            self.range = range
            self.signature = signature
        }

        /// The chunk's text out of its stored value's (checked: the head is read from anywhere).
        public func text(in value: [UInt8]) throws(ReadFailure) -> ArraySlice<UInt8> {
            guard let r = range else { return value[...] }
            guard r.upperBound <= value.count else { throw IndexError.corrupt("a text chunk's range lies outside its group") }
            return value[r]
        }

        /// `[bytes, signature]`, `[link, length, signature]`, or in a group
        /// `[link, length, start, count, signature]`.
        var cbor: DagCBOR {
            var items = stored.cbor
            if let r = range { items += [.unsigned(UInt64(r.lowerBound)), .unsigned(UInt64(r.count))] }
            return .array(items + [.bytes(signature)])
        }

        init?(_ e: [DagCBOR]) {
            guard let sig = e.last?.byteString else { return nil }
            let fields = e.dropLast()
            if fields.count == 4 {
                guard let stored = Stored(fields.prefix(2)), case .block(_, let length) = stored,
                    let start = fields[fields.startIndex + 2].uint, let count = fields[fields.startIndex + 3].uint,
                    start <= UInt64(length), count <= UInt64(length) - start
                else { return nil }
                self.init(stored: stored, range: Int(start)..<Int(start + count), signature: sig)
            } else {
                guard let stored = Stored(fields) else { return nil }
                self.init(stored: stored, signature: sig)
            }
        }
    }

    /// Later chunks are stored in groups (format 6) of consecutive chunks, each group's text at
    /// most this many bytes unless one chunk is longer: one value block for several chunks, so
    /// an index holds about half the files (text chunks were 63% of linux-doc's blocks), for a
    /// later chunk fetched as part of its group.
    public static let groupBytes = 8192

    /// The groups of `pieces` (as `cut` gives them) after the first: ranges of piece indices.
    public static func groups(_ pieces: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 1, bytes = 0
        for i in pieces.indices.dropFirst() {
            if i > start && bytes + pieces[i].count > groupBytes {
                out.append(start..<i)
                start = i
                bytes = 0
            }
            bytes += pieces[i].count
        }
        if start < pieces.count { out.append(start..<pieces.count) }
        return out
    }

    /// The text tree's value under `DocRef ‖ 0`: chunk 0's text and the later chunks, encoded
    /// as DAG-CBOR `[text, [chunk, …]]` (`Chunk.cbor`), and from format 7 the document's
    /// provenance a result shows but scoring and collapsing do not need, as a third element
    /// `{"recordID": …}` when there is any: a page reads the heads of the hits it shows anyway,
    /// and a record read for a candidate the page does not show is lighter.
    public struct Head: Equatable, Sendable {
        public var text: [UInt8]
        public var chunks: [Chunk]
        /// `WARC-Record-ID` of the document's record (format 7, a head in a block of its own;
        /// else `DocRecord.recordID`).
        public var recordID: String?
        public init(text: [UInt8], chunks: [Chunk], recordID: String? = nil) {
            self.text = text
            self.chunks = chunks
            self.recordID = recordID
        }

        public var encoded: [UInt8] {
            var items: [DagCBOR] = [.bytes(text), .array(chunks.map { $0.cbor })]
            if let recordID { items.append(.map(sorting: [("recordID", .text(recordID))])) }
            return DagCBOR.array(items).encode()
        }

        public init(encoded bytes: [UInt8]) throws(ReadFailure) {
            let v = try DagCBOR.decode(bytes)
            guard let a = v.array, a.count == 2 || a.count == 3, let text = a[0].byteString, let list = a[1].array else {
                throw IndexError.corrupt("text head is not [text, chunks] or [text, chunks, provenance]")
            }
            if a.count == 3 {
                // Keys this reader does not know are left for later readers.
                guard case .map = a[2] else { throw IndexError.corrupt("a text head's provenance is not a map") }
                recordID = a[2]["recordID"]?.string
            }
            var chunks: [Chunk] = []
            for c in list {
                guard let e = c.array, let chunk = Chunk(e) else { throw IndexError.corrupt("a chunk of a text head is malformed") }
                chunks.append(chunk)
            }
            self.text = text
            self.chunks = chunks
        }

        /// The chunk to show for a query whose terms (as the index stores them) are `terms`:
        /// the one whose signature holds the most of them, chunk 0 counting those no signature
        /// holds (they are in chunk 0, or only in the title or URL); the earliest on a tie.
        /// 0 is this head's `text`, i ≥ 1 is `chunks[i - 1]`.
        public func pick(terms: [[UInt8]]) -> Int {
            guard !chunks.isEmpty, !terms.isEmpty else { return 0 }
            var scores = [Int](repeating: 0, count: chunks.count + 1)
            for t in terms {
                let h = TextChunks.hash(t)
                var found = false
                for c in chunks.indices where TextChunks.contains(chunks[c].signature, h) {
                    scores[c + 1] += 1
                    found = true
                }
                if !found { scores[0] += 1 }
            }
            var best = 0
            for c in 1..<scores.count where scores[c] > scores[best] { best = c }
            return best
        }
    }

    /// The query's terms a chunk is picked by (`Head.pick`): as the index stores them, and which
    /// of them are only a word's unstemmed form. A document indexed with stemming holds no such
    /// form, so for it they are left out: counted, they would go to chunk 0 (held by no
    /// signature) against the chunk holding the stemmed form.
    public struct QueryTerms: Sendable {
        public private(set) var all: [[UInt8]] = []
        private var unstemmed: Set<[UInt8]> = []
        private var stemmed: Set<[UInt8]> = []

        public init() {}
        /// Terms with no stemmed/unstemmed roles (prefix expansions, keywords).
        public init(_ terms: [String]) { for t in terms { add(t) } }

        public mutating func add(_ term: String) {
            all.append(Array(term.utf8))
        }

        /// A word's forms as `IndexAnalyzer.queryTerms` gives them: stemmed first, then the
        /// unstemmed form when it differs.
        public mutating func add(alternatives: [String]) {
            for (i, a) in alternatives.enumerated() {
                let bytes = Array(a.utf8)
                all.append(bytes)
                if i == 0 { stemmed.insert(bytes) } else { unstemmed.insert(bytes) }
            }
        }

        /// The terms for a document indexed with stemming (`true`) or without.
        public func forDocument(stemmed isStemmed: Bool) -> [[UInt8]] {
            isStemmed ? all.filter { !unstemmed.contains($0) || stemmed.contains($0) } : all
        }
    }

    /// The text tree's key of chunk `index` of `doc` (from format 6 on, of its group `index`,
    /// 0 being the head): `DocRef ‖ index` (2 bytes, big-endian).
    public static func key(_ doc: DocRef, _ index: Int) -> [UInt8] {
        var k = doc.bytes
        k.append(UInt8(index >> 8))
        k.append(UInt8(index & 0xff))
        return k
    }

    /// The chunks of `text`: byte ranges covering it, each ending before ASCII whitespace at or
    /// after the target (a last piece under a quarter of it joins the chunk before). An empty
    /// text is one empty chunk.
    public static func cut(_ text: [UInt8]) -> [Range<Int>] {
        let target = max(targetBytes, (text.count + maxChunks - 1) / maxChunks)
        var out: [Range<Int>] = []
        var start = 0
        while text.count - start > target + target / 4 && out.count < maxChunks - 1 {
            var end = start + target
            while end < text.count && !isSpace(text[end]) { end += 1 }
            if text.count - end < target / 4 { break }
            out.append(start..<end)
            start = end
        }
        out.append(start..<text.count)
        return out
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0d).contains(b) }

    /// FNV-1a of a term's bytes: the one hash signatures use, here and in the browser (the
    /// builder hashes buffer slices, readers arrays).
    @inline(__always)
    static func hash<Bytes: Sequence<UInt8>>(_ term: Bytes) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in term { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The bits a term sets in a filter of `bits` bits (double hashing).
    @inline(__always)
    static func forEachProbe(_ h: UInt64, bits: Int, _ body: (Int) -> Void) {
        let h2 = ((h >> 32) | (h << 32)) &* 0x9e37_79b9_7f4a_7c15 | 1
        var x = h
        for _ in 0..<probes {
            body(Int(x % UInt64(bits)))
            x = x &+ h2
        }
    }

    /// A filter of `hashes` in `bytes` bytes (empty when there are no hashes).
    static func signature(_ hashes: [UInt64], bytes: Int) -> [UInt8] {
        guard !hashes.isEmpty, bytes > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: bytes)
        for h in hashes { forEachProbe(h, bits: bytes * 8) { out[$0 >> 3] |= 1 << UInt8($0 & 7) } }
        return out
    }

    static func contains(_ signature: [UInt8], _ h: UInt64) -> Bool {
        guard !signature.isEmpty else { return false }
        var all = true
        forEachProbe(h, bits: signature.count * 8) { if signature[$0 >> 3] & (1 << UInt8($0 & 7)) == 0 { all = false } }
        return all
    }

    /// A chunk's distinct terms, hashed, numbers (ASCII digits only) apart from words: each
    /// list sorted and without repeats once `normalize` has run (sorted arrays, not sets: the
    /// builder makes one per chunk of every document).
    struct TermHashes {
        var words: [UInt64] = []
        var numbers: [UInt64] = []

        /// Sorts both lists and drops repeats, after hashes were appended in any order.
        mutating func normalize() {
            TermHashes.normalize(&words)
            TermHashes.normalize(&numbers)
        }

        static func normalize(_ a: inout [UInt64]) {
            a.sort()
            var n = 0
            for i in a.indices where n == 0 || a[i] != a[n - 1] {
                a[n] = a[i]
                n += 1
            }
            a.removeLast(a.count - n)
        }

        /// The elements of sorted `a` not in sorted `b`.
        static func subtracting(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
            var out: [UInt64] = []
            var j = 0
            for x in a {
                while j < b.count && b[j] < x { j += 1 }
                if j == b.count || b[j] != x { out.append(x) }
            }
            return out
        }
    }

    #if !hasFeature(Embedded)  // builders sign chunks; readers only test signatures
        /// Signatures of the chunks after the first (`terms`, chunk 0's first): a filter of each
        /// chunk's terms chunk 0 lacks (bits are set by OR: the order of a set is moot). The
        /// head's budget is shared by need, not evenly, so every filter is about as exact; when
        /// the terms overfill it, numbers are left out first: a source listing's line numbers
        /// (rust-doc's `src/` pages: thousands per text) filled the filters of an even share,
        /// which then claimed every word and showed the wrong chunk. A number query on such a
        /// page gets the opening instead.
        static func signatures(_ terms: [TermHashes]) -> [[UInt8]] {
            guard let first = terms.first else { return [] }
            var inFirst = first.words + first.numbers
            TermHashes.normalize(&inFirst)
            var keys = terms.dropFirst().map {
                (words: TermHashes.subtracting($0.words, inFirst), numbers: TermHashes.subtracting($0.numbers, inFirst))
            }
            func bytes(_ n: Int) -> Int { (n * bitsPerTerm + 7) / 8 }
            let all = keys.reduce(0) { $0 + bytes($1.words.count + $1.numbers.count) }
            if all <= maxSignatureBytes { return keys.map { signature($0.words + $0.numbers, bytes: bytes($0.words.count + $0.numbers.count)) } }
            for i in keys.indices { keys[i].numbers = [] }
            let words = keys.reduce(0) { $0 + $1.words.count }
            return keys.map { k in
                // Within the budget: each filter's share in proportion to its terms (one false
                // positive rate for all), never more than it needs.
                let share = words == 0 ? 0 : maxSignatureBytes * k.words.count / words
                return signature(k.words, bytes: min(share, bytes(k.words.count)))
            }
        }
    #endif
}
