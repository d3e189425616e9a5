import Archive
import Logging
import Nostr
import Services

/// Builds the stages the configuration enables, for `serve` and `run`.
enum StageFactory {
    /// The stages brotr runs, in pipeline order.
    static let available: [Stage] = Stage.allCases

    /// A stage, its interval and whether the config enables it. Each stage
    /// gets its settings and the network configuration as the file gave them.
    /// `apiMetrics` are the counts the HTTP server keeps, which the api stage reports.
    static func make(
        _ stage: Stage, archive: Archive, config: BrotrConfig, apiMetrics: APIMetrics = APIMetrics()
    ) throws -> (stage: any CycleStage, interval: ConfigDuration, enabled: Bool) {
        let network = config.network
        let logger = Logger(label: "brotr.\(stage.rawValue)")
        switch stage {
        case .seeder:
            let c = config.seeder
            return (Seeder(archive: archive, settings: c.settings, network: network, logger: logger), c.interval, c.enabled)
        case .finder:
            let c = config.finder
            return (Finder(archive: archive, settings: c.settings, network: network, logger: logger), c.interval, c.enabled)
        case .validator:
            let c = config.validator
            return (Validator(archive: archive, settings: c.settings, network: network, logger: logger), c.interval, c.enabled)
        case .synchronizer:
            let c = config.synchronizer
            return (try Synchronizer(archive: archive, settings: c.settings, network: network, logger: logger), c.interval, c.enabled)
        case .monitor:
            var c = config.monitor
            // GeoIP files live in the data directory unless the file names others.
            let geoip = archive.directory.path + "/geoip/"
            if c.settings.geoipCity.isEmpty { c.settings.geoipCity = geoip + "GeoLite2-City.mmdb" }
            if c.settings.geoipASN.isEmpty { c.settings.geoipASN = geoip + "GeoLite2-ASN.mmdb" }
            let key: SecretKey?
            do { key = try MonitorKey.load(keyFile: c.settings.keyFile) } catch { throw CLIFailure("invalid configuration: \(error)") }
            return (Monitor(archive: archive, settings: c.settings, network: network, key: key, logger: logger), c.interval, c.enabled)
        case .refresher:
            let c = config.refresher
            return (Refresher(archive: archive, logger: logger), c.interval, c.enabled)
        case .api:
            // Reports what the HTTP server answered, once a minute (BigBrotr's api series).
            let stage = APIStage(metrics: apiMetrics, tablesExposed: config.api.servedTables.count)
            return (stage, .seconds(60), config.api.enabled && config.http.enabled)
        case .dvm:
            let c = config.dvm
            let key: SecretKey?
            do {
                key = try MonitorKey.loadDVM(keyFile: c.settings.keyFile, monitorKeyFile: config.monitor.settings.keyFile)
            } catch {
                throw CLIFailure("invalid configuration: \(error)")
            }
            return (DVM(archive: archive, settings: c.settings, network: network, key: key, logger: logger), c.interval, c.enabled)
        }
    }
}
