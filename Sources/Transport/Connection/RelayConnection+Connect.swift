import Nostr
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSOCKS
import NIOSSL
import NIOWebSocket
import Synchronization

extension RelayConnection {
    private enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, ErrorRecorder)
        case refused(HTTPResponseStatus?)
    }

    /// TCP (through the proxy, if any), TLS for wss, then the HTTP upgrade, all within
    /// `connectTimeout`: a deadline on the channel closes it if the relay stalls anywhere.
    static func connect(
        _ url: RelayURL, options: ConnectionOptions
    ) async throws -> (NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, ErrorRecorder, HandshakeRecorder) {
        let endpoint = try RelayEndpoint(url, options: options)
        let recorder = HandshakeRecorder()
        let readTimeout = TimeAmount(options.readTimeout)
        let hostHeader = endpoint.hostHeader
        let maxMessage = options.maxMessageBytes
        let deadlineFired = DeadlineFlag()

        let upgrade: EventLoopFuture<Upgrade>
        do {
            upgrade = try await endpoint.bootstrap
                // A name is looked up here (and timed); an address, or a proxy's name, is not the relay's lookup.
                .resolver(endpoint.looksUpName ? TimedResolver(loop: MultiThreadedEventLoopGroup.singleton.any(), recorder: recorder) : nil)
                .connect(host: endpoint.target.host, port: endpoint.target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let deadline = deadlineFired.arm(channel, within: options.connectTimeout)
                        let handlers = channel.pipeline.syncOperations
                        try handlers.addHandler(IdleStateHandler(readTimeout: readTimeout))
                        try handlers.addHandler(ReadTimeoutHandler(timeout: options.readTimeout))
                        try endpoint.addTransportHandlers(handlers)
                        try handlers.addHandler(HandshakeTimer(recorder))
                        let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: maxMessage) { channel, response in
                            channel.eventLoop.makeCompletedFuture {
                                deadline.cancel()
                                recorder.upgraded(response)
                                try channel.pipeline.syncOperations.addHandler(NIOWebSocketFrameAggregator(
                                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 4096, maxAccumulatedFrameSize: maxMessage))
                                let recorder = ErrorRecorder()
                                try channel.pipeline.syncOperations.addHandler(recorder)
                                return .websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel), recorder)
                            }
                        }
                        var headers = HTTPHeaders()
                        headers.add(name: "Host", value: hostHeader)
                        headers.add(name: "User-Agent", value: "brotr")
                        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.path.isEmpty ? "/" : url.path, headers: headers)
                        let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                            upgradeRequestHead: head, upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in
                                deadline.cancel()
                                channel.close(promise: nil)
                                return channel.eventLoop.makeSucceededFuture(.refused(nil))
                            })
                        return try handlers.configureUpgradableHTTPClientPipeline(configuration: .init(upgradeConfiguration: configuration))
                    }
                }
        } catch {
            throw connectError(error, deadlineFired: deadlineFired.hasFired, options: options)
        }
        let result: Upgrade
        do { result = try await upgrade.get() } catch { throw connectError(error, deadlineFired: deadlineFired.hasFired, options: options) }
        switch result {
        case .websocket(let channel, let errors): return (channel, errors, recorder)
        case .refused: throw TransportError(.upgradeRefused, "\(url) did not upgrade to WebSocket")
        }
    }

    private static func connectError(_ error: any Error, deadlineFired: Bool, options: ConnectionOptions) -> TransportError {
        if !deadlineFired, let error = error as? NIOHTTPClientUpgradeError {
            return TransportError(.upgradeRefused, "WebSocket upgrade failed: \(error)")
        }
        return RelayEndpoint.connectError(error, deadlineFired: deadlineFired, within: options.connectTimeout, what: "WebSocket")
    }
}

extension TimeAmount {
    /// NIO's form of a Swift duration, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Whether a connection's deadline has fired; set on the event loop, read by the task.
final class DeadlineFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func fire() { value.store(true, ordering: .releasing) }
    var hasFired: Bool { value.load(ordering: .acquiring) }

    /// Closes `channel` once `timeout` has passed, noting that the deadline fired, so that
    /// the failure the close causes is told apart from a refusal however late the awaiting
    /// task runs. A channel that closed for another reason cancels its deadline.
    func arm(_ channel: any Channel, within timeout: Duration) -> Scheduled<Void> {
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            self.fire()
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        return deadline
    }
}
