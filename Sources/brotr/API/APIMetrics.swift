import Services
import Synchronization

/// What the API has answered: requests, failures (status 400 or above) and latencies,
/// counted by the request handlers and handed to /metrics.
final class APIMetrics: Sendable {
    /// Upper bounds of the latency histogram's buckets, seconds.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Counts: Sendable, Equatable {
        var requests = 0
        var failed = 0
        var buckets = [Int](repeating: 0, count: APIMetrics.bounds.count)
        var sum = 0.0
    }

    private let counts = Mutex(Counts())

    func record(status: Int, seconds: Double) {
        counts.withLock { c in
            c.requests += 1
            if status >= 400 { c.failed += 1 }
            c.sum += seconds
            for (i, bound) in Self.bounds.enumerated() where seconds <= bound { c.buckets[i] += 1 }
        }
    }

    var snapshot: Counts { counts.withLock { $0 } }

    /// The histogram `api_request_duration_seconds{service="api"}` in Prometheus text.
    func histogramText() -> String {
        let c = snapshot
        var out = "# HELP api_request_duration_seconds Time to answer an API request.\n# TYPE api_request_duration_seconds histogram\n"
        for (bound, count) in zip(Self.bounds, c.buckets) {
            out += "api_request_duration_seconds_bucket{service=\"api\",le=\"\(bound)\"} \(count)\n"
        }
        out += "api_request_duration_seconds_bucket{service=\"api\",le=\"+Inf\"} \(c.requests)\n"
        out += "api_request_duration_seconds_sum{service=\"api\"} \(c.sum)\n"
        out += "api_request_duration_seconds_count{service=\"api\"} \(c.requests)\n"
        return out
    }
}

/// The API as a stage, for BigBrotr's series: each cycle adds the requests answered since
/// the last to the counters `requests_total` and `requests_failed`, and sets the gauge
/// `tables_exposed` (the HTTP server answers requests all the while).
actor APIStage: CycleStage {
    nonisolated let stage = Stage.api
    let metrics: APIMetrics
    let tablesExposed: Int
    private var reported = APIMetrics.Counts()

    init(metrics: APIMetrics, tablesExposed: Int) {
        self.metrics = metrics
        self.tablesExposed = tablesExposed
    }

    func cycle() async throws -> CycleFigures {
        let now = metrics.snapshot
        defer { reported = now }
        return CycleFigures(
            gauges: ["tables_exposed": Double(tablesExposed)],
            counters: ["requests_total": Double(now.requests - reported.requests), "requests_failed": Double(now.failed - reported.failed)])
    }
}
