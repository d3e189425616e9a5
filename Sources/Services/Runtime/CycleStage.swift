/// A pipeline stage that works in cycles. A ``StageRunner`` calls ``cycle()`` at the
/// stage's interval, catches what it throws, and reports it.
public protocol CycleStage: Sendable {
    /// Which stage this is (its name in logs, metrics and config).
    var stage: Stage { get }

    /// One unit of work. What it returns becomes the stage's gauges and counters.
    func cycle() async throws -> CycleFigures
}

/// What one cycle did: levels (gauges, replaced each cycle) and amounts (counters, added
/// up over cycles), by metric name.
public struct CycleFigures: Sendable, Equatable {
    public var gauges: [String: Double]
    public var counters: [String: Double]

    public init(gauges: [String: Double] = [:], counters: [String: Double] = [:]) {
        self.gauges = gauges
        self.counters = counters
    }
}
