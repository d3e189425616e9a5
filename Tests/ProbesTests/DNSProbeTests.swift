import BrotrTestSupport
import Nostr
import Probes
import Testing
import Transport

/// The dns check against a DNS server on 127.0.0.1 (dnslib) with known records, one
/// record type of which (AAAA) always fails.
@Suite(.serialized)
struct DNSProbeTests {
    @Test func everyRecordTypeIsAskedApartAndTheFailingOneIsNamed() async throws {
        let server = try await TestDNSServer()
        defer { server.stop() }
        let client = DNSClient(server: DNSServer(host: "127.0.0.1", port: server.port), timeout: .seconds(30))
        let result = await DNSProbe.run(host: "relay.brotr.test", client: client)
        #expect(result.success, "\(result)")
        let r = try #require(result.value)
        #expect(r.ips == ["127.0.0.1"] && r.ips6.isEmpty && r.cname == nil)
        #expect(r.ns == ["ns1.brotr.test", "ns2.brotr.test"] && r.reverse == "relay.brotr.test" && r.ttl == 300)
        #expect(r.errors == ["aaaa": "server failure"])
        let (document, values) = try DNSProbe.record(result)
        #expect(
            document.canonicalJSON
                == #"{"data":{"dns_errors":{"aaaa":"server failure"},"dns_ips":["127.0.0.1"],"dns_ns":["ns1.brotr.test","ns2.brotr.test"],"dns_reverse":"relay.brotr.test"},"logs":{"success":true}}"#
        )
        #expect(values == ["dns_ttl": .number(JSONNumber(300))])

        let alias = try #require(await DNSProbe.run(host: "www.brotr.test", client: client).value)
        #expect(alias.cname == "relay.brotr.test")

        let missing = await DNSProbe.run(host: "nothing.brotr.test", client: client)
        #expect(!missing.success && missing.reason == "a: no such name; aaaa: server failure", "\(missing)")
        let address = await DNSProbe.run(host: "127.0.0.1", client: client)
        #expect(!address.success && !address.retryable)
    }

    @Test func aServerThatNeverAnswersTimesOutPerType() async throws {
        // Port 9 (discard) on loopback: nothing listens, the datagrams go nowhere.
        let client = DNSClient(server: DNSServer(host: "127.0.0.1", port: 9), timeout: .milliseconds(300))
        let result = await DNSProbe.run(host: "relay.brotr.test", client: client)
        #expect(!result.success)
        #expect(result.value?.errors.keys.sorted() == ["a", "aaaa", "cname", "ns"])
    }
}
