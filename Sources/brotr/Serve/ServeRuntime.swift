import Archive
import Glibc
import Logging
import NIOCore
import ServiceLifecycle
import Services
import UnixSignals

/// Runs stages as services in one ServiceGroup until SIGTERM or SIGINT: `brotr serve`
/// (every enabled stage and the HTTP endpoints) and `brotr run STAGE` (one stage).
///
/// On a reload (SIGHUP, through ``ServeControl``), a valid configuration replaces the
/// stages and the HTTP server (each ends as on SIGTERM, then all start again with the new
/// settings) in the same process, on the same open archive; an invalid one is refused
/// with its error and the one in force stays.
enum ServeRuntime {
    static func run(_ stages: [Stage], archive: Archive, config: BrotrConfig, http: Bool, control: ServeControl) async throws {
        let logger = Logger(label: "brotr")
        defer { Task { await control.finish() } }
        var config = config
        var group = try makeGroup(stages, archive: archive, config: config, http: http, logger: logger)
        while await control.starting(group) {
            do {
                try await group.run()
            } catch let error as IOError where error.errnoCode == EADDRINUSE {
                throw CLIFailure("cannot listen on \(config.http.listen) (http.listen): the address is in use; stop what holds it, or set another port")
            }
            guard let next = await control.next() else { break }
            do {
                group = try makeGroup(stages, archive: archive, config: next, http: http, logger: logger)
                config = next
                logger.notice("configuration reloaded; the stages restart with it (archive and log settings apply at the next start)")
            } catch {
                // Valid YAML that cannot run (every stage off, an unreadable key file): the
                // settings in force start again.
                logger.error("configuration not reloaded: the one in force stays", metadata: ["error": "\(error)"])
                group = try makeGroup(stages, archive: archive, config: config, http: http, logger: logger)
            }
        }
        logger.info("stopped")
    }

    /// The service group of the stages `config` enables, and of the HTTP server.
    static func makeGroup(_ stages: [Stage], archive: Archive, config: BrotrConfig, http: Bool, logger: Logger) throws -> ServiceGroup {
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
            // Every stage but the API writes: none starts a cycle while the archive cannot.
            var precondition: (@Sendable () async throws -> Void)?
            if stage != .api, let writer = archive.writer {
                precondition = { try await writer.ensureWritable() }
            }
            let runner = StageRunner(
                made.stage, settings: settings, board: board, logger: Logger(label: "brotr.\(stage.rawValue)"), precondition: precondition)
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
        return ServiceGroup(configuration: configuration)
    }
}
