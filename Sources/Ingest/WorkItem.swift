/// What a crawler recorded about a page besides its capture: Browsertrix's `pages.jsonl`
/// (`title`, `text`) and `urn:text:` records (the text of the page as the browser rendered it).
/// `DocumentBuilder` uses it where the capture's own HTML falls short.
public struct CrawlerPage: Sendable, Hashable {
    public var title: String?
    public var text: String?

    public init(title: String? = nil, text: String? = nil) {
        self.title = title
        self.text = text
    }
}

/// One unit of work in source order: read on the producer thread, turned into an `Outcome` by
/// `DocumentBuilder` on any worker.
public enum WorkItem: Sendable {
    case record(WARCRecord, crawler: CrawlerPage?)
    case siteFile(SiteFile)
    /// Already decided while reading. `isRecord`: a record header was read (it counts in
    /// "records read"), as opposed to damage or junk between records.
    case outcome(Outcome, isRecord: Bool)
    /// A record left out by policy (a request) whose framing was repaired: still reported.
    case ignoredRepaired(reason: String, Repair)
    /// Something a person should know that is neither damage nor a document (who signed a
    /// WACZ, what was not verified); collected in `IngestSummary.notices`.
    case notice(String)

    public func outcome(using builder: DocumentBuilder) -> Outcome {
        switch self {
        case .record(let r, let crawler): builder.build(r, crawler: crawler)
        case .siteFile(let f): builder.build(f)
        case .outcome(let o, _): o
        case .ignoredRepaired(let reason, _): .ignored(reason: reason)
        case .notice(let n): .ignored(reason: n)
        }
    }

    /// The repair to report when the outcome is not a document (which reports its own).
    var repairOfIgnored: Repair? {
        switch self {
        case .record(let r, _): r.repairs.isEmpty ? nil : Repair(r.source, r.repairs)
        case .ignoredRepaired(_, let r): r
        default: nil
        }
    }

    /// How much memory the item holds (bytes), for batching.
    var weight: Int {
        switch self {
        case .record(let r, _): r.block.count + 512
        case .siteFile(let f): f.bytes.count + 512
        case .outcome, .ignoredRepaired, .notice: 256
        }
    }

    var isRecord: Bool {
        switch self {
        case .record, .siteFile, .ignoredRepaired: true
        case .outcome(_, let r): r
        case .notice: false
        }
    }
}
