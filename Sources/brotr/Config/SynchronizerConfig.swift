import Nostr
import Services
import Transport

/// `synchronizer:` — archiving relays' events.
struct SynchronizerConfig: Equatable, Sendable {
    var enabled = true
    var interval = ConfigDuration.seconds(900)
    var concurrency = 8
    var endLag = ConfigDuration.seconds(86_400)
    var start = 0
    var pageSize = 500
    var batchSize = 2_000
    var relayBudget = ConfigDuration.seconds(900)
    var connectTimeout = ConfigDuration.seconds(10)
    var readTimeout = ConfigDuration.seconds(30)
    var maxEventBytes = 1 << 20
    var maxMessageBytes = 4 << 20
    /// NIP-01 filters as JSON text; empty: all events.
    var filters: [String] = []
    var overrides: [String: Override] = [:]

    struct Override: Equatable, Sendable {
        var pageSize: Int?
        var connectTimeout: ConfigDuration?
        var readTimeout: ConfigDuration?
        var allowInsecure: Bool?
    }
}

extension SynchronizerConfig {
    init(_ section: ConfigReader, file: String?) throws {
        let d = SynchronizerConfig()
        enabled = try section.value("enabled", default: d.enabled)
        interval = try section.value("interval", default: d.interval)
        concurrency = try section.value("concurrency", default: d.concurrency)
        endLag = try section.value("end_lag", default: d.endLag)
        start = try section.value("start", default: d.start)
        pageSize = try section.value("page_size", default: d.pageSize)
        batchSize = try section.value("batch_size", default: d.batchSize)
        relayBudget = try section.value("relay_budget", default: d.relayBudget)
        connectTimeout = try section.value("connect_timeout", default: d.connectTimeout)
        readTimeout = try section.value("read_timeout", default: d.readTimeout)
        maxEventBytes = try section.value("max_event_bytes", default: d.maxEventBytes)
        maxMessageBytes = try section.value("max_message_bytes", default: d.maxMessageBytes)
        filters = try section.value("filters", default: d.filters)
        func check(_ ok: Bool, _ key: String, _ message: String) throws {
            guard ok else { throw ConfigError(file: file, line: nil, keyPath: "synchronizer.\(key)", message: message) }
        }
        try check((1...64).contains(concurrency), "concurrency", "expected 1 to 64")
        try check((1...100_000).contains(pageSize), "page_size", "expected 1 to 100000")
        try check((1...1_000_000).contains(batchSize), "batch_size", "expected 1 to 1000000")
        try check(start >= 0, "start", "expected a unix time, 0 or later")
        try check((1 << 10...64 << 20).contains(maxEventBytes), "max_event_bytes", "expected 1 KiB to 64 MiB")
        try check((maxEventBytes...256 << 20).contains(maxMessageBytes), "max_message_bytes", "expected max_event_bytes to 256 MiB")
        for (i, text) in filters.enumerated() {
            do { _ = try Filter(json: text) } catch {
                throw ConfigError(file: file, line: nil, keyPath: "synchronizer.filters[\(i)]", message: "not a NIP-01 filter: \(error)")
            }
        }
        let overridesSection = try section.section("overrides")
        for url in overridesSection.keys {
            let o = try overridesSection.section(url)
            overrides[url] = Override(
                pageSize: try o.optional("page_size"), connectTimeout: try o.optional("connect_timeout"),
                readTimeout: try o.optional("read_timeout"), allowInsecure: try o.optional("allow_insecure"))
            try o.finish()
        }
        try overridesSection.finish()
        try section.finish()
    }

    /// The Synchronizer's form of these settings.
    func settings(allowLoopback: Bool) throws -> SynchronizerSettings {
        var s = SynchronizerSettings()
        s.concurrency = concurrency
        s.networkConcurrency = s.networkConcurrency.mapValues { min($0, concurrency) }
        s.endLag = Int64(endLag.duration.components.seconds)
        s.start = Int64(start)
        s.filters = try filters.map { try Filter(json: $0) }
        s.relayBudget = relayBudget.duration
        s.batchSize = batchSize
        s.connection = ConnectionOptions(
            connectTimeout: connectTimeout.duration, readTimeout: readTimeout.duration, maxMessageBytes: maxMessageBytes)
        s.stream = StreamOptions(pageSize: pageSize, maxEventBytes: maxEventBytes, authKey: SecretKey.generate())
        for (url, o) in overrides {
            let key = (try? RelayURL(url, allowLoopback: allowLoopback).url) ?? url
            s.overrides[key] = RelayOverride(
                connectTimeout: o.connectTimeout?.duration, readTimeout: o.readTimeout?.duration, pageSize: o.pageSize,
                allowInsecure: o.allowInsecure)
        }
        return s
    }
}
