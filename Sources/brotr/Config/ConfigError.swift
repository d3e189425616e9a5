/// A configuration file that cannot be used: bad YAML, an unknown key, or a value of the
/// wrong type. The message names the file, line and key path, and what was expected.
struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The config file, when there is one.
    let file: String?
    /// 1-based line of the offending node, when known.
    let line: Int?
    /// Dotted key path, for example `network.allow_loopback`.
    let keyPath: String?
    let message: String

    var description: String {
        var where_ = file ?? "config"
        if let line { where_ += ":\(line)" }
        if let keyPath { return "\(where_): \(keyPath): \(message)" }
        return "\(where_): \(message)"
    }
}
