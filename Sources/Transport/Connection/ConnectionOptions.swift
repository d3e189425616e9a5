/// How one relay connection behaves: timeouts, size caps, TLS leniency and proxy.
public struct ConnectionOptions: Sendable, Hashable {
    /// TCP connect, TLS and the WebSocket upgrade together must finish within this.
    public var connectTimeout: Duration
    /// The connection fails when the relay sends nothing at all for this long.
    public var readTimeout: Duration
    /// The largest WebSocket message accepted; a larger one ends the connection.
    public var maxMessageBytes: Int
    /// Accept certificates that do not verify (expired, self-signed, wrong name).
    public var allowInsecure: Bool
    /// A SOCKS5 proxy to reach the relay through.
    public var proxy: SOCKSProxy?

    public init(
        connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(30),
        maxMessageBytes: Int = 4 << 20, allowInsecure: Bool = false, proxy: SOCKSProxy? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxMessageBytes = maxMessageBytes
        self.allowInsecure = allowInsecure
        self.proxy = proxy
    }
}

/// A SOCKS5 proxy address, such as Tor's `127.0.0.1:9050`.
public struct SOCKSProxy: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// Parses `host:port` (IPv6 hosts in brackets).
    public init(_ text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { throw TransportError(.invalidProxy, "proxy '\(text)' is not host:port") }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw TransportError(.invalidProxy, "proxy '\(text)' has no host") }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
