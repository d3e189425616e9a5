import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// What opening a connection took and showed: each phase's own time (DNS, TCP connect,
/// TLS handshake, WebSocket upgrade), the upgrade response's `Server` and `X-Powered-By`,
/// and for wss the TLS version and the relay's certificate.
public struct ConnectionHandshake: Sendable, Hashable {
    /// The name lookup; nil when there was none (an IP address, or a proxy resolving it).
    public var dns: Duration?
    /// TCP connect (to the proxy, with one, SOCKS handshake included).
    public var tcp: Duration?
    /// The TLS handshake, for wss.
    public var tls: Duration?
    /// From the upgrade request to the 101 response.
    public var upgrade: Duration?
    public var server: String?
    public var poweredBy: String?
    /// "TLSv1.3", "TLSv1.2", ...
    public var tlsVersion: String?
    /// The relay's (leaf) certificate, DER.
    public var certificate: [UInt8]?

    public init() {}
}

/// Marks the moments of a handshake as they happen, on the channel's event loop, for the
/// task that opened it.
final class HandshakeRecorder: Sendable {
    private struct Marks {
        var dns: ContinuousClock.Instant?
        var tcp: ContinuousClock.Instant?
        var tls: ContinuousClock.Instant?
        var upgrade: ContinuousClock.Instant?
        var handshake = ConnectionHandshake()
    }

    let start = ContinuousClock.now
    private let marks = Mutex(Marks())

    func resolved() { marks.withLock { if $0.dns == nil { $0.dns = .now } } }
    func connected() { marks.withLock { $0.tcp = .now } }

    func secured(_ peer: TLSPeer) {
        marks.withLock {
            $0.tls = .now
            $0.handshake.tlsVersion = peer.version
            $0.handshake.certificate = peer.certificate
        }
    }

    func upgraded(_ response: HTTPResponseHead) {
        marks.withLock {
            $0.upgrade = .now
            $0.handshake.server = response.headers["server"].first
            $0.handshake.poweredBy = response.headers["x-powered-by"].first
        }
    }

    /// The phases, each from the end of the one before.
    var handshake: ConnectionHandshake {
        marks.withLock { m in
            var h = m.handshake
            h.dns = m.dns.map { $0 - start }
            let connectStart = m.dns ?? start
            h.tcp = m.tcp.map { $0 - connectStart }
            if let tls = m.tls, let tcp = m.tcp { h.tls = tls - tcp }
            if let upgrade = m.upgrade, let from = m.tls ?? m.tcp { h.upgrade = upgrade - from }
            return h
        }
    }

}

/// What a finished TLS handshake shows of the peer: the version and its certificate (DER).
struct TLSPeer {
    var version: String?
    var certificate: [UInt8]?

    /// Read when `event` says the handshake is done; nil for any other event.
    init?(event: Any, context: ChannelHandlerContext) {
        guard case .handshakeCompleted = event as? TLSUserEvent,
            let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self)
        else { return nil }
        version = tls.tlsVersion.map(Self.name)
        certificate = try? tls.peerCertificate?.toDERBytes()
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}

/// Notes TCP up and the TLS handshake's end. Sits after the TLS handler, whose events it sees.
final class HandshakeTimer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let recorder: HandshakeRecorder

    init(_ recorder: HandshakeRecorder) { self.recorder = recorder }

    func channelActive(context: ChannelHandlerContext) {
        recorder.connected()
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let peer = TLSPeer(event: event, context: context) { recorder.secured(peer) }
        context.fireUserInboundEventTriggered(event)
    }
}

/// The system resolver (getaddrinfo, off the event loop), noting when the first answer came.
struct TimedResolver: Resolver, Sendable {
    let underlying: NIORandomizedDNSResolver
    let recorder: HandshakeRecorder

    init(loop: any EventLoop, recorder: HandshakeRecorder) {
        underlying = NIORandomizedDNSResolver(loop: loop)
        self.recorder = recorder
    }

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        underlying.initiateAQuery(host: host, port: port).map { addresses in
            recorder.resolved()
            return addresses
        }
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        underlying.initiateAAAAQuery(host: host, port: port).map { addresses in
            recorder.resolved()
            return addresses
        }
    }

    func cancelQueries() { underlying.cancelQueries() }
}
