import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import Services

/// The cycle runner: failures are contained, shutdown interrupts the wait.
struct StageRunnerTests {
    /// A stage that counts its cycles and throws every time when `failing`.
    final class CountingStage: CycleStage {
        let stage: Stage
        let failing: Bool
        let cycles = Mutex(0)

        init(_ stage: Stage, failing: Bool) {
            self.stage = stage
            self.failing = failing
        }

        struct Boom: Error {}

        func cycle() async throws -> CycleFigures {
            let n = cycles.withLock { $0 += 1; return $0 }
            if failing { throw Boom() }
            return CycleFigures(gauges: ["last": Double(n)], counters: ["done": 1])
        }
    }

    @Test func aStageThatThrowsEveryCycleDoesNotStopTheOthers() async throws {
        let board = StageBoard()
        let failing = CountingStage(.finder, failing: true)
        let healthy = CountingStage(.validator, failing: false)
        let settings = StageRunner.Settings(interval: .milliseconds(20), maxConsecutiveFailures: 3, maxBackoff: .milliseconds(80))
        let logger = Logger(label: "test")
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    StageRunner(failing, settings: settings, board: board, logger: logger),
                    StageRunner(healthy, settings: settings, board: board, logger: logger),
                ], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Bounded: at most 30 s, however slow the machine.
            for _ in 0..<3000 {
                if healthy.cycles.withLock({ $0 }) >= 10 && failing.cycles.withLock({ $0 }) >= 5 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let statuses = await board.statuses
        let bad = try #require(statuses[.finder]), good = try #require(statuses[.validator])
        #expect(healthy.cycles.withLock { $0 } >= 10)
        #expect(failing.cycles.withLock { $0 } >= 5)
        #expect(bad.cyclesFailed >= 5 && bad.cyclesSucceeded == 0 && bad.consecutiveFailures == bad.cyclesFailed)
        #expect(bad.counters["errors_boom"] == Double(bad.cyclesFailed))
        #expect(bad.lastError?.contains("Boom") == true)
        #expect(good.cyclesSucceeded >= 10 && good.cyclesFailed == 0 && good.consecutiveFailures == 0)
        #expect(good.counters["done"] == Double(good.cyclesSucceeded))
        #expect(good.durations.count == good.cyclesSucceeded)
    }

    @Test func shutdownEndsTheWaitAtOnce() async throws {
        let board = StageBoard()
        let stage = CountingStage(.seeder, failing: false)
        // An hour between cycles: only an interrupted wait lets the group stop.
        let runner = StageRunner(stage, settings: .init(interval: .seconds(3600)), board: board, logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [runner], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<3000 where stage.cycles.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(stage.cycles.withLock { $0 } == 1)
    }

    @Test func backoffDoublesPastTheFailureLimitUpToTheCap() {
        let s = StageRunner.Settings(interval: .seconds(10), maxConsecutiveFailures: 3, maxBackoff: .seconds(100))
        #expect(StageRunner.wait(after: 0, s) == .seconds(10))
        #expect(StageRunner.wait(after: 2, s) == .seconds(10))
        #expect(StageRunner.wait(after: 3, s) == .seconds(20))
        #expect(StageRunner.wait(after: 4, s) == .seconds(40))
        #expect(StageRunner.wait(after: 5, s) == .seconds(80))
        #expect(StageRunner.wait(after: 6, s) == .seconds(100))
        #expect(StageRunner.wait(after: 1000, s) == .seconds(100))
    }

    @Test func metricsUseBigBrotrsNamesAndLabels() async {
        let board = StageBoard()
        await board.recordSuccess(.finder, seconds: 2.5, figures: CycleFigures(gauges: ["position": 7], counters: ["candidates_added": 3]), at: 1_700_000_000)
        await board.recordFailure(.validator, seconds: 0.2, error: CountingStage.Boom(), at: 1_700_000_100)
        let text = MetricsText.render(await board.statuses, extraGauges: ["archive": ["events": 42]], info: ["service": "brotr", "version": "x\"y"])
        let lines = Set(text.split(separator: "\n").map(String.init))
        for expected in [
            #"service_info{service="brotr",version="x\"y"} 1"#,
            #"service_gauge{service="finder",name="position"} 7"#,
            #"service_gauge{service="finder",name="consecutive_failures"} 0"#,
            #"service_gauge{service="validator",name="consecutive_failures"} 1"#,
            #"service_gauge{service="finder",name="last_cycle_timestamp"} 1700000000"#,
            #"service_gauge{service="archive",name="events"} 42"#,
            #"service_counter_total{service="finder",name="candidates_added"} 3"#,
            #"service_counter_total{service="finder",name="cycles_success"} 1"#,
            #"service_counter_total{service="validator",name="cycles_failed"} 1"#,
            #"cycle_duration_seconds_bucket{service="finder",le="1"} 0"#,
            #"cycle_duration_seconds_bucket{service="finder",le="5"} 1"#,
            #"cycle_duration_seconds_bucket{service="finder",le="3600"} 1"#,
            #"cycle_duration_seconds_bucket{service="finder",le="+Inf"} 1"#,
            #"cycle_duration_seconds_sum{service="finder"} 2.5"#,
            #"cycle_duration_seconds_count{service="validator"} 1"#,
            "# TYPE cycle_duration_seconds histogram",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
    }
}
