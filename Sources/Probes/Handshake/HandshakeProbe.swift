public import Nostr
public import Transport

/// What opening a WebSocket to the relay shows, beyond NIP-66's round trips: the time of
/// each phase (DNS, TCP, TLS, upgrade) and the `Server` and `X-Powered-By` headers of the
/// upgrade response (NIP-66's `http` check, as BigBrotr reads it). The round-trip probe's
/// connection gives the same; this probe connects by itself when that one is not run.
/// Never throws.
public enum HandshakeProbe {
    /// Connects to `relay` and closes again.
    public static func run(_ relay: RelayURL, timeout: Duration = .seconds(10), options: ConnectionOptions) async -> ProbeResult<ConnectionHandshake> {
        var options = options
        options.connectTimeout = min(options.connectTimeout, timeout)
        do {
            return .success(try await RelayConnection.withConnection(to: relay, options: options) { $0.handshake })
        } catch {
            return .failure("\(error)")
        }
    }

    /// The `nip66_http` record, in BigBrotr's keys: `http_server`, `http_powered_by`.
    public static func httpMetadata(_ result: ProbeResult<ConnectionHandshake>) throws -> Metadata {
        try result.metadata(.nip66HTTP) { handshake in
            var data: [String: JSONValue] = [:]
            if let server = handshake.server { data["http_server"] = .string(server) }
            if let poweredBy = handshake.poweredBy { data["http_powered_by"] = .string(poweredBy) }
            return data
        }
    }

    /// The `connection_phases` record: the document holds only the outcome (shared by every
    /// check that ended the same way); the values hold the phases in milliseconds,
    /// `dns_ms`, `tcp_ms`, `tls_ms`, `upgrade_ms`, those that took place.
    public static func phasesRecord(_ result: ProbeResult<ConnectionHandshake>) throws -> (document: Metadata, values: [String: JSONValue]) {
        var values: [String: JSONValue] = [:]
        if let h = result.value {
            for (name, phase) in [("dns_ms", h.dns), ("tcp_ms", h.tcp), ("tls_ms", h.tls), ("upgrade_ms", h.upgrade)] {
                if let phase { values[name] = .number(JSONNumber(Int64(RTTProbe.milliseconds(phase)))) }
            }
        }
        // An empty `data` is left out of the document, as every empty value is.
        return (try result.metadata(.connectionPhases) { _ in [:] }, values)
    }
}
