import Nostr
import Probes
import Services
import Transport

extension MonitorSettings {
    /// `monitor:`
    init(_ section: ConfigReader) throws {
        self.init()
        keyFile = try section.value("key_file", default: keyFile)
        concurrency = try section.value("concurrency", default: concurrency)
        maxPerCycle = try section.value("max_per_cycle", default: maxPerCycle)
        chunkSize = try section.value("chunk_size", default: chunkSize)
        checkInterval = try section.seconds("check_interval", default: checkInterval)
        maxBackoff = try section.seconds("max_backoff", default: maxBackoff)
        connection.connectTimeout = try section.duration("connect_timeout", default: connection.connectTimeout)
        nip11MaxBytes = try section.value("nip11_max_bytes", default: nip11MaxBytes)
        geoipCity = try section.value("geoip_city", default: geoipCity)
        geoipASN = try section.value("geoip_asn", default: geoipASN)
        geohashPrecision = try section.value("geohash_precision", default: geohashPrecision)
        try section.check((1...12).contains(geohashPrecision), "geohash_precision", "expected 1 to 12")
        let dns: String = try section.value("dns_server", default: "system")
        if dns != "system" {
            guard let server = DNSServer(dns) else {
                throw ConfigError(file: section.file, line: nil, keyPath: section.join("dns_server"), message: "expected system, or host:port of a DNS server, got '\(dns.prefix(60))'")
            }
            dnsServer = server
        }
        maxPowDifficulty = try section.value("max_pow_difficulty", default: maxPowDifficulty)
        try section.check((1...512).contains(concurrency), "concurrency", "expected 1 to 512")
        try section.check(maxPerCycle >= 1, "max_per_cycle", "expected 1 or more")
        try section.check((1...10_000).contains(chunkSize), "chunk_size", "expected 1 to 10000")
        try section.check(checkInterval >= 60, "check_interval", "expected 1m or more")
        try section.check(maxBackoff >= checkInterval, "max_backoff", "expected check_interval or more")
        try section.check((1 << 10...16 << 20).contains(nip11MaxBytes), "nip11_max_bytes", "expected 1 KiB to 16 MiB")
        try section.check((0...32).contains(maxPowDifficulty), "max_pow_difficulty", "expected 0 to 32")

        let checksSection = try section.section("checks")
        for check in MonitorCheck.allCases {
            checks[check] = try CheckPolicy(checksSection.section(check.rawValue), defaults: checks[check] ?? CheckPolicy())
        }
        try checksSection.finish()

        let relayTexts: [String] = try section.value("publish_relays", default: [])
        for (i, text) in relayTexts.enumerated() {
            // Loopback is the operator's explicit choice here (a local relay to publish to).
            guard let relay = try? RelayURL(text, allowLoopback: true) else {
                throw ConfigError(file: section.file, line: nil, keyPath: section.join("publish_relays[\(i)]"), message: "not a relay URL: '\(text.prefix(80))'")
            }
            publishing.relays.append(relay)
        }
        publishing = try MonitorPublishing(section.section("publishing"), defaults: publishing)
    }
}

extension CheckPolicy {
    /// `monitor.checks.NAME:`
    init(_ section: ConfigReader, defaults d: CheckPolicy) throws {
        let attempts = try section.value("attempts", default: d.retry.attempts)
        try section.check((1...10).contains(attempts), "attempts", "expected 1 to 10")
        self.init(
            enabled: try section.value("enabled", default: d.enabled), timeout: try section.duration("timeout", default: d.timeout),
            retry: RetryPolicy(
                attempts: attempts, initialDelay: try section.duration("initial_delay", default: d.retry.initialDelay),
                maxDelay: try section.duration("max_delay", default: d.retry.maxDelay), jitter: try section.duration("jitter", default: d.retry.jitter)))
        try section.check(timeout > .zero, "timeout", "expected more than 0")
        try section.finish()
    }
}

extension MonitorPublishing {
    /// `monitor.publishing:`
    init(_ section: ConfigReader, defaults: MonitorPublishing) throws {
        self = defaults
        discovery = try section.value("discovery", default: discovery)
        announcementInterval = try section.seconds("announcement_interval", default: announcementInterval)
        profileInterval = try section.seconds("profile_interval", default: profileInterval)
        relayListInterval = try section.seconds("relay_list_interval", default: relayListInterval)
        geohash = try section.value("geohash", default: geohash)
        timeout = try section.duration("timeout", default: timeout)
        retry.attempts = try section.value("attempts", default: retry.attempts)
        try section.check((1...10).contains(retry.attempts), "attempts", "expected 1 to 10")
        let p = try section.section("profile")
        for (key, path) in [
            ("name", \MonitorProfile.name), ("about", \.about), ("picture", \.picture), ("nip05", \.nip05), ("website", \.website),
            ("banner", \.banner), ("lud16", \.lud16),
        ] as [(String, WritableKeyPath<MonitorProfile, String>)] {
            profile[keyPath: path] = try p.value(key, default: profile[keyPath: path])
        }
        try p.finish()
        try section.check(geohash.allSatisfy { "0123456789bcdefghjkmnpqrstuvwxyz".contains($0) } && geohash.count <= 12, "geohash", "expected a geohash (up to 12 of 0-9, b-z without a, i, l, o)")
        try section.finish()
    }
}
