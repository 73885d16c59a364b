import Synchronization

/// At most `limit` searches at once. A search that finds every slot taken waits up to `wait`
/// for one, in arrival order, with at most `maxWaiting` others; past that it is refused (the
/// API answers 503 with Retry-After). Block and file requests never pass through here, and
/// searches run on their own threads (`searchThreads`), so a storm of searches cannot delay
/// them.
final class SearchGate: Sendable {
    let limit: Int
    let maxWaiting: Int
    let wait: Duration

    private struct State {
        var running = 0
        var peak = 0
        var refused = 0
        var nextID: UInt64 = 0
        var waiters: [(id: UInt64, resume: CheckedContinuation<Bool, Never>)] = []
    }
    private let state = Mutex(State())

    init(limit: Int, maxWaiting: Int, wait: Duration) {
        self.limit = max(1, limit)
        self.maxWaiting = max(0, maxWaiting)
        self.wait = wait
    }

    /// The most searches that ever held a slot at once, and how many were refused.
    var peak: Int { state.withLock { $0.peak } }
    var refused: Int { state.withLock { $0.refused } }
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// True with a slot held (give it back with `leave()`), false when refused.
    func enter() async -> Bool {
        enum Outcome { case entered, refused, queued(UInt64) }
        return await withCheckedContinuation { (resume: CheckedContinuation<Bool, Never>) in
            let outcome = state.withLock { s -> Outcome in
                if s.running < limit {
                    s.running += 1
                    s.peak = max(s.peak, s.running)
                    return .entered
                }
                guard s.waiters.count < self.maxWaiting, self.wait > .zero else {
                    s.refused += 1
                    return .refused
                }
                s.nextID += 1
                s.waiters.append((s.nextID, resume))
                return .queued(s.nextID)
            }
            switch outcome {
            case .entered: resume.resume(returning: true)
            case .refused: resume.resume(returning: false)
            case .queued(let id):
                Task { [wait] in
                    try? await Task.sleep(for: wait)
                    self.giveUp(id)
                }
            }
        }
    }

    /// Gives the slot to the longest waiter, or frees it.
    func leave() {
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            if !s.waiters.isEmpty { return s.waiters.removeFirst().resume }
            s.running -= 1
            return nil
        }
        next?.resume(returning: true)
    }

    private func giveUp(_ id: UInt64) {
        let waiter = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            s.refused += 1
            return s.waiters.remove(at: i).resume
        }
        waiter?.resume(returning: false)
    }
}
