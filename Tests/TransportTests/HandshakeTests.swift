import BrotrTestSupport
import Nostr
import Testing
import Transport

/// What opening a connection records: each phase that took place, the upgrade response's
/// headers, and for wss the TLS version and the relay's certificate.
struct HandshakeTests {
    let options = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30), allowInsecure: true)

    @Test func aNameIsLookedUpAndEveryPhaseOfAWssConnectionIsTimed() async throws {
        var behavior = TestRelayBehavior()
        behavior.upgradeHeaders = [("Server", "nostr-rs-relay 0.9"), ("X-Powered-By", "tests")]
        let relay = try await TestRelay(behavior: behavior, tls: true)
        defer { Task { await relay.stop() } }
        let byName = try RelayURL("wss://localhost:\(relay.port)", allowLoopback: true)
        let h = try await RelayConnection.withConnection(to: byName, options: options) { $0.handshake }
        #expect(h.dns != nil && h.tcp != nil && h.tls != nil && h.upgrade != nil, "\(h)")
        #expect(h.server == "nostr-rs-relay 0.9" && h.poweredBy == "tests")
        #expect(h.tlsVersion == "TLSv1.3")
        #expect(!SelfSignedCertificate.certificateDER.isEmpty && h.certificate == SelfSignedCertificate.certificateDER)
    }

    @Test func anAddressIsNotLookedUpAndPlainWebSocketHasNoTLS() async throws {
        let relay = try await TestRelay()
        defer { Task { await relay.stop() } }
        let h = try await RelayConnection.withConnection(to: relay.url, options: options) { $0.handshake }
        #expect(h.dns == nil && h.tls == nil && h.tlsVersion == nil && h.certificate == nil)
        #expect(h.tcp != nil && h.upgrade != nil && h.server == nil)
    }
}
