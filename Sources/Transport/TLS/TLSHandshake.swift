public import Nostr
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// A TLS handshake with a wss relay and nothing more: what the relay presents (its
/// certificate, the TLS version), for the ssl check. With `verify`, the certificate must
/// verify (chain, dates, name), or the handshake fails with the reason; without, any
/// certificate is accepted, so that an expired or self-signed one is still described.
public enum TLSHandshake {
    /// What the relay presented.
    public struct Peer: Sendable, Hashable {
        /// The relay's (leaf) certificate, DER.
        public var certificate: [UInt8]
        /// "TLSv1.3", "TLSv1.2", ...
        public var tlsVersion: String?
        /// The suite the server chose, from its ServerHello.
        public var cipher: CipherSuite?
    }

    /// Connects to `relay`'s host and port (through its proxy, if any), completes the TLS
    /// handshake within `options.connectTimeout`, and closes.
    /// - Throws: ``TransportError``: no TLS (a ws relay), unreachable, timed out, or (with
    ///   `verify`) a certificate that does not verify.
    public static func run(_ relay: RelayURL, verify: Bool, options: ConnectionOptions) async throws -> Peer {
        guard relay.scheme == "wss" else { throw TransportError(.tlsFailed, "\(relay) is not a wss relay") }
        var options = options
        options.allowInsecure = !verify
        let endpoint = try RelayEndpoint(relay, options: options)
        let timeout = options.connectTimeout
        let deadlineFired = DeadlineFlag()
        let channel: any Channel
        let done: EventLoopFuture<Peer>
        do {
            (channel, done) = try await endpoint.bootstrap
                .connect(host: endpoint.target.host, port: endpoint.target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let promise = channel.eventLoop.makePromise(of: Peer.self)
                        // Its close fails the promise (PeerCatcher), which is then told a timeout.
                        let deadline = deadlineFired.arm(channel, within: timeout)
                        promise.futureResult.whenComplete { _ in deadline.cancel() }
                        let handlers = channel.pipeline.syncOperations
                        let hello = ServerHelloReader.Found()
                        try endpoint.addProxyHandler(handlers)
                        try handlers.addHandler(ServerHelloReader(hello))
                        try endpoint.addTLSHandler(handlers)
                        try handlers.addHandler(PeerCatcher(promise, hello: hello))
                        return (channel, promise.futureResult)
                    }
                }
        } catch {
            throw RelayEndpoint.connectError(error, deadlineFired: deadlineFired.hasFired, within: timeout, what: "TLS handshake")
        }
        defer { channel.close(promise: nil) }
        do {
            return try await done.get()
        } catch {
            throw RelayEndpoint.connectError(error, deadlineFired: deadlineFired.hasFired, within: timeout, what: "TLS handshake")
        }
    }
}

/// Completes the promise with the peer's certificate once the handshake is done, or fails
/// it with the first error (a certificate that does not verify, a closed connection).
private final class PeerCatcher: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    private let promise: EventLoopPromise<TLSHandshake.Peer>
    private let hello: ServerHelloReader.Found

    init(_ promise: EventLoopPromise<TLSHandshake.Peer>, hello: ServerHelloReader.Found) {
        self.promise = promise
        self.hello = hello
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let peer = TLSPeer(event: event, context: context) {
            if let certificate = peer.certificate {
                promise.succeed(TLSHandshake.Peer(certificate: certificate, tlsVersion: peer.version, cipher: hello.suite))
            } else {
                promise.fail(TransportError(.tlsFailed, "the relay presented no certificate"))
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(TransportError(.closed, "the connection closed before the TLS handshake ended"))
        context.fireChannelInactive()
    }
}
