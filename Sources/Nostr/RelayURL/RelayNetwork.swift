/// The network a relay is reached through, detected from its host.
public enum RelayNetwork: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The public internet, over TLS (`wss://`).
    case clearnet
    /// Tor onion services (`.onion`), through a SOCKS5 proxy.
    case tor
    /// I2P (`.i2p`), through a SOCKS5 proxy.
    case i2p
    /// Lokinet (`.loki`), through a SOCKS5 proxy.
    case loki
    /// Loopback addresses, admitted only with `network.allow_loopback` (local testbeds).
    case loopback

    /// Tor, I2P and Lokinet: reachable only through a SOCKS5 proxy into that network.
    public var isOverlay: Bool {
        switch self {
        case .tor, .i2p, .loki: true
        case .clearnet, .loopback: false
        }
    }

    /// The scheme relays of this network are forced to: overlays encrypt by themselves,
    /// so they use `ws`; clearnet uses `wss`. Loopback keeps the scheme it was given.
    public var forcedScheme: String? {
        switch self {
        case .clearnet: "wss"
        case .tor, .i2p, .loki: "ws"
        case .loopback: nil
        }
    }

    public static func < (a: RelayNetwork, b: RelayNetwork) -> Bool {
        a.order < b.order
    }

    private var order: Int {
        switch self {
        case .clearnet: 0
        case .tor: 1
        case .i2p: 2
        case .loki: 3
        case .loopback: 4
        }
    }
}
