import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A plain HTTP server on 127.0.0.1 for tests: each path answers with a fixed status and
/// body; other paths get 404. It counts the requests it answers.
public final class TestHTTPServer: Sendable {
    public let port: Int
    private let channel: any Channel
    private let hits = Counter()

    /// A count shared by the server's connections.
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    public init(routes: [String: (status: Int, body: String)]) async throws {
        let hits = self.hits
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(routes: routes, hits: hits))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    /// Requests answered so far.
    public var requests: Int { hits.value.withLock { $0 } }

    public func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    public func stop() async { try? await channel.close() }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let routes: [String: (status: Int, body: String)]
        let hits: Counter

        init(routes: [String: (status: Int, body: String)], hits: Counter) {
            self.routes = routes
            self.hits = hits
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            hits.value.withLock { $0 += 1 }
            let (status, body) = routes[head.uri] ?? (404, "not found")
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count)), ("Connection", "close")])
            headers.add(name: "Server", value: "brotr-test")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }
}
