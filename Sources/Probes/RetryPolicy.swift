/// How often a check is tried before its failure counts: attempts, with exponential
/// backoff between them and random jitter on top, so that checks that failed together do
/// not all come back at the same instant.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries in all, at least 1.
    public var attempts: Int
    /// The wait before the second try; each later wait doubles, up to `maxDelay`.
    public var initialDelay: Duration
    public var maxDelay: Duration
    /// Up to this much is added to each wait, at random.
    public var jitter: Duration

    public init(attempts: Int = 2, initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(10), jitter: Duration = .milliseconds(500)) {
        self.attempts = max(1, attempts)
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The wait after failed try number `failed` (1 for the first).
    func delay(after failed: Int) -> Duration {
        var wait = initialDelay
        for _ in 1..<max(1, failed) where wait < maxDelay { wait *= 2 }
        return min(wait, maxDelay) + jitter * Double.random(in: 0...1)
    }

    /// Runs `probe` until it succeeds, fails for good (not retryable), the attempts run
    /// out or the task is cancelled. The result is the last one, its logs preceded by one
    /// line per earlier failure.
    public func run<Value>(_ probe: () async -> ProbeResult<Value>) async -> ProbeResult<Value> {
        var earlier: [String] = []
        var tried = 1
        while true {
            let result = await probe()
            guard !result.success, result.retryable, tried < attempts, !Task.isCancelled else {
                return result.logged(before: earlier)
            }
            let wait = delay(after: tried)
            earlier.append("attempt \(tried) failed (\(result.reason ?? "no reason")); trying again in \(wait)")
            do { try await Task.sleep(for: wait) } catch { return result.logged(before: earlier) }
            tried += 1
        }
    }
}
