import Yams

/// A duration in the config file: a number of seconds (`90`, `1.5`) or text made of
/// number+unit parts (`500ms`, `15m`, `1h30m`, `2d`). Units: ms, s, m, h, d.
struct ConfigDuration: Hashable, Sendable, ConfigValue, CustomStringConvertible {
    let duration: Duration

    init(_ duration: Duration) { self.duration = duration }
    static func seconds(_ s: Int64) -> ConfigDuration { ConfigDuration(.seconds(s)) }

    /// Parses seconds or number+unit text.
    init?(parsing text: String) {
        let t = text.trimmingPrefixAndSuffixSpaces()
        guard !t.isEmpty else { return nil }
        if let seconds = Double(t), seconds.isFinite, seconds >= 0 {
            duration = .milliseconds(Int64((seconds * 1000).rounded()))
            return
        }
        var total: Int64 = 0
        var rest = Substring(t)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let ms: Int64
            switch unit {
            case "ms": ms = 1
            case "s": ms = 1000
            case "m": ms = 60_000
            case "h": ms = 3_600_000
            case "d": ms = 86_400_000
            default: return nil
            }
            let (product, o1) = n.multipliedReportingOverflow(by: ms)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2 else { return nil }
            total = sum
        }
        duration = .milliseconds(total)
    }

    static func decode(_ node: Node) throws -> ConfigDuration {
        let text = try scalar(node, expected: "a duration")
        guard let value = ConfigDuration(parsing: text) else {
            throw ConfigValueProblem(message: "expected a duration (seconds, or like 500ms, 15m, 1h30m, 2d), got '\(text.prefix(40))'")
        }
        return value
    }

    var description: String {
        let ms = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if ms % 86_400_000 == 0, ms > 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0, ms > 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0, ms > 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

extension String {
    fileprivate func trimmingPrefixAndSuffixSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
