import BrotrTestSupport
import Nostr
import Probes
import Testing
import Transport

/// The two probes beyond BigBrotr's: NIP-42 as relays practise it, and whether a relay
/// really answers NIP-77's NEG-OPEN, against the test relay and two third-party relays.
@Suite struct AuthAndNIP77ProbeTests {
    let options = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))
    let key = SecretKey.generate()
    // Timeouts are long enough for a loaded machine; the silent cases wait theirs out.

    func relay(_ configure: (inout TestRelayBehavior) -> Void = { _ in }) async throws -> TestRelay {
        var behavior = TestRelayBehavior()
        configure(&behavior)
        return try await TestRelay(events: [], behavior: behavior)
    }

    static func note() throws -> Event { try Event.sign(kind: 1, content: "probe", createdAt: 1_800_000_000, with: SecretKey.generate()) }

    @Test func authChallengesAndAnswers() async throws {
        let open = try await relay()
        let guarded = try await relay { $0.requireAuth = true }
        let picky = try await relay { $0.requireAuth = true; $0.refuseAuth = true }
        defer { Task { await open.stop(); await guarded.stop(); await picky.stop() } }
        let none = await AuthProbe.run(open.url, key: key, timeout: .seconds(30), options: options)
        #expect(none.success && none.value == AuthProbe.Answer(challenged: false, accepted: nil, message: nil), "\(none)")
        let accepted = await AuthProbe.run(guarded.url, key: key, timeout: .seconds(30), options: options)
        #expect(accepted.value == AuthProbe.Answer(challenged: true, accepted: true, message: nil), "\(accepted)")
        let refused = await AuthProbe.run(picky.url, key: key, timeout: .seconds(30), options: options)
        #expect(refused.value == AuthProbe.Answer(challenged: true, accepted: false, message: "restricted: not on the list"), "\(refused)")
        let keyless = await AuthProbe.run(guarded.url, key: nil, timeout: .seconds(30), options: options)
        #expect(keyless.value == AuthProbe.Answer(challenged: true, accepted: nil, message: nil))
        let down = await AuthProbe.run(try RelayURL("ws://127.0.0.1:1", allowLoopback: true), key: key, options: options)
        #expect(!down.success && down.value == nil && down.reason?.isEmpty == false)
    }

    @Test func negentropyRefusedOrIgnoredByTheTestRelay() async throws {
        let notice = try await relay()
        let quiet = try await relay { $0.ignoreNegentropy = true }
        defer { Task { await notice.stop(); await quiet.stop() } }
        let refused = await NIP77Probe.run(notice.url, timeout: .seconds(30), options: options)
        #expect(refused.value == .refused("unsupported: NEG-OPEN"), "\(refused)")
        let silent = await NIP77Probe.run(quiet.url, timeout: .seconds(10), options: options)
        #expect(silent.success && silent.value == .silent, "\(silent)")
    }

    /// nostr-sdk's LocalRelay speaks NIP-77; nostr-relay 1.14 ignores NEG-OPEN silently.
    @Test func negentropyAgainstThirdPartyRelays() async throws {
        let sdk = try await ThirdPartyRelay.start(.nostrSDK, events: [try Self.note()])
        defer { sdk.stop() }
        let supported = await NIP77Probe.run(sdk.url, timeout: .seconds(30), options: options)
        #expect(supported.value == .supported, "\(supported)")
        let python = try await ThirdPartyRelay.start(.nostrRelay, events: [try Self.note()])
        defer { python.stop() }
        let silent = await NIP77Probe.run(python.url, timeout: .seconds(10), options: options)
        #expect(silent.value == .silent, "\(silent)")
    }
}
