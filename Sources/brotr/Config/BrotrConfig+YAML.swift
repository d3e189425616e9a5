import Nostr
import Transport

/// Reading ``BrotrConfig`` from YAML. Each section lists its keys here, once; a key the
/// file has and this code does not read is an error.
extension BrotrConfig {
    /// Parses a config file's text. Missing keys take their defaults.
    /// - Throws: ``ConfigError`` naming the file, line and key path.
    init(yaml: String, file: String?) throws {
        let root = try ConfigReader(yaml: yaml, file: file)
        let defaults = BrotrConfig()

        let network = try root.section("network")
        self.network = NetworkConfig(
            allowLoopback: try network.value("allow_loopback", default: defaults.network.allowLoopback))
        let proxies = try network.section("proxies")
        for name in proxies.keys {
            let text: String = try proxies.value(name, default: "")
            guard let overlay = RelayNetwork(rawValue: name), overlay.isOverlay else {
                let known = RelayNetwork.allCases.filter(\.isOverlay).map(\.rawValue).joined(separator: ", ")
                throw ConfigError(file: file, line: nil, keyPath: "network.proxies.\(name)", message: "unknown network (known: \(known))")
            }
            guard let proxy = try? SOCKSProxy(text) else {
                throw ConfigError(file: file, line: nil, keyPath: "network.proxies.\(name)", message: "expected host:port of a SOCKS5 proxy, got '\(text.prefix(60))'")
            }
            self.network.proxies[overlay] = proxy
        }
        try proxies.finish()
        try network.finish()

        let log = try root.section("log")
        self.log = LogConfig(
            level: try log.value("level", default: defaults.log.level),
            format: try log.value("format", default: defaults.log.format))
        try log.finish()

        let archive = try root.section("archive")
        self.archive = ArchiveSettings(
            segmentSize: try archive.value("segment_size", default: defaults.archive.segmentSize),
            frameSize: try archive.value("frame_size", default: defaults.archive.frameSize),
            compressionLevel: try archive.value("compression_level", default: defaults.archive.compressionLevel))
        guard (1 << 20...1 << 34).contains(self.archive.segmentSize) else {
            throw ConfigError(file: file, line: nil, keyPath: "archive.segment_size", message: "expected 1 MiB to 16 GiB in bytes")
        }
        guard (4 << 10...16 << 20).contains(self.archive.frameSize) else {
            throw ConfigError(file: file, line: nil, keyPath: "archive.frame_size", message: "expected 4 KiB to 16 MiB in bytes")
        }
        guard (0...12).contains(self.archive.compressionLevel) else {
            throw ConfigError(file: file, line: nil, keyPath: "archive.compression_level", message: "expected 0 to 12")
        }
        try archive.finish()

        try readStageSections(root, file: file)
        self.synchronizer = try SynchronizerConfig(root.section("synchronizer"), file: file)

        try root.finish()
    }
}
