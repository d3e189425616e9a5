import Foundation
public import Logging
public import ServiceLifecycle

/// Runs one stage's cycles for `brotr serve`: a cycle, then a wait that graceful shutdown
/// interrupts at once, again and again. A cycle that throws is logged and counted; after
/// `maxConsecutiveFailures` in a row the stage backs off (doubling the interval up to
/// `maxBackoff`) and keeps trying. Nothing a stage throws stops the process.
///
/// On shutdown the cycle under way may finish: the service group cancels it when its
/// grace period ends.
public struct StageRunner: Service {
    public struct Settings: Sendable, Equatable {
        public var interval: Duration
        public var maxConsecutiveFailures: Int
        public var maxBackoff: Duration

        public init(interval: Duration, maxConsecutiveFailures: Int = 5, maxBackoff: Duration = .seconds(3600)) {
            self.interval = interval
            self.maxConsecutiveFailures = max(1, maxConsecutiveFailures)
            self.maxBackoff = maxBackoff
        }
    }

    let stage: any CycleStage
    let settings: Settings
    let board: StageBoard
    let logger: Logger
    /// Run before each cycle; what it throws fails the cycle (an archive that cannot write
    /// stops work before any is done, and the stage backs off like any failure).
    let precondition: (@Sendable () async throws -> Void)?

    public init(
        _ stage: any CycleStage, settings: Settings, board: StageBoard, logger: Logger, precondition: (@Sendable () async throws -> Void)? = nil
    ) {
        self.stage = stage
        self.settings = settings
        self.board = board
        self.logger = logger
        self.precondition = precondition
    }

    public func run() async throws {
        let name = stage.stage
        await board.register(name)
        var consecutiveFailures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let clock = ContinuousClock()
            let started = clock.now
            do {
                try await precondition?()
                let figures = try await stage.cycle()
                let seconds = Self.seconds(clock.now - started)
                consecutiveFailures = 0
                await board.recordSuccess(name, seconds: seconds, figures: figures, at: Self.unixNow())
                var metadata: Logger.Metadata = ["stage": "\(name.rawValue)", "duration": "\(String(format: "%.3f", seconds))"]
                for (key, value) in figures.gauges.merging(figures.counters, uniquingKeysWith: { a, _ in a }) {
                    metadata[key] = "\(value.rounded() == value ? String(Int64(value)) : String(value))"
                }
                logger.info("cycle completed", metadata: metadata)
            } catch {
                if Task.isCancelled { break }
                let seconds = Self.seconds(clock.now - started)
                consecutiveFailures += 1
                await board.recordFailure(name, seconds: seconds, error: error, at: Self.unixNow())
                logger.error(
                    "cycle failed",
                    metadata: [
                        "stage": "\(name.rawValue)", "duration": "\(String(format: "%.3f", seconds))",
                        "consecutive_failures": "\(consecutiveFailures)", "error": "\(error)",
                    ])
            }
            let wait = Self.wait(after: consecutiveFailures, settings)
            if consecutiveFailures >= settings.maxConsecutiveFailures {
                logger.warning(
                    "stage keeps failing; backing off",
                    metadata: ["stage": "\(name.rawValue)", "consecutive_failures": "\(consecutiveFailures)", "retry_in": "\(wait)"])
            }
            // Shutdown ends the wait at once (the sleep is cancelled).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    /// The pause before the next cycle: the interval, doubled for each failure past the
    /// limit, never above `maxBackoff` (nor below the interval).
    static func wait(after consecutiveFailures: Int, _ settings: Settings) -> Duration {
        let excess = consecutiveFailures - settings.maxConsecutiveFailures
        guard excess >= 0 else { return settings.interval }
        var wait = settings.interval
        for _ in 0...min(excess, 20) where wait < settings.maxBackoff { wait *= 2 }
        return max(settings.interval, min(wait, settings.maxBackoff))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func unixNow() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
