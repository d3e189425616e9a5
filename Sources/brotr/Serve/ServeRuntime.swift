import Archive
import Glibc
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import Services

/// Runs stages as services in one ServiceGroup until SIGTERM or SIGINT: `brotr serve`
/// (every enabled stage and the HTTP endpoints) and `brotr run STAGE` (one stage).
enum ServeRuntime {
    static func run(_ stages: [Stage], archive: Archive, config: BrotrConfig, http: Bool) async throws {
        let logger = Logger(label: "brotr")
        let board = StageBoard()
        let apiMetrics = APIMetrics()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var running: [String] = []
        for stage in stages {
            let made = try StageFactory.make(stage, archive: archive, config: config, apiMetrics: apiMetrics)
            guard made.enabled else { continue }
            let settings = StageRunner.Settings(
                interval: made.interval.duration, maxConsecutiveFailures: config.runtime.maxConsecutiveFailures,
                maxBackoff: config.runtime.maxBackoff.duration)
            let runner = StageRunner(made.stage, settings: settings, board: board, logger: Logger(label: "brotr.\(stage.rawValue)"))
            services.append(.init(service: runner, serviceName: stage.rawValue))
            running.append(stage.rawValue)
        }
        if http, config.http.enabled, let (host, port) = config.http.hostAndPort {
            let server = MonitoringServer.make(
                host: host, port: port, board: board, archive: archive, api: config.api, apiMetrics: apiMetrics, logger: Logger(label: "brotr.http"))
            services.append(.init(service: server, serviceName: "http"))
        }
        guard !services.isEmpty else { throw CLIFailure("nothing to run: every stage is disabled in the config") }
        var configuration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = config.runtime.shutdownGrace.duration
        configuration.maximumCancellationDuration = config.runtime.shutdownGrace.duration
        logger.info(
            "serving",
            metadata: [
                "data": "\(archive.directory.path)", "stages": "\(running.joined(separator: ","))",
                "http": "\(http && config.http.enabled ? config.http.listen : "off")",
            ])
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw CLIFailure("cannot listen on \(config.http.listen) (http.listen): the address is in use; stop what holds it, or set another port")
        }
        logger.info("stopped")
    }
}
