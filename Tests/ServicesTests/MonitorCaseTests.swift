import Archive
import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Probes
import Testing
import Transport

@testable import Services

/// Each way a relay answers a monitor, against the test relay on 127.0.0.1: the stored
/// metadata documents and the published kind 30166 hold exactly the expected values and
/// tags (round-trip times, which vary, are checked for presence).
struct MonitorCaseTests {
    enum Case: String, CaseIterable, Sendable {
        case plain, slow, demandsAuth, refusesAuthAnswer, writesNeedAuth, writesNeedPow, writesRestricted, minimumPow
        case ignoresNegentropy, hugeDocument, illTypedDocument, documentNotJSON, documentOfWrongType, serverHeaders
        case expiredCertificate
    }

    /// 2024-01-01 to 2025-01-01: long expired.
    static let expired = (notBefore: Date(timeIntervalSince1970: 1_704_067_200), notAfter: Date(timeIntervalSince1970: 1_735_689_600))

    static let name = #""name":"brotr testbed""#
    static let plainDocument = #"{"name":"brotr testbed","software":"https://example.com/relay","supported_nips":[1,11,42,77]}"#

    func behavior(_ c: Case) -> TestRelayBehavior {
        var b = TestRelayBehavior()
        b.information = ("application/nostr+json", Array(Self.plainDocument.utf8))
        switch c {
        case .plain: break
        case .slow: b.answerDelayMilliseconds = 400
        case .demandsAuth: b.requireAuth = true
        case .refusesAuthAnswer: (b.requireAuth, b.refuseAuth) = (true, true)
        case .writesNeedAuth: b.rejectWrites = "auth-required: sign in first"
        case .writesNeedPow: b.rejectWrites = "pow: difficulty 30 required"
        case .writesRestricted: b.rejectWrites = "restricted: members only"
        case .minimumPow:
            b.minPow = 8
            b.information = ("application/nostr+json", Array(#"{"limitation":{"min_pow_difficulty":8},"name":"brotr testbed"}"#.utf8))
        case .ignoresNegentropy: b.ignoreNegentropy = true
        case .hugeDocument: b.information = ("application/nostr+json", Array(#"{"description":"\#(String(repeating: "x", count: 70_000))"}"#.utf8))
        case .illTypedDocument: b.information = ("application/nostr+json", Array(#"{"name":5,"description":"fine","supported_nips":"all"}"#.utf8))
        case .documentNotJSON: b.information = ("application/nostr+json", Array("hello".utf8))
        case .documentOfWrongType: b.information = ("text/html", Array(Self.plainDocument.utf8))
        case .serverHeaders: b.upgradeHeaders = [("Server", "strfry/1.0.4"), ("X-Powered-By", "brotr testbed")]
        case .expiredCertificate: break
        }
        return b
    }

    /// The documents expected, by type; a value ending in "…" is a prefix.
    func documents(_ c: Case) -> [String: String] {
        let ok = #""logs":{"success":true}"#
        let authRefused = "auth-required: this relay wants NIP-42"
        var d: [String: String] = [
            "nip11_info": #"{"data":\#(Self.plainDocument),\#(ok)}"#,
            "nip66_rtt": #"{"logs":{"open_success":true,"read_success":true,"write_success":true}}"#,
            "nip42_auth": #"{"data":{"challenged":false},\#(ok)}"#,
            "nip77_negentropy": #"{"data":{"answer":"refused","message":"unsupported: NEG-OPEN"},\#(ok)}"#,
            // No headers: an empty record; the phases' times are values, the document is the outcome.
            "nip66_http": #"{\#(ok)}"#,
            "connection_phases": #"{\#(ok)}"#,
            // Every case has the relay up (the report says succeeded 1).
            "monitor_check": #"{"answered":true}"#,
        ]
        func writeRefused(_ reason: String) -> String {
            #"{"logs":{"open_success":true,"read_success":true,"write_reason":"\#(reason)","write_success":false}}"#
        }
        switch c {
        case .plain, .slow: break
        case .expiredCertificate:
            // The suite and the fingerprint (the run's own key's) vary; the tags hold the rest.
            d["nip66_ssl"] = #"{"data":{"ssl_cipher":"TLS_…"#
        case .serverHeaders: d["nip66_http"] = #"{"data":{"http_powered_by":"brotr testbed","http_server":"strfry/1.0.4"},\#(ok)}"#
        case .demandsAuth, .refusesAuthAnswer:
            d["nip66_rtt"] = #"{"logs":{"open_success":true,"read_reason":"\#(authRefused)","read_success":false,"write_reason":"\#(authRefused)","write_success":false}}"#
            d["nip42_auth"] = c == .demandsAuth
                ? #"{"data":{"accepted":true,"challenged":true},\#(ok)}"#
                : #"{"data":{"accepted":false,"challenged":true,"message":"restricted: not on the list"},\#(ok)}"#
        case .writesNeedAuth: d["nip66_rtt"] = writeRefused("auth-required: sign in first")
        case .writesNeedPow: d["nip66_rtt"] = writeRefused("pow: difficulty 30 required")
        case .writesRestricted: d["nip66_rtt"] = writeRefused("restricted: members only")
        case .minimumPow: d["nip11_info"] = #"{"data":{"limitation":{"min_pow_difficulty":8},"name":"brotr testbed"},\#(ok)}"#
        case .ignoresNegentropy: d["nip77_negentropy"] = #"{"data":{"answer":"silent"},\#(ok)}"#
        case .hugeDocument: d["nip11_info"] = #"{"logs":{"reason":"Response body too large: >65536 bytes","success":false}}"#
        case .illTypedDocument: d["nip11_info"] = #"{"data":{"description":"fine"},\#(ok)}"#
        case .documentNotJSON: d["nip11_info"] = #"{"logs":{"reason":"not a NIP-11 document: …"#
        case .documentOfWrongType: d["nip11_info"] = #"{"logs":{"reason":"Invalid Content-Type: text/html","success":false}}"#
        }
        return d
    }

    /// The 30166 tags expected after `d` and `n`, round-trip values as "ms".
    func tags(_ c: Case) -> [[String]] {
        let nips = [["N", "1"], ["N", "11"], ["N", "42"], ["N", "77"]]
        func r(auth: Bool = false, writes: Bool = false, pow: Bool = false) -> [[String]] {
            [["R", auth ? "auth" : "!auth"], ["R", "!payment"], ["R", writes ? "writes" : "!writes"], ["R", pow ? "pow" : "!pow"]]
        }
        let rtt = [["rtt-open", "ms"], ["rtt-read", "ms"], ["rtt-write", "ms"]]
        let refusedWrite = [["rtt-open", "ms"], ["rtt-read", "ms"]]
        switch c {
        case .plain, .slow, .ignoresNegentropy: return rtt + nips + r() + [["T", "PublicInbox"], ["k", "22456"]]
        case .expiredCertificate:
            return rtt + [["ssl", "!valid"], ["ssl-expires", "1735689600"], ["ssl-issuer", "brotr tests"]] + nips + r() + [["T", "PublicInbox"], ["k", "22456"]]
        case .serverHeaders:
            return rtt + [["http-server", "strfry/1.0.4"], ["http-powered-by", "brotr testbed"]] + nips + r() + [["T", "PublicInbox"], ["k", "22456"]]
        case .demandsAuth, .refusesAuthAnswer: return [["rtt-open", "ms"]] + nips + r(auth: true) + [["T", "PrivateStorage"], ["k", "!22456"]]
        case .writesNeedAuth: return refusedWrite + nips + r(auth: true) + [["T", "PublicOutbox"], ["k", "!22456"]]
        case .writesNeedPow: return refusedWrite + nips + r(pow: true) + [["T", "PublicInbox"], ["k", "!22456"]]
        case .writesRestricted: return refusedWrite + nips + r(writes: true) + [["T", "PublicOutbox"], ["k", "!22456"]]
        case .minimumPow: return rtt + r(pow: true) + [["T", "PublicInbox"], ["k", "22456"]]
        case .hugeDocument, .illTypedDocument, .documentNotJSON, .documentOfWrongType: return rtt + r() + [["T", "PublicInbox"], ["k", "22456"]]
        }
    }

    @Test(arguments: Case.allCases)
    func storedMetadataAndPublishedTagsAreExactlyWhatTheRelayDid(_ c: Case) async throws {
        let tls = c == .expiredCertificate
        let certificate = tls ? try TestCertificate(notBefore: Self.expired.notBefore, notAfter: Self.expired.notAfter) : nil
        let relay = try await TestRelay(behavior: behavior(c), tls: tls, certificate: certificate)
        let publish = try await TestRelay()
        defer { Task { await relay.stop(); await publish.stop() } }
        let space = SynchronizerTests.Workspace()
        let archive = try Archive.open(space.directory)
        // A relay whose certificate does not verify is reached without checks, as the Validator found.
        _ = try await archive.writer?.addRelays([relay.url], discoveredAt: 1, relayUpdates: tls ? [.insecure(relay: relay.url.url, true)] : [])
        var settings = MonitorTests.settings(publishTo: [publish.url])
        // Silence is the answer here: waited out, not retried.
        if c == .ignoresNegentropy { settings.checks[.nip77] = CheckPolicy(timeout: .seconds(3), retry: RetryPolicy(attempts: 1)) }
        let monitor = Monitor(archive: archive, settings: settings, network: MonitorTests.network, key: MonitorTests.key, logger: Logger(label: "test"))
        let report = try await monitor.runCycle()
        #expect(report.succeeded == 1)

        let stored = Dictionary(try archive.metadataSnapshots(relay: relay.url.url).map { ($0.type, $0.json) }) { a, _ in a }
        let expected = documents(c)
        #expect(stored.keys.sorted() == expected.keys.sorted())
        for (type, document) in expected {
            if document.hasSuffix("…") {
                #expect(stored[type]?.hasPrefix(String(document.dropLast())) == true, "\(type): \(stored[type] ?? "none")")
            } else {
                #expect(stored[type] == document, "\(type)")
            }
        }
        #expect(try archive.relayStates()[relay.url.url]?.nip77 == false)

        let published = try await MonitorTests.events(at: publish.url, kinds: [30166])
        let event = try #require(published.first { $0.tags.first == ["d", relay.url.url] })
        #expect(MonitorTests.stableTags(event) == [["d", relay.url.url], ["n", "loopback"]] + tags(c))
        let nip11 = try #require(try archive.metadataSnapshots(relay: relay.url.url).first { $0.type == "nip11_info" })
        #expect(event.content == (nip11.json.contains(#""success":true"#) ? nip11.json : ""))
        // Loopback by address: no lookup; TCP, TLS for wss, and the upgrade timed.
        let phases = try #require(try archive.metadataSnapshots(relay: relay.url.url).first { $0.type == "connection_phases" })
        #expect(phases.values?.contains("\"tcp_ms\":") == true && phases.values?.contains("\"upgrade_ms\":") == true)
        #expect(phases.values?.contains("dns_ms") == false && phases.values?.contains("tls_ms") == tls, "\(phases.values ?? "")")
        if c == .slow {
            let read = event.tags.first { $0.first == "rtt-read" }.flatMap { Int($0[1]) }
            #expect((read ?? 0) >= 400, "rtt-read \(read ?? -1) ms")
        }
    }
}
