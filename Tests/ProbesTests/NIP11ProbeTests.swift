import BrotrTestSupport
import Nostr
import Probes
import Testing
import Transport

/// Fetching NIP-11 documents from servers on 127.0.0.1: a document is parsed; a server
/// that answers with anything else has no document (final, not retried); one that cannot
/// be reached or stalls is a retryable failure.
@Suite struct NIP11ProbeTests {
    let options = ConnectionOptions(connectTimeout: .seconds(30), readTimeout: .seconds(30))
    /// Long enough for a loaded machine.
    let settings = NIP11Probe.Settings(timeout: .seconds(30))
    static let document = #"{"name":"test relay","supported_nips":[1,11],"limitation":{"auth_required":false}}"#

    func relay(_ server: TestHTTPServer, _ path: String) throws -> RelayURL {
        try RelayURL("ws://127.0.0.1:\(server.port)\(path)", allowLoopback: true)
    }

    @Test func aDocumentIsFetchedWithTheNIP11AcceptHeader() async throws {
        let server = try await TestHTTPServer(routes: [
            "/": .init(body: Self.document, contentType: "application/nostr+json"),
            "/json": .init(body: Self.document, contentType: "application/json; charset=utf-8"),
        ])
        defer { Task { await server.stop() } }
        for path in ["/", "/json"] {
            let result = await NIP11Probe.run(try relay(server, path), settings: settings, options: options)
            #expect(result.success && result.reason == nil, "\(path): \(result)")
            #expect(result.value?.name == "test relay" && result.value?.supportedNIPs == [1, 11] && result.value?.authRequired == false)
            #expect(server.lastAccept == "application/nostr+json")
        }
        #expect(NIP11Probe.documentURL(try RelayURL("wss://relay.example.com/path")) == "https://relay.example.com/path")
        #expect(NIP11Probe.documentURL(try RelayURL("ws://127.0.0.1:7000", allowLoopback: true)) == "http://127.0.0.1:7000")
    }

    /// Each way of answering without a document fails at once, with its reason, and is not
    /// worth retrying: the relay is up.
    @Test func aServerThatAnswersWithoutADocumentIsToldApartFromADownOne() async throws {
        let huge = "{\"description\":\"" + String(repeating: "x", count: 70_000) + "\"}"
        let server = try await TestHTTPServer(routes: [
            "/html": .init(body: "<html>a nostr relay</html>", contentType: "text/html"),
            "/array": .init(body: "[1,2]", contentType: "application/nostr+json"),
            "/garbage": .init(body: "{\"name\":", contentType: "application/nostr+json"),
            "/huge": .init(body: huge, contentType: "application/nostr+json"),
            "/error": .init(status: 500, body: Self.document, contentType: "application/nostr+json"),
        ])
        defer { Task { await server.stop() } }
        let expected = [
            "/html": "Invalid Content-Type: text/html", "/array": "not a NIP-11 document", "/garbage": "not a NIP-11 document",
            "/huge": "Response body too large", "/error": "HTTP 500", "/missing": "HTTP 404",
        ]
        for (path, reason) in expected {
            let policy = RetryPolicy(attempts: 3, initialDelay: .milliseconds(10), jitter: .zero)
            let before = server.requests
            let url = try relay(server, path)
            let result = await policy.run { await NIP11Probe.run(url, settings: settings, options: options) }
            #expect(!result.success && !result.retryable && result.value == nil, "\(path): \(result)")
            #expect(result.reason?.hasPrefix(reason) == true, "\(path): \(result.reason ?? "")")
            #expect(server.requests == before + 1, "\(path) was fetched \(server.requests - before) times")
        }
    }

    @Test func anIllTypedDocumentSucceedsAndLogsWhatWasDropped() async throws {
        let server = try await TestHTTPServer(routes: ["/": .init(body: #"{"name":7,"description":"d"}"#, contentType: "application/nostr+json")])
        defer { Task { await server.stop() } }
        let result = await NIP11Probe.run(try relay(server, "/"), settings: settings, options: options)
        #expect(result.success && result.value?.fields == ["description": .string("d")])
        #expect(result.logs == ["dropped ill-typed fields: name"])
    }

    /// Nothing listening, and a server slower than the timeout: retryable failures, tried
    /// as often as the policy says, each try in the logs.
    @Test func anUnreachableOrSlowServerIsRetriedThenFails() async throws {
        let server = try await TestHTTPServer(routes: ["/slow": .init(body: Self.document, contentType: "application/nostr+json", delay: .seconds(30))])
        defer { Task { await server.stop() } }
        let policy = RetryPolicy(attempts: 2, initialDelay: .milliseconds(10), jitter: .milliseconds(5))
        let down = try RelayURL("ws://127.0.0.1:1", allowLoopback: true)
        let refused = await policy.run { await NIP11Probe.run(down, options: options) }
        #expect(!refused.success && refused.retryable && refused.reason?.isEmpty == false)
        #expect(refused.logs.count == 1 && refused.logs[0].hasPrefix("attempt 1 failed"), "\(refused.logs)")
        let short = NIP11Probe.Settings(timeout: .seconds(2))
        let url = try relay(server, "/slow")
        let slow = await policy.run { await NIP11Probe.run(url, settings: short, options: options) }
        #expect(!slow.success && slow.retryable, "\(slow)")
        #expect(slow.logs.count == 1 && slow.logs[0].hasPrefix("attempt 1 failed"), "\(slow.logs)")
    }

    /// The test relay serves its document on the port of its WebSocket, over TLS for wss:
    /// a certificate nobody trusts fails the fetch until certificate checks are off.
    @Test func theTestRelayServesItsDocumentBesideItsWebSocket() async throws {
        var behavior = TestRelayBehavior()
        behavior.information = ("application/nostr+json", Array(Self.document.utf8))
        let plain = try await TestRelay(events: [], behavior: behavior)
        let secure = try await TestRelay(events: [], behavior: behavior, tls: true)
        let bare = try await TestRelay(events: [])
        defer { Task { await plain.stop(); await secure.stop(); await bare.stop() } }
        let fetched = await NIP11Probe.run(plain.url, settings: settings, options: options)
        #expect(fetched.success && fetched.value?.name == "test relay", "\(fetched)")
        let rtt = await RTTProbe.run(plain.url, key: nil, settings: RTTProbe.Settings(timeout: .seconds(30)), options: options)
        #expect(rtt.success, "the same port still speaks WebSocket: \(rtt)")
        let strict = await NIP11Probe.run(secure.url, settings: settings, options: options)
        #expect(!strict.success && strict.retryable, "\(strict)")
        var lenient = options
        lenient.allowInsecure = true
        let insecure = await NIP11Probe.run(secure.url, settings: settings, options: lenient)
        #expect(insecure.success && insecure.value?.supportedNIPs == [1, 11], "\(insecure)")
        let none = await NIP11Probe.run(bare.url, settings: settings, options: options)
        #expect(!none.success && !none.retryable && none.reason == "HTTP 404", "\(none)")
    }

    /// nostr-relay 1.14 from PyPI, unmodified, serves its document only to the exact NIP-11
    /// Accept header.
    @Test func aThirdPartyRelaysDocument() async throws {
        let note = try Event.sign(kind: 1, content: "nip-11 test", createdAt: 1_800_000_000, with: SecretKey.generate())
        let relay = try await ThirdPartyRelay.start(.nostrRelay, events: [note])
        defer { relay.stop() }
        let result = await NIP11Probe.run(relay.url, settings: settings, options: options)
        #expect(result.success, "\(result)")
        let document = try #require(result.value)
        #expect(document.name == "brotr testbed" && document.fields["description"] == .string("nostr-relay 1.14 for brotr's tests"))
        #expect(document.software == "https://code.pobblelabs.org/fossil/nostr_relay")
        #expect(document.supportedNIPs.contains(11) && document.supportedNIPs == document.supportedNIPs.sorted())
        #expect(document.version?.isEmpty == false && document.dropped.isEmpty)
    }
}
