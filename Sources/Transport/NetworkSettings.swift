public import Nostr

/// How the transport reaches each overlay network: a SOCKS5 proxy per network, and
/// whether it may connect at all.
public struct NetworkSettings: Sendable, Hashable {
    /// Per-network connection settings.
    public struct Route: Sendable, Hashable {
        /// Whether relays of this network are contacted.
        public var enabled: Bool
        /// A SOCKS5 proxy (`host:port`) for this network, if any.
        public var proxy: String?

        public init(enabled: Bool, proxy: String? = nil) {
            self.enabled = enabled
            self.proxy = proxy
        }
    }

    /// Routes by network. Clearnet is direct by default; overlays need a proxy.
    public var routes: [RelayNetwork: Route]

    /// Clearnet enabled and direct; tor, i2p and loki disabled until a proxy is configured.
    public init(routes: [RelayNetwork: Route] = [
        .clearnet: Route(enabled: true), .tor: Route(enabled: false), .i2p: Route(enabled: false),
        .loki: Route(enabled: false),
    ]) {
        self.routes = routes
    }

    /// The route for `network`; a network with no entry is disabled.
    public func route(for network: RelayNetwork) -> Route {
        routes[network] ?? Route(enabled: false)
    }
}
