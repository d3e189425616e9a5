import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A plain HTTP server on 127.0.0.1 for tests: each path answers with a fixed status,
/// content type and body, after an optional delay; other paths get 404. It counts the
/// requests it answers and keeps the Accept header of the last one.
public final class TestHTTPServer: Sendable {
    /// What one path answers.
    public struct Route: Sendable {
        public var status: Int
        public var body: [UInt8]
        public var contentType: String
        /// Wait this long before answering.
        public var delay: Duration

        public init(status: Int = 200, body: String, contentType: String = "application/json", delay: Duration = .zero) {
            self.init(status: status, bytes: Array(body.utf8), contentType: contentType, delay: delay)
        }

        public init(status: Int = 200, bytes: [UInt8], contentType: String = "application/json", delay: Duration = .zero) {
            self.status = status
            self.body = bytes
            self.contentType = contentType
            self.delay = delay
        }
    }

    public let port: Int
    private let channel: any Channel
    private let seen = Seen()

    /// What the server's connections saw, shared between them.
    final class Seen: Sendable {
        let requests = Mutex(0)
        let lastAccept = Mutex<String?>(nil)
    }

    /// Routes of status and body, served as application/json at once.
    public convenience init(routes: [String: (status: Int, body: String)]) async throws {
        try await self.init(routes: routes.mapValues { Route(status: $0.status, body: $0.body) })
    }

    public init(routes: [String: Route]) async throws {
        let seen = self.seen
        channel = try await ServerBootstrap(group: TestServerLoops.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(routes: routes, seen: seen))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    /// Requests answered so far.
    public var requests: Int { seen.requests.withLock { $0 } }
    /// The Accept header of the latest request.
    public var lastAccept: String? { seen.lastAccept.withLock { $0 } }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    public func stop() async { try? await channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let routes: [String: Route]
        let seen: Seen

        init(routes: [String: Route], seen: Seen) {
            self.routes = routes
            self.seen = seen
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            seen.requests.withLock { $0 += 1 }
            seen.lastAccept.withLock { $0 = head.headers.first(name: "Accept") }
            let route = routes[head.uri] ?? Route(status: 404, body: "not found", contentType: "text/plain")
            let answer = {
                context.writeHTTPResponse(
                    version: head.version, status: HTTPResponseStatus(statusCode: route.status), contentType: route.contentType, body: route.body,
                    extraHeaders: [("Server", "brotr-test")])
            }
            if route.delay > .zero {
                context.eventLoop.scheduleTask(in: TimeAmount(route.delay)) { answer() }
            } else {
                answer()
            }
        }
    }
}
