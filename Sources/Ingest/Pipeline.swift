import Support

/// Counts and problems of one ingest run.
public struct IngestSummary: Sendable {
    /// WARC records whose header was read, plus site files seen.
    public var records = 0
    public var documents = 0
    /// Left out by policy, by reason (`warc type request`, `non-text image/png`, …).
    public var ignored: [String: Int] = [:]
    /// Repairs that kept a document, by kind (`Content-Length too short`, …).
    public var recovered: [String: Int] = [:]
    /// Documents kept with a repair, each with its file and offset, in source order: the first
    /// `maxSkipExamples` only, as for skips.
    public private(set) var repaired: [Repair] = []
    /// Every document kept with a repair: non-zero (and nothing skipped) means exit status 2.
    public private(set) var repairedCount = 0
    /// Damage that lost data, each with its file and offset, in source order: the first
    /// `maxSkipExamples` only, so a hostile source cannot grow the report without bound.
    public private(set) var skipped: [Skip] = []
    /// Every skip, counted by reason.
    public private(set) var skippedByReason: [String: Int] = [:]
    /// How many skips `skipped` lists; the rest are only counted.
    public var maxSkipExamples = 100
    /// Sources that could not be read at all.
    public var failed: [IngestError] = []
    /// What a person should know that is neither damage nor a document (`WorkItem.notice`).
    public var notices: [String] = []

    public init(maxSkipExamples: Int = 100) { self.maxSkipExamples = maxSkipExamples }

    /// Every skip, listed or not: non-zero means exit status 3.
    public var skippedCount: Int { skippedByReason.values.reduce(0, +) }
    /// Skips counted but not listed in `skipped`.
    public var skippedNotListed: Int { skippedCount - skipped.count }
    /// Repaired documents counted but not listed in `repaired`.
    public var repairedNotListed: Int { repairedCount - repaired.count }

    mutating func add(_ o: Outcome, isRecord: Bool) {
        if isRecord { records += 1 }
        switch o {
        case .document(let doc, let repairs):
            documents += 1
            for r in repairs { recovered[r, default: 0] += 1 }
            if !repairs.isEmpty { addRepair(Repair(doc.source, repairs), counted: true) }
        case .ignored(let reason): ignored[reason, default: 0] += 1
        case .skipped(let s):
            skippedByReason[s.reason, default: 0] += 1
            if skipped.count < maxSkipExamples { skipped.append(s) }
        }
    }

    /// Adds a repaired record (`counted`: its repairs are already counted by kind).
    mutating func addRepair(_ r: Repair, counted: Bool = false) {
        if !counted { for k in r.reasons { recovered[k, default: 0] += 1 } }
        repairedCount += 1
        if repaired.count < maxSkipExamples { repaired.append(r) }
    }

    /// Adds `o`, which comes after everything already added.
    mutating func merge(_ o: IngestSummary) {
        records += o.records
        documents += o.documents
        for (k, v) in o.ignored { ignored[k, default: 0] += v }
        for (k, v) in o.recovered { recovered[k, default: 0] += v }
        for (k, v) in o.skippedByReason { skippedByReason[k, default: 0] += v }
        skipped += o.skipped.prefix(max(0, maxSkipExamples - skipped.count))
        repairedCount += o.repairedCount
        repaired += o.repaired.prefix(max(0, maxSkipExamples - repaired.count))
        failed += o.failed
        notices += o.notices
    }
}

extension Pipeline {
    /// The pipeline with every bound on what one record, payload or page list may hold in
    /// memory taken from a build's memory budget (`--memory-mb`), so that a smaller budget
    /// means smaller bounds: a block or site file kept whole up to an eighth of it, a decoded
    /// payload up to a sixteenth, WACZ page lists and segments waiting for their continuations
    /// an eighth each, a WARC header up to a 512th (64 KiB at least), what a compressed unit
    /// (ZIP member, gzip member, zstd frame) may inflate to whatever its ratio a 128th (1 MiB
    /// at least; past it, 1000:1 is the cap), and batches of at most a sixty-fourth. At the
    /// default 512 MiB these are the defaults (64, 32, 64, 64 MiB, 1 MiB, 4 MiB and 4 MiB).
    /// What passes a bound is skipped and reported with its file and offset.
    public func bounded(memoryBytes m: Int) -> Pipeline {
        var p = self
        let eighth = max(m / 8, 1 << 20)
        p.reader.limits.maxBlock = eighth
        p.reader.limits.cutBlockPrefix = min(p.reader.limits.cutBlockPrefix, eighth / 4)
        p.reader.limits.maxHeader = min(max(m / 512, 64 << 10), 1 << 20)
        p.reader.zipLimits.ratioAllowance = Int64(max(m / 128, 1 << 20))
        p.reader.maxPendingSegments = eighth
        p.reader.maxMetadataBytes = eighth
        p.builder.limits.maxDecodedBytes = max(m / 16, 1 << 20)
        p.batchBytes = max(min(m / 64, 4 << 20), 256 << 10)
        return p
    }
}

/// Runs ingest over sources: one producer thread reads records in order (I/O, decompression,
/// WARC framing), `workers` threads turn them into outcomes and apply `transform` (extraction is
/// the expensive part, so the build can also analyze there), and the calling thread receives the
/// results in source order through `consume`. Memory is bounded by `maxInFlight` batches of
/// about `batchBytes` each, whatever the corpus size.
public struct Pipeline: Sendable {
    public var reader: SourceReader
    public var builder: DocumentBuilder
    /// Extraction threads; default: every core.
    public var workers = processorCount
    public var batchBytes = 4 << 20
    public var batchRecords = 256
    public var maxInFlight = 0
    /// Skipped records listed in the summary (all are counted, by reason).
    public var maxSkipExamples = 100

    public init(reader: SourceReader, builder: DocumentBuilder) {
        self.reader = reader
        self.builder = builder
    }

    /// Processes `sources` in order. `consume` sees every outcome's transform, in source order,
    /// on the calling thread; if it throws, reading stops and the error is rethrown once the
    /// threads have finished. Sources that cannot be read at all are listed in `failed`.
    public func run<T: Sendable>(
        _ sources: [String], transform: @escaping @Sendable (Outcome) -> T,
        consume: (T) throws -> Void
    ) throws -> IngestSummary {
        let state = PipelineState<T>(maxInFlight: maxInFlight > 0 ? maxInFlight : max(4, workers * 3))
        let reader = self.reader, builder = self.builder
        let batchBytes = self.batchBytes, batchRecords = self.batchRecords, maxSkipExamples = self.maxSkipExamples
        let producer = Worker {
            var batch: [WorkItem] = []
            var weight = 0
            var failed: [IngestError] = []
            func flush() -> Bool {
                guard !batch.isEmpty else { return !state.isCancelled }
                let ok = state.submit(batch)
                batch = []
                weight = 0
                return ok
            }
            for path in sources {
                do {
                    try reader.read(path) { item in
                        batch.append(item)
                        weight += item.weight
                        if weight >= batchBytes || batch.count >= batchRecords { return flush() }
                        return true
                    }
                } catch let e as IngestError {
                    failed.append(e)
                } catch {
                    failed.append(IngestError(SourceRef(file: path), .failed("\(error)")))
                }
                if !flush() { break }
            }
            state.finishProducing(failed: failed)
        }
        var threads: [Worker] = []
        for _ in 0..<max(1, workers) {
            threads.append(
                Worker {
                    while let (seq, items) = state.nextBatch() {
                        var summary = IngestSummary(maxSkipExamples: maxSkipExamples)
                        var results: [T] = []
                        results.reserveCapacity(items.count)
                        for item in items {
                            if case .notice(let n) = item {
                                summary.notices.append(n)
                                continue
                            }
                            let o = item.outcome(using: builder)
                            summary.add(o, isRecord: item.isRecord)
                            // A record left out by policy (a request, an image) may have been
                            // repaired too: damage is reported whatever became of the record.
                            if case .ignored = o, let r = item.repairOfIgnored { summary.addRepair(r) }
                            results.append(transform(o))
                        }
                        state.complete(seq, results, summary)
                    }
                })
        }
        var total = IngestSummary(maxSkipExamples: maxSkipExamples)
        var failure: Error?
        while let (results, summary) = state.nextResult() {
            total.merge(summary)
            if failure == nil {
                do { for r in results { try consume(r) } } catch {
                    failure = error
                    state.cancel()
                }
            }
        }
        producer.join()
        for t in threads { t.join() }
        total.failed = state.failed
        if let failure { throw failure }
        return total
    }
}

/// The shared queues: batches waiting for a worker, results waiting for their turn.
final class PipelineState<T: Sendable>: @unchecked Sendable {
    private let monitor = Monitor()
    private let maxInFlight: Int
    private var queue: [(Int, [WorkItem])] = []
    private var queueHead = 0
    private var results: [Int: ([T], IngestSummary)] = [:]
    private var submitted = 0
    private var delivered = 0
    private var producing = true
    private var cancelled = false
    private(set) var failed: [IngestError] = []

    init(maxInFlight: Int) { self.maxInFlight = maxInFlight }

    var isCancelled: Bool { monitor.locked { cancelled } }

    /// Queues a batch, waiting while too many are in flight; false once cancelled.
    func submit(_ batch: [WorkItem]) -> Bool {
        monitor.locked {
            while submitted - delivered >= maxInFlight && !cancelled { monitor.wait() }
            if cancelled { return false }
            queue.append((submitted, batch))
            submitted += 1
            monitor.broadcast()
            return true
        }
    }

    func finishProducing(failed: [IngestError]) {
        monitor.locked {
            self.failed = failed
            producing = false
            monitor.broadcast()
        }
    }

    func nextBatch() -> (Int, [WorkItem])? {
        monitor.locked {
            while queueHead == queue.count && producing { monitor.wait() }
            guard queueHead < queue.count else { return nil }
            let b = queue[queueHead]
            queue[queueHead].1 = []
            queueHead += 1
            if queueHead > 1024 { queue.removeFirst(queueHead); queueHead = 0 }
            return b
        }
    }

    func complete(_ seq: Int, _ r: [T], _ s: IngestSummary) {
        monitor.locked {
            results[seq] = (r, s)
            monitor.broadcast()
        }
    }

    /// The next result in order, or nil when everything submitted has been delivered.
    func nextResult() -> ([T], IngestSummary)? {
        monitor.locked {
            while results[delivered] == nil && (producing || delivered < submitted) { monitor.wait() }
            guard let r = results.removeValue(forKey: delivered) else { return nil }
            delivered += 1
            monitor.broadcast()
            return r
        }
    }

    func cancel() {
        monitor.locked {
            cancelled = true
            monitor.broadcast()
        }
    }
}
