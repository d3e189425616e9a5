import Foundation

/// The series BigBrotr 6.6.9's Grafana dashboard (deployments/bigbrotr/monitoring/grafana/
/// provisioning/dashboards/bigbrotr.json) and alert rules (prometheus/rules/alerts.yml)
/// select by service and name, written down as facts read from those files; and the
/// selectors of brotr's own dashboard, read from packaging/monitoring/grafana/brotr.json.
enum DashboardSeries {
    struct Series: Hashable, CustomStringConvertible {
        let metric: String
        let service: String
        /// nil: the metric has no name label (the cycle histogram); a name ending in `*`
        /// stands for the alert's regex (`errors_.*`).
        let name: String?

        var description: String { "\(metric){service=\"\(service)\"\(name.map { ",name=\"\($0)\"" } ?? "")}" }
    }

    /// Every stage's last cycle, failures in a row and cycle histogram (dashboard), and
    /// the errors_* counters the HighFailureRate alert sums.
    static let perStage = ["finder", "validator", "monitor", "synchronizer", "refresher", "api", "dvm"].flatMap { service in
        [
            Series(metric: "service_gauge", service: service, name: "last_cycle_timestamp"),
            Series(metric: "service_gauge", service: service, name: "consecutive_failures"),
            Series(metric: "cycle_duration_seconds_bucket", service: service, name: nil),
            Series(metric: "service_counter_total", service: service, name: "errors_*"),
        ]
    }

    static let gauges: [String: [String]] = [
        "finder": [
            "rows_seen", "relays_seen", "total_sources", "sources_fetched", "candidates_found_from_api", "candidates_found_from_events",
        ],
        "validator": ["total", "validated", "not_validated"],
        "monitor": ["total", "succeeded", "failed"],
        "synchronizer": ["events_seen", "relays_seen", "total_relays"],
        "refresher": [
            "views_total", "views_refreshed", "views_failed", "duration_relay_metadata_latest", "duration_event_stats",
            "duration_relay_stats", "duration_kind_counts", "duration_kind_counts_by_relay", "duration_pubkey_counts",
            "duration_pubkey_counts_by_relay", "duration_network_stats", "duration_event_daily_counts",
            "duration_relay_software_counts", "duration_supported_nip_counts",
        ],
        "api": ["tables_exposed"],
        "dvm": ["tables_exposed"],
    ]

    static let counters: [String: [String]] = ["api": ["requests_total", "requests_failed"], "dvm": ["requests_total", "requests_failed"]]

    /// BigBrotr's dashboard and alerts, for the seven stages brotr runs under their names.
    static var bigBrotr: [Series] {
        perStage + gauges.flatMap { service, names in names.map { Series(metric: "service_gauge", service: service, name: $0) } }
            + counters.flatMap { service, names in names.map { Series(metric: "service_counter_total", service: service, name: $0) } }
    }

    /// The `metric{service="...", name="..."}` selectors of a Grafana dashboard's queries.
    static func selectors(inDashboard path: String) throws -> [Series] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"(service_gauge|service_counter_total)\{service=\\"([a-z_]+)\\", name=\\"([a-z_0-9]+)\\"\}"#)
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).compactMap { match in
            guard let metric = Range(match.range(at: 1), in: text), let service = Range(match.range(at: 2), in: text),
                let name = Range(match.range(at: 3), in: text)
            else { return nil }
            return Series(metric: String(text[metric]), service: String(text[service]), name: String(text[name]))
        }
    }

    /// The series of `wanted` that no line of a /metrics exposition holds.
    static func missing(_ wanted: [Series], in exposition: String) -> [Series] {
        let lines = exposition.split(separator: "\n").filter { !$0.hasPrefix("#") }
        return wanted.filter { series in
            let prefix = "\(series.metric){service=\"\(series.service)\""
            guard let name = series.name else { return !lines.contains { $0.hasPrefix(prefix) } }
            if name.hasSuffix("*") {
                return !lines.contains { $0.hasPrefix(prefix + ",name=\"\(name.dropLast())") }
            }
            return !lines.contains { $0.hasPrefix(prefix + ",name=\"\(name)\"} ") }
        }
    }
}
