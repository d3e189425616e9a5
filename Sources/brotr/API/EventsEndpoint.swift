import Archive
import Foundation
import Hummingbird
import Logging
import Nostr

/// `GET /v1/events`: full events read from the segments by a NIP-01 filter given as query
/// parameters (``EventsQuery``), newest first, each checked again (id and signature) and
/// given with the relays it was seen at:
/// `{"data": [{"event": {...}, "relays": [{"url", "seen_at"}]}], "meta": {"limit", "count"}}`.
/// A request brotr will not run is a 400 with `{"error": "..."}`; nothing of the archive's
/// inner workings is ever in an answer.
enum EventsEndpoint {
    static func register(_ router: Router<BasicRequestContext>, archive: Archive, config: APIConfig, metrics: APIMetrics, logger: Logger) {
        router.get("v1/events") { request, _ -> Response in
            await TablesEndpoint.measured(metrics) {
                let filter: Filter
                do throws(EventsQuery.Invalid) {
                    filter = try EventsQuery.filter(request.uri.query, defaultLimit: config.defaultPageSize, maxLimit: config.maxPageSize)
                } catch {
                    return json(400, error: error.message)
                }
                return await TablesEndpoint.run(logger) { json(200, body: try answer(filter, archive: archive, logger: logger)) }
            }
        }
    }

    /// The answer's JSON text.
    static func answer(_ filter: Filter, archive: Archive, logger: Logger) throws -> String {
        var items: [String] = []
        for event in try archive.events(matching: filter) {
            guard (try? event.verify()) != nil else {
                logger.error("an archived event does not verify", metadata: ["id": "\(event.id.hex)"])
                continue
            }
            let relays = try archive.relays(seeing: event.id).map {
                #"{"url":\#(JSONValue.string($0.url).jsonText),"seen_at":\#($0.seenAt)}"#
            }
            items.append(#"{"event":\#(event.jsonText),"relays":[\#(relays.joined(separator: ","))]}"#)
        }
        return #"{"data":[\#(items.joined(separator: ","))],"meta":{"limit":\#(filter.limit ?? 0),"count":\#(items.count)}}"#
    }

    static func json(_ status: Int, body: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ status: Int, error: String) -> Response {
        json(status, body: #"{"error":\#(JSONValue.string(error).jsonText)}"#)
    }
}
