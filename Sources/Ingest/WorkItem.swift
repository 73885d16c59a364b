/// Titles by URL from a WACZ's `pages/*.jsonl`, shared by every record of that package.
public final class PageTitles: Sendable {
    public let byURL: [String: String]
    public init(_ byURL: [String: String]) { self.byURL = byURL }
}

/// One unit of work in source order: read on the producer thread, turned into an `Outcome` by
/// `DocumentBuilder` on any worker.
public enum WorkItem: Sendable {
    case record(WARCRecord, titles: PageTitles?)
    case siteFile(SiteFile)
    /// Already decided while reading. `isRecord`: a record header was read (it counts in
    /// "records read"), as opposed to damage or junk between records.
    case outcome(Outcome, isRecord: Bool)

    public func outcome(using builder: DocumentBuilder) -> Outcome {
        switch self {
        case .record(let r, let titles): builder.build(r, titles: titles?.byURL)
        case .siteFile(let f): builder.build(f)
        case .outcome(let o, _): o
        }
    }

    /// How much memory the item holds (bytes), for batching.
    var weight: Int {
        switch self {
        case .record(let r, _): r.block.count + 512
        case .siteFile(let f): f.bytes.count + 512
        case .outcome: 256
        }
    }

    var isRecord: Bool {
        switch self {
        case .record, .siteFile: true
        case .outcome(_, let r): r
        }
    }
}
