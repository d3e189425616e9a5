import Archive
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Services

/// `/metrics` and `/health` over HTTP (Hummingbird), for Prometheus and for probes, and
/// the read-only REST API (``EventsEndpoint``, ``TablesEndpoint``).
enum MonitoringServer {
    static func make(
        host: String, port: Int, board: StageBoard, archive: Archive, api: APIConfig, apiMetrics: APIMetrics, logger: Logger
    ) -> some Service {
        let router = Router()
        router.add(middleware: ReadOnlyMiddleware())
        router.get("metrics") { _, _ -> Response in
            let statuses = await board.statuses
            var archiveGauges: [String: Double] = [:]
            if let stats = try? archive.stats() {
                archiveGauges = [
                    "events": Double(stats.events), "relays": Double(stats.relays), "observations": Double(stats.observations),
                    "segment_bytes": Double(stats.segmentBytes), "index_bytes": Double(stats.indexBytes),
                    "segments": Double(stats.segments), "metadata": Double(stats.metadata),
                ]
            }
            archiveGauges["writable"] = await (archive.writer?.isWritable ?? false) ? 1 : 0
            if let free = archive.directory.freeBytes { archiveGauges["disk_free_bytes"] = Double(free) }
            var text = MetricsText.render(statuses, extraGauges: ["archive": archiveGauges], info: ["service": "brotr", "version": BrotrVersion.current])
            if api.enabled { text += apiMetrics.histogramText() }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("health") { _, _ -> Response in
            let failure: String? =
                if let writer = archive.writer { await writer.writeFailure.map { "\($0)" } } else { "the archive is open read-only" }
            let (code, data) = health(failure: failure, stages: await board.statuses)
            return Response(status: HTTPResponse.Status(code: code), headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        if api.enabled {
            EventsEndpoint.register(router, archive: archive, config: api, metrics: apiMetrics, logger: logger)
            TablesEndpoint.register(router, archive: archive, config: api, metrics: apiMetrics, logger: logger)
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "brotr"), logger: logger)
    }
}

extension MonitoringServer {
    /// /health's status and JSON body: 200 while the archive can write, 503 when not,
    /// with the reason (`failure`).
    static func health(failure: String?, stages: [Stage: StageBoard.Status]) -> (code: Int, body: Data) {
        let data = (try? JSONEncoder.sorted.encode(HealthReport(failure: failure, stages: stages))) ?? Data("{}".utf8)
        return (failure == nil ? 200 : 503, data)
    }
}

/// The body of /health.
struct HealthReport: Encodable {
    struct StageHealth: Encodable {
        let cycles_succeeded: Int
        let cycles_failed: Int
        let consecutive_failures: Int
        let last_success: Int64?
        let last_failure: Int64?
        let last_error: String?
        let last_duration_seconds: Double?
    }

    let status: String
    let archive_writable: Bool
    /// Why the archive cannot write (a full disk, an I/O error), when it cannot.
    let reason: String?
    let stages: [String: StageHealth]

    init(failure: String?, stages: [Stage: StageBoard.Status]) {
        status = failure == nil ? "ok" : "archive cannot write"
        archive_writable = failure == nil
        reason = failure
        self.stages = Dictionary(
            uniqueKeysWithValues: stages.map { stage, s in
                (
                    stage.rawValue,
                    StageHealth(
                        cycles_succeeded: s.cyclesSucceeded, cycles_failed: s.cyclesFailed, consecutive_failures: s.consecutiveFailures,
                        last_success: s.lastSuccess, last_failure: s.lastFailure, last_error: s.lastError, last_duration_seconds: s.lastDuration)
                )
            })
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
