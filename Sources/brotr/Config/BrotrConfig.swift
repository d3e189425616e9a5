import Archive
import Services
import Transport

/// The whole configuration, with every default in code: `brotr serve --data DIR` needs
/// no file. config/brotr.yaml documents each option; a test checks that the documented
/// defaults are these.
///
/// Each layer's section is that layer's own configuration type, read from the file and
/// handed on as it is: the archive's ``ArchiveConfiguration``, the network's
/// ``NetworkConfiguration`` (proxies, read once, for every stage), and each stage's
/// settings.
struct BrotrConfig: Equatable, Sendable {
    var network = NetworkConfiguration()
    var log = LogConfig()
    var archive = ArchiveConfiguration()
    var runtime = RuntimeConfig()
    var http = HTTPConfig()
    var api = APIConfig()
    var seeder = StageConfig(interval: .seconds(3600), settings: SeederSettings())
    var finder = StageConfig(interval: .seconds(300), settings: FinderSettings())
    var validator = StageConfig(interval: .seconds(300), settings: ValidatorSettings())
    var monitor = StageConfig(interval: .seconds(300), settings: MonitorSettings())
    var synchronizer = StageConfig(interval: .seconds(900), settings: SynchronizerSettings())
    var refresher = StageConfig(interval: .seconds(300), settings: RefresherSettings())
    var dvm = StageConfig(interval: .seconds(30), settings: DVMSettings())
}

/// A stage's section: whether `brotr serve` runs it and how often (the runtime's part),
/// and the stage's own settings, as the stage takes them.
struct StageConfig<Settings: Equatable & Sendable>: Equatable, Sendable {
    var enabled = true
    var interval: ConfigDuration
    var settings: Settings
}

/// `runtime:` — how `brotr serve` runs its stages.
struct RuntimeConfig: Equatable, Sendable {
    /// Failures in a row after which a stage backs off (its interval doubling per failure).
    var maxConsecutiveFailures = 5
    /// The longest back-off.
    var maxBackoff = ConfigDuration.seconds(3600)
    /// On SIGTERM/SIGINT, time the cycles under way get to finish before they are cancelled.
    var shutdownGrace = ConfigDuration.seconds(10)
}

/// `http:` — the metrics and health endpoints.
struct HTTPConfig: Equatable, Sendable {
    var enabled = true
    /// address:port; 127.0.0.1 keeps it off the network.
    var listen = "127.0.0.1:8008"

    /// The host and port of `listen`, or nil when it does not parse.
    var hostAndPort: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

/// `log:` — where log lines go and how they look.
struct LogConfig: Equatable, Sendable {
    var level: LogLevel = .info
    var format: LogFormat = .logfmt
}

/// Log line formats.
enum LogFormat: String, ConfigEnum, Sendable {
    /// `key=value` pairs, one line per record (the default).
    case logfmt
    /// One JSON object per line.
    case json
}

/// Log levels, as swift-log names them.
enum LogLevel: String, ConfigEnum, Sendable {
    case trace, debug, info, notice, warning, error, critical
}
