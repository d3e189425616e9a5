import Nostr
@testable import Probes
import Transport
import Testing

/// Kind 30166 tags from what the probes found: measured requirements beat the document's
/// claims, and the document fills in what was not measured.
struct DiscoveryTagsTests {
    let relay: RelayURL

    init() throws { relay = try RelayURL("wss://relay.example.com") }

    static func document(_ json: String) throws -> NIP11Document { try NIP11Document(parsing: Array(json.utf8)) }
    static let allOK = RTTProbe.Measurement(open: .ok(12), read: .ok(34), write: .ok(56))

    @Test func anOpenRelayWithADocument() throws {
        let document = try Self.document(#"{"supported_nips":[50,1,11],"tags":["sfw"],"language_tags":["en","en-US","de-AT","x"]}"#)
        let tags = DiscoveryTags.tags(.init(relay: relay, document: document, rtt: Self.allOK))
        #expect(tags == [
            ["d", "wss://relay.example.com"], ["n", "clearnet"], ["rtt-open", "12"], ["rtt-read", "34"], ["rtt-write", "56"],
            ["N", "1"], ["N", "11"], ["N", "50"], ["t", "sfw"], ["l", "en", "ISO-639-1"], ["l", "de", "ISO-639-1"],
            ["R", "!auth"], ["R", "!payment"], ["R", "!writes"], ["R", "!pow"], ["T", "Search"], ["T", "PublicInbox"], ["k", "22456"],
        ])
    }

    /// The document claims auth and payment, but the write went through: the measurement wins.
    @Test func aSuccessfulWriteOverridesTheDocumentsClaims() throws {
        let document = try Self.document(#"{"limitation":{"auth_required":true,"payment_required":true,"restricted_writes":true}}"#)
        let r = DiscoveryTags.requirements(.init(relay: relay, document: document, rtt: Self.allOK))
        #expect(r == DiscoveryTags.Requirements(auth: false, writes: false, pow: false, payment: false))
        // Without a measurement the document is all there is.
        let claimed = DiscoveryTags.requirements(.init(relay: relay, document: document))
        #expect(claimed == DiscoveryTags.Requirements(auth: true, writes: true, pow: false, payment: true))
        #expect(DiscoveryTags.tags(.init(relay: relay, document: document)).filter { $0[0] == "T" } == [["T", "Paid"], ["T", "PublicOutbox"]])
    }

    @Test(arguments: [
        ("auth-required: sign in", DiscoveryTags.Requirements(auth: true, writes: false, pow: false, payment: false)),
        ("restricted: members only", DiscoveryTags.Requirements(auth: false, writes: true, pow: false, payment: false)),
        ("pow: difficulty 3 is less than 20", DiscoveryTags.Requirements(auth: false, writes: false, pow: true, payment: false)),
        ("payment-required: 1000 sats", DiscoveryTags.Requirements(auth: false, writes: false, pow: false, payment: true)),
    ])
    func aRefusedWriteSaysWhy(reason: String, expected: DiscoveryTags.Requirements) throws {
        let rtt = RTTProbe.Measurement(open: .ok(10), read: .ok(20), write: .failed(reason))
        let findings = DiscoveryTags.Findings(relay: relay, rtt: rtt)
        #expect(DiscoveryTags.requirements(findings) == expected)
        let tags = DiscoveryTags.tags(findings)
        #expect(tags.contains(["k", "!22456"]) && !tags.contains { $0[0] == "rtt-write" })
        // Proof of work keeps a relay public; auth, restricted writes or payment make it an outbox.
        let outbox = expected.auth || expected.writes || expected.payment
        #expect(tags.contains(["T", outbox ? "PublicOutbox" : "PublicInbox"]))
    }

    /// Reading refused for want of AUTH: private storage; a write that timed out tells no kind.
    @Test func aRelayThatWantsAuthToRead() {
        let rtt = RTTProbe.Measurement(open: .ok(10), read: .failed("auth-required: who are you"), write: .failed("auth-required: who are you"))
        let tags = DiscoveryTags.tags(.init(relay: relay, rtt: rtt))
        #expect(tags.contains(["R", "auth"]) && tags.contains(["T", "PrivateStorage"]) && tags.contains(["rtt-open", "10"]))
        let timedOut = RTTProbe.Measurement(open: .ok(10), read: .ok(20), write: .failed("readTimeout after 10 seconds"))
        #expect(!DiscoveryTags.tags(.init(relay: relay, rtt: timedOut)).contains { $0[0] == "k" })
    }
}

extension DiscoveryTagsTests {
    /// The ssl, net, geo, dns and http tags, in BigBrotr's order and with its NIP-32 labels.
    @Test func everyCheckGivesItsTagsInBigBrotrsOrder() throws {
        var place = GeoProbe.Place()
        (place.country, place.city, place.latitude, place.longitude, place.timezone, place.geohash) =
            ("GB", "Willesden", 51.5333, -0.2333, "Europe/London", "gcpugxwvx")
        var dns = DNSProbe.Records()
        (dns.ips, dns.ips6, dns.cname, dns.ttl) = (["203.0.113.7"], ["2001:db8::7"], "edge.example.net", 300)
        var http = ConnectionHandshake()
        (http.server, http.poweredBy) = ("strfry", "nostr")
        let ssl = SSLProbe.Description(
            valid: false, invalidReason: "expired", subjectCN: "relay.example.com", issuer: "Example CA", issuerCN: "Example R1",
            notBefore: 1_700_000_000, expires: 1_735_689_600, names: ["relay.example.com"], serial: "1F", version: 2, fingerprint: "AB",
            tlsVersion: "TLSv1.3", cipher: nil, cipherBits: nil)
        let net = GeoProbe.Network(ip: "203.0.113.7", ipv6: "2001:db8::7", asn: 64500, organization: "Example Net", network: "203.0.113.0/24")
        let tags = DiscoveryTags.tags(.init(relay: relay, ssl: ssl, net: net, geo: place, dns: dns, http: http))
        #expect(
            Array(tags.dropFirst(2).prefix(24)) == [
                ["ssl", "!valid"], ["ssl-expires", "1735689600"], ["ssl-issuer", "Example CA"],
                ["net-ip", "203.0.113.7"], ["net-ipv6", "2001:db8::7"], ["net-asn", "64500"], ["l", "64500", "IANA-asn"],
                ["net-asn-org", "Example Net"], ["l", "Example Net", "IANA-asnOrg"],
                ["g", "gcpugxwvx"], ["geo-country", "GB"], ["l", "GB", "ISO-3166-1"], ["geo-city", "Willesden"], ["l", "Willesden", "nip66.label.city"],
                ["geo-lat", "51.5333"], ["geo-lon", "-0.2333"], ["geo-tz", "Europe/London"], ["l", "Europe/London", "IANA-tz"],
                ["dns-ip", "203.0.113.7"], ["dns-ip6", "2001:db8::7"], ["dns-cname", "edge.example.net"], ["dns-ttl", "300"],
                ["http-server", "strfry"], ["http-powered-by", "nostr"],
            ])
    }
}
