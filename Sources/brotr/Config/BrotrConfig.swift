import Archive
import Nostr
import Transport

/// The whole configuration, with every default in code: `brotr serve --data DIR` needs
/// no file. config/brotr.yaml documents each option; a test checks that the documented
/// defaults are these.
struct BrotrConfig: Equatable, Sendable {
    var network = NetworkConfig()
    var log = LogConfig()
    var archive = ArchiveSettings()
    var runtime = RuntimeConfig()
    var http = HTTPConfig()
    var seeder = SeederConfig()
    var finder = FinderConfig()
    var validator = ValidatorConfig()
    var synchronizer = SynchronizerConfig()
}

/// `archive:` — how events are stored.
struct ArchiveSettings: Equatable, Sendable {
    /// Segments are sealed and a new one started past this size (bytes).
    var segmentSize: Int = 64 << 20
    /// Uncompressed bytes per LZ4 frame: a point read decompresses one frame.
    var frameSize: Int = 64 << 10
    /// LZ4 level: 0-2 fast, 3-12 LZ4-HC (smaller segments, slower writes, same read speed).
    var compressionLevel: Int = 0
}

/// `network:` — how relays are reached.
struct NetworkConfig: Equatable, Sendable {
    /// Admit loopback relays (127.0.0.0/8, ::1, localhost) for local testbeds.
    var allowLoopback = false
    /// SOCKS5 proxies by overlay network: tor, i2p, loki.
    var proxies: [RelayNetwork: SOCKSProxy] = [:]
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

extension ArchiveSettings {
    /// The archive's own form of these settings.
    var configuration: ArchiveConfiguration {
        ArchiveConfiguration(
            maxSegmentBytes: Int64(segmentSize), maxFramePayload: frameSize, compressionLevel: Int32(compressionLevel))
    }
}
