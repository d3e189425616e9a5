import Archive
import Nostr
import Services
import Transport

/// Reading ``BrotrConfig`` from YAML. Each section lists its keys here, once; a key the
/// file has and this code does not read is an error.
extension BrotrConfig {
    /// Parses a config file's text. Missing keys take their defaults.
    /// - Throws: ``ConfigError`` naming the file, line and key path.
    init(yaml: String, file: String?) throws {
        let root = try ConfigReader(yaml: yaml, file: file)
        self.init()
        network = try NetworkConfiguration(root.section("network"))
        log = try LogConfig(root.section("log"))
        archive = try ArchiveConfiguration(root.section("archive"))
        runtime = try RuntimeConfig(root.section("runtime"))
        http = try HTTPConfig(root.section("http"))
        api = try APIConfig(root.section("api"))
        seeder = try StageConfig(root.section("seeder"), defaults: seeder, settings: SeederSettings.init)
        finder = try StageConfig(root.section("finder"), defaults: finder, settings: FinderSettings.init)
        validator = try StageConfig(root.section("validator"), defaults: validator, settings: ValidatorSettings.init)
        monitor = try StageConfig(root.section("monitor"), defaults: monitor, settings: MonitorSettings.init)
        synchronizer = try StageConfig(root.section("synchronizer"), defaults: synchronizer, settings: SynchronizerSettings.init)
        refresher = try StageConfig(root.section("refresher"), defaults: refresher) { _ in RefresherSettings() }
        dvm = try StageConfig(root.section("dvm"), defaults: dvm, settings: DVMSettings.init)
        try root.finish()
    }
}

extension StageConfig {
    /// Reads `enabled` and `interval`, then the stage's own keys with `settings`.
    init(_ section: ConfigReader, defaults: StageConfig, settings read: (ConfigReader) throws -> Settings) throws {
        enabled = try section.value("enabled", default: defaults.enabled)
        interval = try section.value("interval", default: defaults.interval)
        settings = try read(section)
        try section.finish()
    }
}

extension NetworkConfiguration {
    /// `network:`
    init(_ section: ConfigReader) throws {
        self.init(allowLoopback: try section.value("allow_loopback", default: false))
        let proxies = try section.section("proxies")
        for name in proxies.keys {
            let text: String = try proxies.value(name, default: "")
            guard let overlay = RelayNetwork(rawValue: name), overlay.isOverlay else {
                let known = RelayNetwork.allCases.filter(\.isOverlay).map(\.rawValue).joined(separator: ", ")
                throw ConfigError(file: section.file, line: nil, keyPath: proxies.join(name), message: "unknown network (known: \(known))")
            }
            guard let proxy = try? SOCKSProxy(text) else {
                throw ConfigError(
                    file: section.file, line: nil, keyPath: proxies.join(name), message: "expected host:port of a SOCKS5 proxy, got '\(text.prefix(60))'")
            }
            self.proxies[overlay] = proxy
        }
        try proxies.finish()
        try section.finish()
    }
}

extension LogConfig {
    /// `log:`
    init(_ section: ConfigReader) throws {
        let d = LogConfig()
        self.init(level: try section.value("level", default: d.level), format: try section.value("format", default: d.format))
        try section.finish()
    }
}

extension ArchiveConfiguration {
    /// `archive:`
    init(_ section: ConfigReader) throws {
        let d = ArchiveConfiguration()
        let segmentSize = try section.value("segment_size", default: Int(d.maxSegmentBytes))
        let frameSize = try section.value("frame_size", default: d.maxFramePayload)
        let level = try section.value("compression_level", default: Int(d.compressionLevel))
        try section.check((1 << 20...1 << 34).contains(segmentSize), "segment_size", "expected 1 MiB to 16 GiB in bytes")
        try section.check((4 << 10...16 << 20).contains(frameSize), "frame_size", "expected 4 KiB to 16 MiB in bytes")
        let minFree = try section.value("min_free_bytes", default: Int(d.minFreeBytes))
        try section.check((0...12).contains(level), "compression_level", "expected 0 to 12")
        try section.check(minFree >= 0, "min_free_bytes", "expected 0 (write until the disk is full) or more bytes")
        self.init(maxSegmentBytes: Int64(segmentSize), maxFramePayload: frameSize, compressionLevel: Int32(level), minFreeBytes: Int64(minFree))
        try section.finish()
    }
}

extension RuntimeConfig {
    /// `runtime:`
    init(_ section: ConfigReader) throws {
        let d = RuntimeConfig()
        self.init(
            maxConsecutiveFailures: try section.value("max_consecutive_failures", default: d.maxConsecutiveFailures),
            maxBackoff: try section.value("max_backoff", default: d.maxBackoff),
            shutdownGrace: try section.value("shutdown_grace", default: d.shutdownGrace))
        try section.check(maxConsecutiveFailures >= 1, "max_consecutive_failures", "expected 1 or more")
        try section.finish()
    }
}

extension HTTPConfig {
    /// `http:`
    init(_ section: ConfigReader) throws {
        let d = HTTPConfig()
        self.init(enabled: try section.value("enabled", default: d.enabled), listen: try section.value("listen", default: d.listen))
        try section.check(hostAndPort != nil, "listen", "expected address:port, such as 127.0.0.1:8008 or [::1]:8008")
        try section.finish()
    }
}
