import BrotrTestSupport
import Crypto
import Foundation
import Nostr
import Probes
import Testing
import Transport

/// The ssl check against wss test relays on 127.0.0.1 whose certificates are made here:
/// an expired self-signed one is still described in full, and found not valid.
struct SSLProbeTests {
    let options = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))

    @Test func anExpiredSelfSignedCertificateIsDescribedAndNotValid() async throws {
        let now = Date()
        let notBefore = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - 30 * 86_400).rounded(.down))
        let notAfter = Date(timeIntervalSince1970: (now.timeIntervalSince1970 - 86_400).rounded(.down))
        let certificate = try TestCertificate(notBefore: notBefore, notAfter: notAfter)
        let relay = try await TestRelay(tls: true, certificate: certificate)
        defer { Task { await relay.stop() } }

        let result = await SSLProbe.run(relay.url, timeout: .seconds(30), options: options)
        #expect(result.success, "\(result)")
        let d = try #require(result.value)
        #expect(!d.valid && d.invalidReason != nil)
        #expect(d.subjectCN == "brotr test relay" && d.issuer == "brotr tests" && d.issuerCN == "brotr test relay")
        #expect(d.notBefore == Int64(notBefore.timeIntervalSince1970) && d.expires == Int64(notAfter.timeIntervalSince1970))
        #expect(d.names == ["localhost"] && d.serial == "B7D2A" && d.version == 2 && d.tlsVersion == "TLSv1.3")
        let fingerprint = SHA256.hash(data: certificate.der).map { String(format: "%02X", $0) }.joined(separator: ":")
        #expect(d.fingerprint == fingerprint)
        // TLS 1.3: one of its three suites, read from the ServerHello.
        let cipher = try #require(d.cipher)
        #expect(["TLS_AES_128_GCM_SHA256": 128, "TLS_AES_256_GCM_SHA384": 256, "TLS_CHACHA20_POLY1305_SHA256": 256][cipher] == d.cipherBits)

        let metadata = try SSLProbe.metadata(result)
        #expect(
            metadata.canonicalJSON == """
                {"data":{"ssl_cipher":"\(cipher)","ssl_cipher_bits":\(d.cipherBits ?? 0),"ssl_expires":\(d.expires),"ssl_fingerprint":"\(fingerprint)","ssl_issuer":"brotr tests",\
                "ssl_issuer_cn":"brotr test relay","ssl_not_before":\(d.notBefore),"ssl_protocol":"TLSv1.3","ssl_san":["localhost"],\
                "ssl_serial":"B7D2A","ssl_subject_cn":"brotr test relay","ssl_valid":false,"ssl_version":2},"logs":{"success":true}}
                """)
        // The same certificate checked again is the same document.
        #expect(try SSLProbe.metadata(await SSLProbe.run(relay.url, timeout: .seconds(30), options: options)).hash == metadata.hash)
    }

    @Test func aPlainWebSocketRelayHasNoTLSAndADeadOneFails() async throws {
        let relay = try await TestRelay()
        defer { Task { await relay.stop() } }
        let plain = await SSLProbe.run(relay.url, options: options)
        #expect(!plain.success && plain.reason?.contains("is not a wss relay") == true, "\(plain)")
        let dead = await SSLProbe.run(try RelayURL("wss://127.0.0.1:1", allowLoopback: true), options: options)
        #expect(!dead.success && dead.value == nil)
    }
}
