import Archive
import Logging
import Services

/// Builds the stages the configuration enables, for `serve` and `run`.
enum StageFactory {
    /// The stages brotr can run today.
    static let available: [Stage] = [.seeder, .finder, .validator, .synchronizer]

    /// A stage and its interval, or nil when brotr cannot run that stage yet.
    static func make(_ stage: Stage, archive: Archive, config: BrotrConfig) throws -> (stage: any CycleStage, interval: ConfigDuration, enabled: Bool)? {
        let allow = config.network.allowLoopback
        let logger = Logger(label: "brotr.\(stage.rawValue)")
        switch stage {
        case .seeder:
            return (Seeder(archive: archive, settings: config.seeder.settings, allowLoopback: allow, logger: logger), config.seeder.interval, config.seeder.enabled)
        case .finder:
            return (Finder(archive: archive, settings: config.finder.settings, allowLoopback: allow, logger: logger), config.finder.interval, config.finder.enabled)
        case .validator:
            var settings = config.validator.settings
            settings.proxies = config.network.proxies
            return (Validator(archive: archive, settings: settings, allowLoopback: allow, logger: logger), config.validator.interval, config.validator.enabled)
        case .synchronizer:
            var settings = try config.synchronizer.settings(allowLoopback: allow)
            settings.proxies = config.network.proxies
            return (
                try Synchronizer(archive: archive, settings: settings, allowLoopback: allow, logger: logger), config.synchronizer.interval,
                config.synchronizer.enabled
            )
        case .monitor, .refresher, .api, .dvm:
            return nil
        }
    }
}
