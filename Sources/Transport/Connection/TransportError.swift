/// Why talking to a relay failed. Every failure a relay can cause is one of these values;
/// none of them ends the process.
public struct TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The proxy setting cannot be used.
        case invalidProxy
        /// TCP connect failed (refused, unreachable, DNS).
        case connectFailed
        /// Connect, TLS and upgrade did not finish in time.
        case connectTimeout
        /// The certificate did not verify, or TLS failed otherwise.
        case tlsFailed
        /// The HTTP upgrade to WebSocket was refused.
        case upgradeRefused
        /// Nothing arrived within the read timeout.
        case readTimeout
        /// A message larger than the cap.
        case messageTooLarge
        /// The relay broke the WebSocket protocol.
        case protocolError
        /// The relay closed the connection.
        case closed
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
