import BrotrTestSupport
import Nostr
import Testing
@testable import Transport

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

extension HandshakeTests {
    @Test func theCipherSuiteIsReadFromAServerHello() {
        // A TLS record (22, TLS 1.2 on the wire), a ServerHello (2), version, random, a
        // 32-byte session id, then the suite, 0x1302.
        let hello: [UInt8] = [22, 3, 3, 0, 90, 2, 0, 0, 86, 3, 3] + [UInt8](repeating: 7, count: 32) + [32] + [UInt8](repeating: 9, count: 32) + [0x13, 0x02, 0]
        let suite = ServerHelloReader.cipherSuite(hello)
        #expect(suite?.name == "TLS_AES_256_GCM_SHA384" && suite?.bits == 256)
        #expect(ServerHelloReader.cipherSuite(Array(hello.prefix(60))) == nil)  // not all there yet
        #expect(ServerHelloReader.cipherSuite([21, 3, 3, 0, 2, 2, 40]) == nil)  // an alert, not a handshake
        #expect(CipherSuite(code: 0xABCD).name == "0xABCD" && CipherSuite(code: 0xABCD).bits == nil)
    }
}
