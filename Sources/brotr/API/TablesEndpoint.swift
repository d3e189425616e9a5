import Archive
import Dispatch
import Foundation
import Hummingbird
import Logging
import Nostr

/// BigBrotr's table API over the analytics tables the config serves:
///
/// - `GET /v1/schema`: `{"data": [{"name", "is_view", "columns", "has_primary_key"}]}`
/// - `GET /v1/schema/{table}`: `{"data": {"name", "is_view", "columns": [{"name", "type", "nullable"}], "primary_key"}}`
/// - `GET /v1/{table}`: `{"data": [rows], "meta": {"total", "limit", "offset", "table"}}`
/// - `GET /v1/{table}/{key}`: `{"data": row}`; a key of several columns is one path
///   segment per column, and a relay URL may keep its slashes.
///
/// Errors are `{"error": "..."}`: 400 for a request that will not run (its message names
/// what is wrong), 404 for a table not served or a row not there, 504 past
/// `api.request_timeout`, 503 when the archive cannot be read. No answer holds SQL, a
/// path or a stack trace.
enum TablesEndpoint {
    static func register(_ router: Router<BasicRequestContext>, archive: Archive, config: APIConfig, metrics: APIMetrics, logger: Logger) {
        let served = Dictionary(uniqueKeysWithValues: config.servedTables.map { ($0.name, $0) })
        let timeout = config.requestTimeout.duration
        let limits = config.limits

        let openAPI = OpenAPIDocument.make(config).jsonText
        router.get("v1/openapi.json") { _, _ in
            await measured(metrics) { EventsEndpoint.json(200, body: openAPI) }
        }
        router.get("v1/schema") { _, _ in
            await measured(metrics) {
                let items = served.values.sorted { $0.name < $1.name }.map { table -> JSONValue in
                    .object([
                        "name": .string(table.name), "is_view": .bool(true), "columns": .number(JSONNumber(Int64(table.columns.count))),
                        "has_primary_key": .bool(true),
                    ])
                }
                return json(200, .object(["data": .array(items)]))
            }
        }
        router.get("v1/schema/:table") { _, context in
            await measured(metrics) {
                let name = context.parameters.get("table") ?? ""
                guard let table = served[name] else { return error(404, "table not found: \(AnalyticsQuery.clip(name))") }
                return json(200, .object(["data": schema(table)]))
            }
        }
        router.get("v1/:table") { request, context in
            await measured(metrics) {
                let name = context.parameters.get("table") ?? ""
                guard let table = served[name] else { return error(404, "table not found: \(AnalyticsQuery.clip(name))") }
                let query: AnalyticsQuery
                do {
                    query = try AnalyticsQuery(table: table, parameters: try QueryString.pairs(request.uri.query), limits: limits)
                } catch let invalid as AnalyticsQuery.Invalid {
                    return error(400, invalid.message)
                } catch let invalid as QueryString.Invalid {
                    return error(400, invalid.message)
                } catch {
                    return TablesEndpoint.error(400, "invalid request")
                }
                return await run(logger) {
                    let page = try archive.analyticsPage(query, deadline: .now + timeout)
                    let meta: JSONValue = .object([
                        "total": .number(JSONNumber(Int64(page.total))), "limit": .number(JSONNumber(Int64(query.limit))),
                        "offset": .number(JSONNumber(Int64(query.offset))), "table": .string(table.name),
                    ])
                    return json(200, .object(["data": .array(page.rows), "meta": meta]))
                }
            }
        }
        router.get("v1/:table/**") { request, context in
            await measured(metrics) {
                let name = context.parameters.get("table") ?? ""
                guard let table = served[name] else { return error(404, "table not found: \(AnalyticsQuery.clip(name))") }
                guard let segments = keySegments(request.uri.path, table: name) else { return error(400, "the key is not valid percent-encoding") }
                let key: [AnalyticsQuery.Condition]
                do throws(AnalyticsQuery.Invalid) {
                    key = try AnalyticsQuery.key(segments, table: table)
                } catch {
                    return TablesEndpoint.error(400, error.message)
                }
                return await run(logger) {
                    guard let row = try archive.analyticsRow(table, key: key, deadline: .now + timeout) else { return error(404, "not found") }
                    return json(200, .object(["data": row]))
                }
            }
        }
    }

    /// The path segments after `/v1/{table}/`, each percent-decoded, empty ones kept (a
    /// relay URL's `//`).
    static func keySegments(_ path: String, table: String) -> [String]? {
        let prefix = "/v1/\(table)/"
        guard path.hasPrefix(prefix) else { return nil }
        var segments: [String] = []
        for part in path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = part.removingPercentEncoding else { return nil }
            segments.append(decoded)
        }
        return segments
    }

    static func schema(_ table: AnalyticsTable) -> JSONValue {
        .object([
            "name": .string(table.name), "is_view": .bool(true),
            "columns": .array(
                table.columns.map { .object(["name": .string($0.name), "type": .string($0.type), "nullable": .bool($0.nullable)]) }),
            "primary_key": .array(table.primaryKey.map(JSONValue.string)),
        ])
    }

    /// Runs an archive read off the server's threads; its failures become client-safe
    /// answers (the cause goes to the log).
    static func run(_ logger: Logger, _ body: @escaping @Sendable () throws -> Response) async -> Response {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try body())
                } catch is AnalyticsTimeout {
                    continuation.resume(returning: error(504, "Query timeout"))
                } catch {
                    logger.error("API read failed", metadata: ["error": "\(error)"])
                    continuation.resume(returning: TablesEndpoint.error(503, "the archive could not answer; try again"))
                }
            }
        }
    }

    /// Answers and records the answer's status and time.
    static func measured(_ metrics: APIMetrics, _ body: () async -> Response) async -> Response {
        let started = ContinuousClock.now
        let response = await body()
        let elapsed = ContinuousClock.now - started
        metrics.record(status: Int(response.status.code), seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }

    static func json(_ status: Int, _ body: JSONValue) -> Response {
        EventsEndpoint.json(status, body: body.jsonText)
    }

    static func error(_ status: Int, _ message: String) -> Response {
        EventsEndpoint.json(status, error: message)
    }
}
