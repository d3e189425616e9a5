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
        try network.finish()

        let log = try root.section("log")
        self.log = LogConfig(
            level: try log.value("level", default: defaults.log.level),
            format: try log.value("format", default: defaults.log.format))
        try log.finish()

        try root.finish()
    }
}
