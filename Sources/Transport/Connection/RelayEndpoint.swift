import Nostr
import NIOCore
import NIOPosix
import NIOSOCKS
import NIOSSL

/// Where and how a relay's URL is reached: the address to dial (the relay's, or its
/// proxy's), TLS for wss with the name it presents, and the Host header. Shared by the
/// WebSocket connection and the HTTP GET of its NIP-11 document.
struct RelayEndpoint {
    let url: RelayURL
    let options: ConnectionOptions
    /// The relay's own port.
    let port: Int
    let tls: NIOSSLContext?
    /// SNI carries names only; an IP literal host gets none.
    let sniName: String?
    /// What TCP connects to.
    let target: (host: String, port: Int)
    let hostHeader: String

    init(_ url: RelayURL, options: ConnectionOptions) throws {
        // An overlay address resolves nowhere but inside its network: without a proxy, fail
        // at once instead of asking DNS.
        if options.proxy == nil, url.network.isOverlay {
            throw TransportError(.invalidProxy, "no SOCKS5 proxy configured for \(url.network.rawValue) relays")
        }
        self.url = url
        self.options = options
        let secure = url.scheme == "wss"
        port = url.port ?? (secure ? 443 : 80)
        tls = try secure ? TLSContexts.context(insecure: options.allowInsecure) : nil
        sniName = url.host.contains(":") || url.host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : url.host
        target = (host: options.proxy?.host ?? url.host, port: options.proxy?.port ?? port)
        hostHeader = (url.host.contains(":") ? "[\(url.host)]" : url.host) + (url.port.map { ":\($0)" } ?? "")
    }

    /// Whether connecting looks the relay's host name up here (no proxy, not an address).
    var looksUpName: Bool { options.proxy == nil && sniName != nil }

    var bootstrap: ClientBootstrap {
        ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(options.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
    }

    /// Adds the SOCKS5 handshake (with a proxy) and TLS (for wss) to a new channel.
    func addTransportHandlers(_ handlers: ChannelPipeline.SynchronousOperations) throws {
        try addProxyHandler(handlers)
        try addTLSHandler(handlers)
    }

    /// The SOCKS5 handshake, with a proxy.
    func addProxyHandler(_ handlers: ChannelPipeline.SynchronousOperations) throws {
        if options.proxy != nil {
            try handlers.addHandler(SOCKSClientHandler(targetAddress: .domain(url.host, port: port)))
        }
    }

    /// TLS, for wss.
    func addTLSHandler(_ handlers: ChannelPipeline.SynchronousOperations) throws {
        if let tls {
            try handlers.addHandler(NIOSSLClientHandler(context: tls, serverHostname: sniName))
        }
    }

    /// A connection failure as brotr reports it.
    static func connectError(_ error: any Error, deadlineFired: Bool, within timeout: Duration, what: String) -> TransportError {
        if deadlineFired {
            return TransportError(.connectTimeout, "no \(what) within \(timeout)")
        }
        switch error {
        case let error as TransportError: return error
        case ChannelError.connectTimeout: return TransportError(.connectTimeout, "TCP connect took over \(timeout)")
        case let error as NIOSSLError: return TransportError(.tlsFailed, "\(error)")
        case let error as BoringSSLError: return TransportError(.tlsFailed, "\(error)")
        case let error as SOCKSError.ConnectionFailed: return TransportError(.connectFailed, "the proxy could not connect: \(error)")
        default: return TransportError(.connectFailed, "\(error)")
        }
    }
}
