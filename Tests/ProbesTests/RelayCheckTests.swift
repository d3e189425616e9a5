import BrotrTestSupport
import Nostr
import Probes
import Testing
import Transport

/// The check that a URL leads to a Nostr relay, against relays on 127.0.0.1: each outcome
/// is a result with its reason and logs, never a thrown error.
@Suite struct RelayCheckTests {
    let options = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))

    @Test func aRelayAnswersWithEOSEOrAnAuthChallenge() async throws {
        let open = try await TestRelay(events: [])
        let authOnly = try await TestRelay(events: [], behavior: { var b = TestRelayBehavior(); b.requireAuth = true; return b }())
        defer { Task { await open.stop(); await authOnly.stop() } }
        let plain = await RelayCheck.run(open.url, options: options, insecureFallback: true)
        #expect(plain.success && plain.value == RelayCheck.Answer(sign: "EOSE", insecure: false) && plain.reason == nil)
        let auth = await RelayCheck.run(authOnly.url, options: options, insecureFallback: true)
        #expect(auth.success && auth.value?.sign.contains("AUTH") == true, "\(auth)")
    }

    @Test func nothingListeningIsAFailureWithItsReason() async throws {
        let refused = try RelayURL("ws://127.0.0.1:1", allowLoopback: true)
        let result = await RelayCheck.run(refused, options: options, insecureFallback: true)
        #expect(!result.success && result.value == nil)
        #expect(result.reason?.isEmpty == false, "\(result)")
    }

    /// A certificate no client trusts fails the check; with the fallback, the relay answers
    /// the second attempt and the answer says it was insecure, and the logs say why.
    @Test func anUntrustedCertificateAnswersOnlyWithTheFallback() async throws {
        let relay = try await TestRelay(events: [], tls: true)
        defer { Task { await relay.stop() } }
        let strict = await RelayCheck.run(relay.url, options: options, insecureFallback: false)
        #expect(!strict.success && strict.logs.isEmpty)
        let lenient = await RelayCheck.run(relay.url, options: options, insecureFallback: true)
        #expect(lenient.success && lenient.value == RelayCheck.Answer(sign: "EOSE", insecure: true))
        #expect(lenient.logs.count == 1 && lenient.logs[0].contains("TLS verification failed"))
    }
}
