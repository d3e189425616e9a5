/// What the runners report about their stages, read by /health and /metrics.
public actor StageBoard {
    /// One stage's standing.
    public struct Status: Sendable, Equatable {
        public var cyclesSucceeded = 0
        public var cyclesFailed = 0
        public var consecutiveFailures = 0
        /// Unix seconds of the last cycle that succeeded, and of the last that failed.
        public var lastSuccess: Int64?
        public var lastFailure: Int64?
        public var lastError: String?
        /// Seconds the last cycle took.
        public var lastDuration: Double?
        public var gauges: [String: Double] = [:]
        public var counters: [String: Double] = [:]
        public var durations = DurationHistogram()

        public init() {}
    }

    public private(set) var statuses: [Stage: Status] = [:]

    public init() {}

    /// Makes a stage visible before its first cycle ends.
    public func register(_ stage: Stage) {
        if statuses[stage] == nil { statuses[stage] = Status() }
    }

    public func recordSuccess(_ stage: Stage, seconds: Double, figures: CycleFigures, at now: Int64) {
        var status = statuses[stage] ?? Status()
        status.cyclesSucceeded += 1
        status.consecutiveFailures = 0
        status.lastSuccess = now
        status.lastDuration = seconds
        status.durations.observe(seconds)
        status.gauges.merge(figures.gauges) { _, new in new }
        status.counters.merge(figures.counters, uniquingKeysWith: +)
        statuses[stage] = status
    }

    public func recordFailure(_ stage: Stage, seconds: Double, error: any Error, at now: Int64) {
        var status = statuses[stage] ?? Status()
        status.cyclesFailed += 1
        status.consecutiveFailures += 1
        status.lastFailure = now
        status.lastDuration = seconds
        status.lastError = String(describing: error)
        status.durations.observe(seconds)
        let type = "errors_" + String(describing: Swift.type(of: error)).lowercased()
        status.counters[type, default: 0] += 1
        statuses[stage] = status
    }
}

/// Cycle durations in BigBrotr's ten buckets, from one second to one hour.
public struct DurationHistogram: Sendable, Equatable {
    public static let bounds: [Double] = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
    /// Observations at or under each bound (cumulative, as Prometheus wants them).
    public private(set) var cumulative = [Int](repeating: 0, count: bounds.count)
    public private(set) var count = 0
    public private(set) var sum = 0.0

    public init() {}

    public mutating func observe(_ seconds: Double) {
        count += 1
        sum += seconds
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound { cumulative[i] += 1 }
    }
}
