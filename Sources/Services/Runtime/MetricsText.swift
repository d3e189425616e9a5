/// The Prometheus text exposition (format 0.0.4) of the stages' standing, under BigBrotr's
/// metric names and labels, so that its Grafana dashboard and alert rules apply:
/// `service_info`, `service_gauge{service,name}`, `service_counter_total{service,name}`
/// and the histogram `cycle_duration_seconds{service}` (ten buckets, 1 s to 1 h).
public enum MetricsText {
    /// - Parameters:
    ///   - statuses: each stage's standing, from ``StageBoard``.
    ///   - extraGauges: more `service_gauge` values, by service and name (the archive's).
    ///   - info: labels of `service_info`.
    public static func render(
        _ statuses: [Stage: StageBoard.Status], extraGauges: [String: [String: Double]] = [:], info: [String: String] = [:]
    ) -> String {
        var out = ""
        out += "# HELP service_info Static service metadata.\n# TYPE service_info gauge\n"
        out += "service_info\(labels(info.sorted { $0.key < $1.key })) 1\n"

        var gauges: [(String, String, Double)] = []
        var counters: [(String, String, Double)] = []
        for (stage, status) in statuses.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let service = stage.rawValue
            gauges.append((service, "consecutive_failures", Double(status.consecutiveFailures)))
            gauges.append((service, "last_cycle_timestamp", Double(max(status.lastSuccess ?? 0, status.lastFailure ?? 0))))
            gauges.append((service, "last_success_timestamp", Double(status.lastSuccess ?? 0)))
            for (name, value) in status.gauges.sorted(by: { $0.key < $1.key }) { gauges.append((service, name, value)) }
            counters.append((service, "cycles_success", Double(status.cyclesSucceeded)))
            counters.append((service, "cycles_failed", Double(status.cyclesFailed)))
            // BigBrotr's HighFailureRate alert sums the errors_* counters' rates by service.
            counters.append((service, "errors_cycle", Double(status.cyclesFailed)))
            for (name, value) in status.counters.sorted(by: { $0.key < $1.key }) { counters.append((service, name, value)) }
        }
        for (service, values) in extraGauges.sorted(by: { $0.key < $1.key }) {
            for (name, value) in values.sorted(by: { $0.key < $1.key }) { gauges.append((service, name, value)) }
        }

        out += "# HELP service_gauge Point-in-time state of a service.\n# TYPE service_gauge gauge\n"
        for (service, name, value) in gauges { out += "service_gauge\(labels([("service", service), ("name", name)])) \(number(value))\n" }
        out += "# HELP service_counter Cumulative totals of a service.\n# TYPE service_counter counter\n"
        for (service, name, value) in counters { out += "service_counter_total\(labels([("service", service), ("name", name)])) \(number(value))\n" }

        out += "# HELP cycle_duration_seconds Cycle latency.\n# TYPE cycle_duration_seconds histogram\n"
        for (stage, status) in statuses.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let h = status.durations
            for (bound, count) in zip(DurationHistogram.bounds, h.cumulative) {
                out += "cycle_duration_seconds_bucket\(labels([("service", stage.rawValue), ("le", number(bound))])) \(count)\n"
            }
            out += "cycle_duration_seconds_bucket\(labels([("service", stage.rawValue), ("le", "+Inf")])) \(h.count)\n"
            out += "cycle_duration_seconds_sum\(labels([("service", stage.rawValue)])) \(number(h.sum))\n"
            out += "cycle_duration_seconds_count\(labels([("service", stage.rawValue)])) \(h.count)\n"
        }
        return out
    }

    static func labels(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
