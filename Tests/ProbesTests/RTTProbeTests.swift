import BrotrTestSupport
import Nostr
import Probes
import Testing
import Transport

/// NIP-66 round trips against the test relay on 127.0.0.1, bent each way a relay in the
/// wild answers a monitor: each phase gets its own outcome and reason.
@Suite struct RTTProbeTests {
    let options = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))
    let key = SecretKey.generate()
    /// Long enough for a loaded machine; the unverified write waits it out.
    let settings = RTTProbe.Settings(timeout: .seconds(30))

    func relay(_ configure: (inout TestRelayBehavior) -> Void = { _ in }) async throws -> TestRelay {
        var behavior = TestRelayBehavior()
        configure(&behavior)
        let note = try Event.sign(kind: 1, content: "hello", createdAt: 1_700_000_000, with: SecretKey.generate())
        return try await TestRelay(events: [note], behavior: behavior)
    }

    @Test func aWellBehavedRelayPassesEveryPhase() async throws {
        let relay = try await relay()
        defer { Task { await relay.stop() } }
        let result = await RTTProbe.run(relay.url, key: key, settings: settings, options: options)
        #expect(result.success && result.reason == nil, "\(result)")
        let m = try #require(result.value)
        #expect(m.open.success && m.read.success && m.write?.success == true)
        #expect(m.open.milliseconds != nil && m.read.milliseconds != nil && m.write?.milliseconds != nil)
        // The document holds the outcomes, the values the timings: a second measurement
        // that ends the same way shares the document.
        let (document, values) = try RTTProbe.record(m)
        #expect(document.canonicalJSON == #"{"logs":{"open_success":true,"read_success":true,"write_success":true}}"#)
        #expect(values.keys.sorted() == ["rtt_open", "rtt_read", "rtt_write"])
        let again = try #require(await RTTProbe.run(relay.url, key: key, settings: settings, options: options).value)
        #expect(try RTTProbe.record(again).document.hash == document.hash)
    }

    @Test func withoutAKeyWriteIsNotTried() async throws {
        let relay = try await relay()
        defer { Task { await relay.stop() } }
        let result = await RTTProbe.run(relay.url, key: nil, settings: settings, options: options)
        #expect(result.success && result.value?.write == nil)
        let document = try RTTProbe.record(try #require(result.value)).document
        #expect(document.canonicalJSON == #"{"logs":{"open_success":true,"read_success":true}}"#)
    }

    /// A refused write keeps the relay's reason, whose prefix says why.
    @Test(arguments: ["restricted: members only", "auth-required: sign in first", "blocked: spam"])
    func aRejectedWriteKeepsTheRelaysReason(reason: String) async throws {
        let relay = try await relay { $0.rejectWrites = reason }
        defer { Task { await relay.stop() } }
        let result = await RTTProbe.run(relay.url, key: key, settings: settings, options: options)
        let m = try #require(result.value)
        #expect(m.open.success && m.read.success)
        #expect(m.write?.success == false && m.write?.reason == reason && m.write?.milliseconds == nil)
        #expect(!result.success && result.reason == "write: \(reason)")
    }

    @Test func aRelayDemandingAuthFailsReadAndWriteWithItsReasons() async throws {
        let relay = try await relay { $0.requireAuth = true }
        defer { Task { await relay.stop() } }
        let m = try #require(await RTTProbe.run(relay.url, key: key, settings: settings, options: options).value)
        #expect(m.open.success)
        #expect(!m.read.success && m.read.reason?.hasPrefix("auth-required:") == true, "\(m.read)")
        #expect(m.write?.success == false && m.write?.reason?.hasPrefix("auth-required:") == true, "\(String(describing: m.write))")
    }

    /// Proof of work: mined when the relay's NIP-11 asks for it, refused when it was not.
    @Test func proofOfWorkIsMinedWhenTheDocumentAsksForIt() async throws {
        let relay = try await relay { $0.minPow = 8 }
        defer { Task { await relay.stop() } }
        let asked = NIP11Document(object: ["limitation": .object(["min_pow_difficulty": .number(JSONNumber(8))])])
        let mined = try #require(await RTTProbe.run(relay.url, key: key, document: asked, settings: settings, options: options).value)
        #expect(mined.write?.success == true, "\(String(describing: mined.write))")
        let unasked = try #require(await RTTProbe.run(relay.url, key: key, settings: settings, options: options).value)
        #expect(unasked.write?.success == false && unasked.write?.reason?.hasPrefix("pow:") == true)
        let tooMuch = NIP11Document(object: ["limitation": .object(["min_pow_difficulty": .number(JSONNumber(40))])])
        let refused = try #require(await RTTProbe.run(relay.url, key: key, document: tooMuch, settings: settings, options: options).value)
        #expect(refused.write?.success == false && refused.write?.reason?.hasPrefix("pow: the relay asks 40 bits") == true)
    }

    /// OK true and then nothing on the subscription opened before: unverified, not ok.
    @Test func anAcceptedWriteThatIsNeverDeliveredIsUnverified() async throws {
        let relay = try await relay { $0.swallowEphemeral = true }
        defer { Task { await relay.stop() } }
        // The verdict waits out the phase timeout (the connection's read timeout is the
        // probe's only clock): 30 s, as every phase here, so that a loaded machine is not
        // taken for a silent relay.
        let m = try #require(await RTTProbe.run(relay.url, key: key, settings: settings, options: options).value)
        #expect(m.read.success)
        #expect(m.write?.success == false && m.write?.reason == RTTProbe.unverified && m.write?.milliseconds != nil)
    }

    /// No relay: open fails, and read and write fail with the same reason.
    @Test func aDownRelayFailsEveryPhaseAlike() async throws {
        let down = try RelayURL("ws://127.0.0.1:1", allowLoopback: true)
        let result = await RTTProbe.run(down, key: key, options: options)
        let m = try #require(result.value)
        #expect(!result.success && !m.open.success && m.open.reason?.isEmpty == false)
        #expect(m.read == m.open && m.write == m.open)
    }
}
