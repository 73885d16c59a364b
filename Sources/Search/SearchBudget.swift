import Support

/// How much one query may cost before the engine stops and answers with what it has: a
/// server's defence against queries written to be expensive.
///
/// Work limits (candidates, leaves, phrase checks) make a stop deterministic: the same query
/// on the same index stops at the same place. The wall-clock limit is a safety net for work
/// the counters do not see (a slow disk, a busy machine).
///
/// One budget serves one search on one thread; the engine charges it, the caller reads
/// `stopped` afterwards (nil: the search was complete).
public final class SearchBudget: @unchecked Sendable {
    public struct Limits: Sendable, Equatable {
        /// Documents scored in the top-k loop (every round of pool widening counts).
        public var candidates: Int
        /// Postings leaves read by one round's iterators.
        public var leaves: Int
        /// Phrase checks, each counted once per word of its phrase (it reads that many
        /// position lists of the candidate document): a long phrase costs more per check.
        public var phraseChecks: Int
        /// Wall-clock milliseconds from the budget's creation.
        public var milliseconds: Int
        /// Terms one prefix (`word*`) expands to, per field.
        public var expansions: Int

        public init(candidates: Int = 200_000, leaves: Int = 20_000, phraseChecks: Int = 50_000, milliseconds: Int = 2_000, expansions: Int = 64) {
            self.candidates = candidates
            self.leaves = leaves
            self.phraseChecks = phraseChecks
            self.milliseconds = milliseconds
            self.expansions = expansions
        }
    }

    /// Which limit ended a search early.
    public enum Reason: String, Sendable, Equatable {
        case candidates, leaves, phraseChecks, time

        /// For people and for the API's `partialReason`.
        public var description: String {
            switch self {
            case .candidates: "the query matched more documents than one query may score"
            case .leaves: "the query read more index leaves than one query may read"
            case .phraseChecks: "the query's phrases needed more position checks than one query may make"
            case .time: "the query ran out of time"
            }
        }
    }

    public let limits: Limits
    private let deadline: Double
    public private(set) var candidates = 0
    public private(set) var phraseChecks = 0
    /// The first limit reached; once set, every charge fails.
    public private(set) var stopped: Reason?

    public init(_ limits: Limits = Limits()) {
        self.limits = limits
        deadline = monotonicSeconds() + Double(limits.milliseconds) / 1000
    }

    /// Charges one candidate of the top-k loop; false once any limit is reached. `leaves` is
    /// what the current round's iterators have read so far: summing it walks the iterator tree,
    /// so it and the clock are looked at every 16th candidate (still deterministic).
    public func step(leaves: @autoclosure () -> Int) -> Bool {
        guard stopped == nil else { return false }
        candidates += 1
        if candidates > limits.candidates {
            stopped = .candidates
        } else if candidates & 15 == 0 {
            if leaves() > limits.leaves {
                stopped = .leaves
            } else if monotonicSeconds() > deadline {
                stopped = .time
            }
        }
        return stopped == nil
    }

    /// Charges one check of a phrase of `words` words; false once any limit is reached.
    public func phraseCheck(words: Int) -> Bool {
        guard stopped == nil else { return false }
        phraseChecks += max(1, words)
        if phraseChecks > limits.phraseChecks {
            stopped = .phraseChecks
        } else if phraseChecks & 15 < max(1, words) && monotonicSeconds() > deadline {  // each time the count passes a multiple of 16
            stopped = .time
        }
        return stopped == nil
    }
}
