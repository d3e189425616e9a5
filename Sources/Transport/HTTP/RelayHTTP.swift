public import Nostr
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP GET to a relay's own address (its NIP-11 document), over the same TCP, proxy
/// and TLS setup as its WebSocket: http for ws, https for wss. A relay that refuses the
/// connection fails at once; one that stalls fails when `timeout` (for the whole
/// exchange) runs out. The body is read up to `maxBytes`, never further.
public enum RelayHTTP {
    /// GETs `relay`'s URL with `headers`.
    /// - Throws: ``TransportError`` when no answer came.
    public static func get(
        _ relay: RelayURL, headers extra: [(name: String, value: String)], options: ConnectionOptions, timeout: Duration, maxBytes: Int
    ) async throws -> HTTPFetch.Response {
        let endpoint = try RelayEndpoint(relay, options: options)
        let deadlineFired = DeadlineFlag()
        let answer: EventLoopFuture<HTTPFetch.Response>
        do {
            let (channel, response) = try await endpoint.bootstrap.connect(host: endpoint.target.host, port: endpoint.target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Made before anything can arrive, so that an early close still answers.
                    let promise = channel.eventLoop.makePromise(of: HTTPFetch.Response.self)
                    _ = deadlineFired.arm(channel, within: timeout)
                    let handlers = channel.pipeline.syncOperations
                    try endpoint.addTransportHandlers(handlers)
                    try handlers.addHTTPClientHandlers()
                    try handlers.addHandler(ResponseCollector(maxBytes: maxBytes, promise: promise))
                    return (channel, promise.futureResult)
                }
            }
            answer = response
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: endpoint.hostHeader)
            headers.add(name: "User-Agent", value: "brotr")
            headers.add(name: "Connection", value: "close")
            for header in extra { headers.replaceOrAdd(name: header.name, value: header.value) }
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: relay.path.isEmpty ? "/" : relay.path, headers: headers)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        } catch {
            throw RelayEndpoint.connectError(error, deadlineFired: deadlineFired.hasFired, within: timeout, what: "HTTP answer")
        }
        do {
            return try await answer.get()
        } catch {
            throw RelayEndpoint.connectError(error, deadlineFired: deadlineFired.hasFired, within: timeout, what: "HTTP answer")
        }
    }

    /// Gathers one response: its status and headers, and its body up to the cap. Answers
    /// once, then closes the channel.
    private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPClientResponsePart

        private let maxBytes: Int
        private var promise: EventLoopPromise<HTTPFetch.Response>?
        private var head: HTTPResponseHead?
        private var body: [UInt8] = []
        private var tooLarge = false

        init(maxBytes: Int, promise: EventLoopPromise<HTTPFetch.Response>) {
            self.maxBytes = maxBytes
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): self.head = head
            case .body(let chunk):
                guard !tooLarge else { return }
                if body.count + chunk.readableBytes > maxBytes {
                    tooLarge = true
                    body = []
                    answer(context)  // the rest is not read
                } else {
                    body.append(contentsOf: chunk.readableBytesView)
                }
            case .end: answer(context)
            }
        }

        private func answer(_ context: ChannelHandlerContext) {
            guard let promise, let head else { return }
            self.promise = nil
            var headers: [String: String] = [:]
            for header in head.headers {
                let name = header.name.lowercased()
                headers[name] = headers[name].map { "\($0), \(header.value)" } ?? header.value
            }
            promise.succeed(HTTPFetch.Response(status: Int(head.status.code), headers: headers, body: tooLarge ? nil : body))
            context.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise?.fail(error)
            promise = nil
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise?.fail(TransportError(.closed, "the connection closed before a whole HTTP answer"))
            promise = nil
            context.fireChannelInactive()
        }

        /// A channel that never connected goes without becoming inactive: the connect's own
        /// error is what the caller reports.
        func handlerRemoved(context: ChannelHandlerContext) {
            promise?.fail(TransportError(.closed, "the connection ended before an HTTP answer"))
            promise = nil
        }
    }
}
