/// A normalized relay URL (`wss://relay.example.com`, `ws://<56 chars>.onion`).
///
/// The initializer applies BigBrotr's rules, so two spellings of one relay give one value:
/// the scheme must be ws or wss; surrounding whitespace, userinfo, query and fragment are
/// dropped; the host is lowercased, internationalized labels become punycode, and trailing
/// dots go; the network is detected from the host, and the scheme is forced to `wss` for
/// clearnet and to `ws` for tor, i2p and loki; the default port of the forced scheme is
/// dropped; dot segments, repeated and trailing slashes leave the path, and a path with a
/// segment outside `[A-Za-z0-9._~:-]` (or not starting and ending alphanumeric) is dropped.
/// Local, private and reserved addresses, `localhost` and single-label hosts are rejected,
/// each with a reason. docs/relay-urls.md lists every rule and where brotr departs from
/// BigBrotr.
public struct RelayURL: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The normalized URL.
    public let url: String
    /// The network detected from the host.
    public let network: RelayNetwork
    /// `ws` or `wss`.
    public let scheme: String
    /// The host: lowercase, punycode, IPv6 without brackets.
    public let host: String
    /// The port, when it is not the scheme's default.
    public let port: Int?
    /// The path, empty or starting with `/`, without a trailing slash.
    public let path: String

    /// The longest URL accepted, as BigBrotr.
    public static let maxLength = 2048

    /// Normalizes and validates a relay URL.
    /// - Parameters:
    ///   - text: the URL as found (in a tag, a config file, a relay list).
    ///   - allowLoopback: admit 127.0.0.0/8, ::1 and `localhost` as network `loopback`,
    ///     keeping the scheme as given. For local testbeds (`network.allow_loopback`).
    /// - Throws: ``NostrError`` with code `invalidRelayURL` and the reason.
    public init(_ text: String, allowLoopback: Bool = false) throws {
        let parts = try RelayURLParser.parse(text, allowLoopback: allowLoopback)
        self.network = parts.network
        self.scheme = parts.scheme
        self.host = parts.host
        self.port = parts.port
        self.path = parts.path
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let url = "\(scheme)://\(hostPart)\(port.map { ":\($0)" } ?? "")\(path)"
        guard url.utf8.count <= Self.maxLength else {
            throw NostrError(.invalidRelayURL, "longer than \(Self.maxLength) bytes (\(url.utf8.count))")
        }
        self.url = url
    }

    public var description: String { url }

    public static func < (a: RelayURL, b: RelayURL) -> Bool { a.url < b.url }
}
