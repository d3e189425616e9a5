public import Nostr

/// How brotr reaches relays, whatever the stage: which networks it admits and the SOCKS5
/// proxy of each overlay network. Read once from the configuration and handed to every
/// stage as it is.
public struct NetworkConfiguration: Sendable, Hashable {
    /// Admit loopback relays (127.0.0.0/8, ::1, localhost), for local testbeds.
    public var allowLoopback: Bool
    /// SOCKS5 proxies by overlay network (tor, i2p, loki); a relay of an overlay network
    /// without one cannot be reached.
    public var proxies: [RelayNetwork: SOCKSProxy]

    public init(allowLoopback: Bool = false, proxies: [RelayNetwork: SOCKSProxy] = [:]) {
        self.allowLoopback = allowLoopback
        self.proxies = proxies
    }

    /// `options` for a connection to `relay`: through its network's proxy, if it has one.
    public func options(_ options: ConnectionOptions, for relay: RelayURL) -> ConnectionOptions {
        var options = options
        options.proxy = proxies[relay.network] ?? options.proxy
        return options
    }
}
