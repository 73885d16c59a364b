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
    /// Damage that lost data, each with its file and offset, in source order.
    public var skipped: [Skip] = []
    /// Sources that could not be read at all.
    public var failed: [IngestError] = []

    public init() {}

    mutating func add(_ o: Outcome, isRecord: Bool) {
        if isRecord { records += 1 }
        switch o {
        case .document(_, let repairs):
            documents += 1
            for r in repairs { recovered[r, default: 0] += 1 }
        case .ignored(let reason): ignored[reason, default: 0] += 1
        case .skipped(let s): skipped.append(s)
        }
    }

    mutating func merge(_ o: IngestSummary) {
        records += o.records
        documents += o.documents
        for (k, v) in o.ignored { ignored[k, default: 0] += v }
        for (k, v) in o.recovered { recovered[k, default: 0] += v }
        skipped += o.skipped
        failed += o.failed
    }

    /// Skipped records grouped by reason.
    public var skippedByReason: [String: Int] {
        skipped.reduce(into: [:]) { $0[$1.reason, default: 0] += 1 }
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
        let batchBytes = self.batchBytes, batchRecords = self.batchRecords
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
                        var summary = IngestSummary()
                        var results: [T] = []
                        results.reserveCapacity(items.count)
                        for item in items {
                            let o = item.outcome(using: builder)
                            summary.add(o, isRecord: item.isRecord)
                            results.append(transform(o))
                        }
                        state.complete(seq, results, summary)
                    }
                })
        }
        var total = IngestSummary()
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
