import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Probes
import Services
import Testing
import Transport

@testable import brotr

/// The DVM end to end: `brotr serve` with the dvm and the api on an archive with analytics,
/// a third-party relay on 127.0.0.1 (nostr-sdk's LocalRelay), and requests signed by
/// nostr-sdk. Answers are read back from the relay.
@Suite(.serialized) struct DVMTests {
    /// Signs request specs with nostr-sdk (tools/testbed/dvm_request.py).
    static func sign(_ specs: [JSONValue], key: SecretKey) async throws -> [Event] {
        let tmp = try TempDirectory("dvm-sign")
        defer { tmp.remove() }
        let input = tmp.url.appendingPathComponent("specs.jsonl")
        try Data(specs.map { $0.jsonText + "\n" }.joined().utf8).write(to: input)
        let script = ThirdPartyRelay.repositoryRoot.appendingPathComponent("tools/testbed/dvm_request.py")
        let shell = "\"\(ThirdPartyRelay.repositoryRoot.path)/.testbed/venv/bin/python\" \"\(script.path)\" \(key.hex) < \"\(input.path)\""
        let child = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", shell], stderrFile: tmp.url.appendingPathComponent("stderr"))
        let status = try await offThePool { child.finish() }
        guard status == 0 else { throw ThirdPartyRelay.SetupError(description: "dvm_request.py exited \(status): \(child.stderr)") }
        return try child.completeLines.map { try Event(json: Array($0.utf8)) }
    }

    static func spec(_ tags: [[String]]) -> JSONValue {
        .object(["tags": .array(tags.map { .array($0.map(JSONValue.string)) })])
    }

    /// The answers (6050 and 7000) on `relay` to the requests `ids`, read until `done`
    /// says they are all there or 60 s pass.
    static func answers(at relay: RelayURL, to ids: [EventID], done: ([Event]) -> Bool) async throws -> [Event] {
        var found: [Event] = []
        for _ in 0..<120 {
            let filter = try Filter(kinds: [6050, 7000], tags: ["e": Set(ids.map(\.hex))], limit: 500)
            // Generous: under a loaded suite the Python relay can take seconds to answer.
            found = try await RelayConnection.withConnection(to: relay, options: ConnectionOptions(connectTimeout: .seconds(20), readTimeout: .seconds(30))) { c in
                try await c.send(.req(try SubscriptionID("answers"), [filter]))
                var events: [Event] = []
                for _ in 0..<1000 {
                    guard case .message(let message, _) = try await c.receive() else { continue }
                    if case .event(_, let event) = message { events.append(event) } else { break }
                }
                return events
            }
            if done(found) { return found }
            try await Task.sleep(for: .milliseconds(500))
        }
        return found
    }

    @Test func requestsGetResultsFeedbackAndOneAnswerEach() async throws {
        let note = try Event.sign(kind: 1, content: "a relay with something on it", createdAt: 1_700_000_000, with: SecretKey.generate())
        let relay = try await ThirdPartyRelay.start(.nostrSDK, events: [note])
        defer { relay.stop() }
        let s = try await TablesAPITests.Served.start(
            "dvm", stagesOn: ["api", "dvm"],
            extraConfig: """
                network:
                  allow_loopback: true
                dvm:
                  interval: 1s
                  relays: ["\(relay.url.url)"]
                  key_file: KEYFILE
                  tables:
                    pubkey_counts:
                      price: 5000
                    relay_uptime:
                      enabled: false

                """, dvmKey: true)
        defer { s.stop() }
        let customer = SecretKey.generate()
        let other = SecretKey.generate()
        let requests = try await Self.sign(
            [
                Self.spec([["param", "table", "kind_counts"], ["param", "filter", "kind=>=:1"], ["param", "sort", "event_count:desc"], ["param", "limit", "3"]]),
                Self.spec([["param", "table", "pubkey_counts"], ["bid", "1000"]]),
                Self.spec([["param", "table", "pubkey_counts"], ["param", "limit", "2"], ["bid", "5000"], ["relays", relay.url.url]]),
                Self.spec([["param", "table", "nosuch"]]),
                Self.spec([["param", "table", "kind_counts"], ["param", "filter", "kind=1; DROP TABLE event"]]),
                Self.spec([["param", "table", "kind_counts"], ["param", "limit", "99999999"]]),
                Self.spec([["param", "table", "relay_uptime"]]),
                Self.spec([["param", "table", "kind_counts"], ["p", other.publicKey.hex]]),
            ], key: customer)
        // Each published twice: a duplicate is answered once.
        let published = await EventPublisher.publish(
            requests + requests, to: [relay.url], timeout: .seconds(10), retry: RetryPolicy(attempts: 2), network: NetworkConfiguration(allowLoopback: true))
        #expect(published.first?.accepted.count == requests.count, "\(published.first?.rejected.map(\.message) ?? [])")
        let expected = requests.prefix(7).map(\.id)
        let answers = try await Self.answers(at: relay.url, to: requests.map(\.id)) { found in
            let seen = Set(found.compactMap { event in event.tags.first { $0.first == "e" }.map { $0[1] } })
            return Set(expected.map(\.hex)).isSubset(of: seen)
        }
        let all = answers
        func answered(_ request: Event) -> [Event] { all.filter { $0.tags.contains(["e", request.id.hex]) } }

        // A valid request: a 6050 whose rows are the REST API's for the same query.
        let result = try #require(answered(requests[0]).first { $0.kind == 6050 })
        #expect(result.tags.contains(["p", customer.publicKey.hex]) && result.tags.contains(["request", requests[0].jsonText]))
        let rows = try JSONValue(parsing: result.content).objectValue
        let api = try await s.get("/v1/kind_counts?kind=%3E%3D:1&sort=event_count:desc&limit=3")
        #expect(rows?["data"] == api.json.objectValue?["data"] && rows?["data"] != nil)
        #expect(rows?["meta"]?.objectValue?["limit"] == JSONValue.number(JSONNumber(3)))
        // Underpaid: payment-required with the price; paid: the result, with the amount.
        let underpaid = try #require(answered(requests[1]).first)
        #expect(underpaid.kind == 7000 && underpaid.tags.contains(["amount", "5000"]))
        #expect(underpaid.tags.first.map { Array($0.prefix(2)) } == ["status", "payment-required"])
        let paid = try #require(answered(requests[2]).first { $0.kind == 6050 })
        #expect(paid.tags.contains(["amount", "5000"]))
        #expect(Self.rowCount(paid) == 2)
        // Malformed, SQL-looking, a table turned off: 7000 error with a safe message.
        for (request, message) in [(requests[3], "Invalid or disabled table: nosuch"), (requests[4], "Invalid filter value for column kind"), (requests[6], "Invalid or disabled table: relay_uptime")] {
            let feedback = try #require(answered(request).first)
            let status: [String] = feedback.tags.first ?? []
            #expect(feedback.kind == 7000 && status.count > 2 && status[0] == "status" && status[1] == "error")
            #expect(status.count > 2 && status[2].hasPrefix(message), "\(feedback.tags)")
        }
        // A huge limit is clamped.
        let clamped = try #require(answered(requests[5]).first { $0.kind == 6050 })
        let clampedMeta = try JSONValue(parsing: clamped.content).objectValue?["meta"]?.objectValue
        #expect(clampedMeta?["limit"] == JSONValue.number(JSONNumber(1000)))
        // Another provider's request is left alone; every other one answered exactly once.
        #expect(answered(requests[7]).isEmpty)
        for request in requests.prefix(7) {
            let final = answered(request).filter { event in event.kind == 6050 || event.tags.first.map { $0.count > 1 && $0[1] != "processing" } == true }
            #expect(final.count == 1, "\(request.tags)")
        }
        // Every answer and the announcement verify and parse with nostr-sdk.
        let announcements = try await RelayConnection.withConnection(to: relay.url) { c in
            try await c.send(.req(try SubscriptionID("nip89"), [try Filter(kinds: [31990])]))
            var events: [Event] = []
            for _ in 0..<10 {
                guard case .message(let message, _) = try await c.receive() else { continue }
                if case .event(_, let event) = message { events.append(event) } else { break }
            }
            return events
        }
        let announcement = try #require(announcements.first)
        #expect(announcement.tags.contains(["k", "5050"]) && announcement.tags.contains(["d", "brotr-dvm"]))
        let tables = try JSONValue(parsing: announcement.content).objectValue?["tables"]
        #expect(tables == .array(AnalyticsTables.names.filter { $0 != "relay_uptime" }.sorted().map(JSONValue.string)))
        let readings = try await NostrSDKCheck.read([announcement] + answers)
        #expect(readings.allSatisfy { $0.verified == true && $0.error == nil })

        let metrics = try await ServeCLITests.get(s.base + "/metrics").body
        #expect(metrics.contains(#"service_gauge{service="dvm",name="tables_exposed"} 13"#), "\(metrics.suffix(3000))")
        #expect(metrics.contains(#"service_counter_total{service="dvm",name="requests_total"}"#))

        // Another process on the same data, after serve stopped: nothing is answered again.
        s.serve.send(SIGTERM)
        #expect(s.serve.waitForExit(upTo: 20_000))
        let once = try await BrotrCLI.run(["run", "dvm", "--once", "--data", s.data.path])
        #expect(once.status == 0 && once.stdout.hasPrefix("requests 0: answered 0, errors 0, payment required 0; ignored 0"), "\(once.stdout) \(once.stderr)")
        let again = try await Self.answers(at: relay.url, to: requests.map(\.id)) { _ in true }
        #expect(again.count == answers.count)
    }

    @Test func theKeyComesFromTheEnvironmentTheKeyFileOrTheMonitor() throws {
        let dvm = SecretKey.generate(), monitor = SecretKey.generate()
        #expect(try MonitorKey.loadDVM(environment: ["BROTR_DVM_KEY": dvm.hex, "BROTR_MONITOR_KEY": monitor.hex], keyFile: "", monitorKeyFile: "") == dvm)
        #expect(try MonitorKey.loadDVM(environment: ["BROTR_MONITOR_KEY": monitor.nsec], keyFile: "", monitorKeyFile: "") == monitor)
        #expect(try MonitorKey.loadDVM(environment: [:], keyFile: "", monitorKeyFile: "") == nil)
        do {
            _ = try MonitorKey.loadDVM(environment: ["BROTR_DVM_KEY": "not a key"], keyFile: "", monitorKeyFile: "")
            Issue.record("a bad key was taken")
        } catch {
            #expect("\(error)".contains("BROTR_DVM_KEY") && !"\(error)".contains("not a key"))
        }
    }

    static func rowCount(_ event: Event) -> Int {
        guard case .array(let rows)? = (try? JSONValue(parsing: event.content))?.objectValue?["data"] else { return -1 }
        return rows.count
    }
}
