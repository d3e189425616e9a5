import Nostr
import Services
import Transport

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

/// `seeder:` — the seed list loaded on first start.
struct SeederConfig: Equatable, Sendable {
    var enabled = true
    var interval = ConfigDuration.seconds(3600)
    var builtin = true
    var file: String?
    var toRelays = false

    var settings: SeederSettings { SeederSettings(builtin: builtin, file: file, toRelays: toRelays) }
}

/// `finder:` — relay URLs discovered in archived events.
struct FinderConfig: Equatable, Sendable {
    var enabled = true
    var interval = ConfigDuration.seconds(300)
    var batchSize = 5_000
    var maxEventsPerCycle = 500_000
    /// Web APIs listing relay URLs, by URL. None by default.
    var sources: [String: Source] = [:]

    struct Source: Equatable, Sendable {
        var path = ""
        var cooldown = ConfigDuration.seconds(86_400)
        var timeout = ConfigDuration.seconds(30)
        var maxBytes = 4 << 20
    }

    var settings: FinderSettings {
        FinderSettings(
            batchSize: batchSize, maxEventsPerCycle: maxEventsPerCycle,
            sources: sources.sorted { $0.key < $1.key }.map { url, s in
                HTTPSource(url: url, path: s.path, cooldown: Int64(s.cooldown.duration.components.seconds), timeout: s.timeout.duration, maxBytes: s.maxBytes)
            })
    }
}

/// `validator:` — candidates checked and promoted to relays.
struct ValidatorConfig: Equatable, Sendable {
    var enabled = true
    var interval = ConfigDuration.seconds(300)
    var concurrency = 16
    var maxPerCycle = 2_000
    var cooldown = ConfigDuration.seconds(3600)
    var maxFailures = 720
    var connectTimeout = ConfigDuration.seconds(10)
    var readTimeout = ConfigDuration.seconds(10)
    var allowInsecureFallback = true

    var settings: ValidatorSettings {
        var s = ValidatorSettings()
        s.concurrency = concurrency
        s.networkConcurrency = s.networkConcurrency.mapValues { min($0, concurrency) }
        s.maxPerCycle = maxPerCycle
        s.cooldown = Int64(cooldown.duration.components.seconds)
        s.maxFailures = maxFailures
        s.connection = ConnectionOptions(connectTimeout: connectTimeout.duration, readTimeout: readTimeout.duration)
        s.allowInsecureFallback = allowInsecureFallback
        return s
    }
}

extension BrotrConfig {
    /// Reads the stage sections and `runtime:`/`http:`, each key once.
    mutating func readStageSections(_ root: ConfigReader, file: String?) throws {
        func check(_ ok: Bool, _ path: String, _ message: String) throws {
            guard ok else { throw ConfigError(file: file, line: nil, keyPath: path, message: message) }
        }
        let d = BrotrConfig()

        let runtime = try root.section("runtime")
        self.runtime = RuntimeConfig(
            maxConsecutiveFailures: try runtime.value("max_consecutive_failures", default: d.runtime.maxConsecutiveFailures),
            maxBackoff: try runtime.value("max_backoff", default: d.runtime.maxBackoff),
            shutdownGrace: try runtime.value("shutdown_grace", default: d.runtime.shutdownGrace))
        try check(self.runtime.maxConsecutiveFailures >= 1, "runtime.max_consecutive_failures", "expected 1 or more")
        try runtime.finish()

        let http = try root.section("http")
        self.http = HTTPConfig(enabled: try http.value("enabled", default: d.http.enabled), listen: try http.value("listen", default: d.http.listen))
        try check(self.http.hostAndPort != nil, "http.listen", "expected address:port, such as 127.0.0.1:8008 or [::1]:8008")
        try http.finish()

        let seeder = try root.section("seeder")
        self.seeder = SeederConfig(
            enabled: try seeder.value("enabled", default: d.seeder.enabled), interval: try seeder.value("interval", default: d.seeder.interval),
            builtin: try seeder.value("builtin", default: d.seeder.builtin), file: try seeder.optional("file"),
            toRelays: try seeder.value("to_relays", default: d.seeder.toRelays))
        try seeder.finish()

        let finder = try root.section("finder")
        self.finder = FinderConfig(
            enabled: try finder.value("enabled", default: d.finder.enabled), interval: try finder.value("interval", default: d.finder.interval),
            batchSize: try finder.value("batch_size", default: d.finder.batchSize),
            maxEventsPerCycle: try finder.value("max_events_per_cycle", default: d.finder.maxEventsPerCycle))
        let sources = try finder.section("sources")
        for url in sources.keys {
            let source = try sources.section(url)
            let d = FinderConfig.Source()
            self.finder.sources[url] = FinderConfig.Source(
                path: try source.value("path", default: d.path), cooldown: try source.value("cooldown", default: d.cooldown),
                timeout: try source.value("timeout", default: d.timeout), maxBytes: try source.value("max_bytes", default: d.maxBytes))
            try check(url.hasPrefix("https://") || url.hasPrefix("http://"), "finder.sources.\(url)", "expected an http:// or https:// URL")
            try check((1...256 << 20).contains(self.finder.sources[url]?.maxBytes ?? 0), "finder.sources.\(url).max_bytes", "expected 1 to 256 MiB")
            try source.finish()
        }
        try sources.finish()
        try check(self.finder.batchSize >= 1, "finder.batch_size", "expected 1 or more")
        try check(self.finder.maxEventsPerCycle >= 1, "finder.max_events_per_cycle", "expected 1 or more")
        try finder.finish()

        let validator = try root.section("validator")
        self.validator = ValidatorConfig(
            enabled: try validator.value("enabled", default: d.validator.enabled),
            interval: try validator.value("interval", default: d.validator.interval),
            concurrency: try validator.value("concurrency", default: d.validator.concurrency),
            maxPerCycle: try validator.value("max_per_cycle", default: d.validator.maxPerCycle),
            cooldown: try validator.value("cooldown", default: d.validator.cooldown),
            maxFailures: try validator.value("max_failures", default: d.validator.maxFailures),
            connectTimeout: try validator.value("connect_timeout", default: d.validator.connectTimeout),
            readTimeout: try validator.value("read_timeout", default: d.validator.readTimeout),
            allowInsecureFallback: try validator.value("allow_insecure_fallback", default: d.validator.allowInsecureFallback))
        try check((1...256).contains(self.validator.concurrency), "validator.concurrency", "expected 1 to 256")
        try check(self.validator.maxPerCycle >= 1, "validator.max_per_cycle", "expected 1 or more")
        try check(self.validator.maxFailures >= 1, "validator.max_failures", "expected 1 or more")
        try validator.finish()
    }
}
