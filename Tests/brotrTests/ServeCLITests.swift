import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Services
import Testing

@testable import brotr

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `brotr serve` as a user runs it, on a testbed of relays on 127.0.0.1.
@Suite(.serialized)
struct ServeCLITests {
    /// A TCP socket bound to an ephemeral port on 127.0.0.1 (listening when asked), and
    /// the port. The caller closes it.
    static func boundSocket(listening: Bool = false) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, !listening || listen(fd, 1) == 0 else {
            close(fd)
            throw CLIFixtureError("cannot bind a port")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    static func freePort() throws -> Int {
        let (fd, port) = try boundSocket()
        close(fd)
        return port
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    static func notes(_ count: Int, at start: Int64, key: SecretKey) throws -> [Event] {
        try (0..<count).map { try Event.sign(kind: 1, content: "note \($0)", createdAt: start + Int64($0 / 3), with: key) }
    }

    @Test func serveDiscoversValidatesAndArchivesATestbedThenStopsOnSIGTERM() async throws {
        let key = SecretKey.generate()
        let (eventsB, eventsC) = try await offThePool { (try Self.notes(200, at: 1_700_000_000, key: key), try Self.notes(150, at: 1_700_100_000, key: key)) }
        let relayB = try await TestRelay(events: eventsB)
        let relayC = try await TestRelay(events: eventsC)
        defer { Task { await relayB.stop(); await relayC.stop() } }
        // Relay A, a third-party relay, is the only one named in the seed file; its events
        // lead to B (a relay list) and to C (a contact list's relay map).
        var eventsA = try await offThePool { try Self.notes(300, at: 1_700_200_000, key: key) }
        eventsA.append(try Event.sign(kind: 10002, tags: [["r", relayB.url.url]], content: "", createdAt: 1_700_300_000, with: key))
        eventsA.append(try Event.sign(kind: 3, tags: [], content: "{\"\(relayC.url.url)\":{\"read\":true,\"write\":true}}", createdAt: 1_700_300_001, with: key))
        let relayA = try await ThirdPartyRelay.start(.nostrSDK, events: eventsA)
        defer { relayA.stop() }

        let tmp = try TempDirectory("cli-serve")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let seeds = root.appendingPathComponent("seeds.txt")
        try Data("# testbed\n\(relayA.url.url)\nnot a relay\nhttp://example.com\n\n".utf8).write(to: seeds)
        let port = try Self.freePort()
        try Data(
            """
            network:
              allow_loopback: true
            http:
              listen: 127.0.0.1:\(port)
            runtime:
              shutdown_grace: 5s
            seeder:
              builtin: false
              file: \(seeds.path)
              interval: 1s
            finder:
              interval: 1s
            validator:
              interval: 1s
              cooldown: 1s
              connect_timeout: 20s
              read_timeout: 20s
            synchronizer:
              interval: 1s
              end_lag: 0s
              connect_timeout: 20s
            monitor:
              interval: 1s
              connect_timeout: 20s
            """.utf8
        ).write(to: data.appendingPathComponent("brotr.yaml"))

        let serve = try BrotrCLI.start(["serve", "--data", data.path], stderrFile: root.appendingPathComponent("serve.log"))
        defer { serve.kill() }
        let all = Set((eventsA + eventsB + eventsC).map(\.id))
        let relays = Set([relayA.url.url, relayB.url.url, relayC.url.url])
        var done = false
        // Bounded: up to 300 s on a loaded machine.
        for _ in 0..<600 where serve.process.isRunning && !done {
            try await Task.sleep(for: .milliseconds(500))
            guard let archive = try? Archive.open(DataDirectory(path: data.path), mode: .readOnly),
                let known = try? Set(archive.relays().map(\.url)), known == relays,
                let stats = try? archive.stats(), stats.events == all.count,
                let states = try? archive.relayStates(), relays.allSatisfy({ states[$0]?.checkedAt != nil })
            else { continue }
            done = true
        }
        #expect(done, "the testbed was not archived: \(serve.stderr.suffix(3000))")
        #expect(serve.process.isRunning)

        let archive = try Archive.open(DataDirectory(path: data.path), mode: .readOnly)
        var archived = Set<EventID>()
        try archive.forEachEvent { archived.insert($0.id) }
        #expect(archived == all)
        #expect(try archive.stats().observations == all.count)
        #expect(try CandidateStore(archive: archive).all().isEmpty)
        #expect(serve.stderr.contains("seed line skipped") && serve.stderr.contains("line=3") && serve.stderr.contains("line=4"))

        let health = try await Self.get("http://127.0.0.1:\(port)/health")
        #expect(health.status == 200)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect(object["archive_writable"] as? Bool == true)
        let stages = try #require(object["stages"] as? [String: [String: Any]])
        #expect(Set(stages.keys) == ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher", "api", "dvm"])
        for (name, stage) in stages {
            #expect(stage["consecutive_failures"] as? Int == 0, "\(name)")
            #expect(stage["last_success"] is Int, "\(name)")
        }

        let metrics = try await Self.get("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.status == 200)
        let lines = metrics.body.split(separator: "\n").map(String.init)
        #expect(lines.contains("service_counter_total{service=\"validator\",name=\"promoted\"} 3"))
        #expect(lines.contains("service_gauge{service=\"archive\",name=\"events\"} \(all.count)"))
        #expect(lines.contains("service_gauge{service=\"archive\",name=\"relays\"} 3"))
        #expect(lines.contains { $0.hasPrefix("cycle_duration_seconds_count{service=\"synchronizer\"}") })
        #expect(lines.contains { $0.hasPrefix("service_info{") })
        // The monitor's series, as BigBrotr's dashboard queries them.
        for name in ["total", "succeeded", "failed"] {
            #expect(lines.contains { $0.hasPrefix("service_gauge{service=\"monitor\",name=\"\(name)\"}") }, "\(name)")
        }
        #expect(try archive.metadataSnapshotCount() >= 3 * 6)
        // Every series BigBrotr's dashboard and alerts query, for each stage; and brotr's own
        // dashboard's.
        #expect(DashboardSeries.missing(DashboardSeries.bigBrotr, in: metrics.body).isEmpty, "\(DashboardSeries.missing(DashboardSeries.bigBrotr, in: metrics.body))")
        let own = try DashboardSeries.selectors(
            inDashboard: ThirdPartyRelay.repositoryRoot.appendingPathComponent("packaging/monitoring/grafana/brotr.json").path)
        #expect(own.count >= 10)
        #expect(DashboardSeries.missing(own, in: metrics.body).isEmpty, "\(DashboardSeries.missing(own, in: metrics.body))")

        // SIGTERM: a clean exit (0) within the grace period, with margin for a loaded machine.
        serve.send(SIGTERM)
        let exited = try await offThePool { serve.waitForExit(upTo: 30_000) }
        #expect(exited)
        #expect(serve.finish() == 0, "\(serve.stderr.suffix(2000))")
        #expect(serve.stderr.contains("msg=stopped"))
    }
}

extension ServeCLITests {
    @Test func healthIs503WhenTheArchiveCannotWrite() async throws {
        var status = StageBoard.Status()
        status.consecutiveFailures = 2
        status.lastError = "boom"
        let (bad, body) = MonitoringServer.health(failure: "disk full", stages: [.finder: status])
        #expect(bad == 503)
        let object = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(object["archive_writable"] as? Bool == false)
        #expect(object["reason"] as? String == "disk full")
        #expect(((object["stages"] as? [String: Any])?["finder"] as? [String: Any])?["consecutive_failures"] as? Int == 2)
        #expect(MonitoringServer.health(failure: nil, stages: [:]).code == 200)
    }
}

extension ServeCLITests {
    @Test func aTakenHTTPPortIsAClearError() async throws {
        // Hold a port: a listening socket of this process.
        let (fd, port) = try Self.boundSocket(listening: true)
        defer { close(fd) }

        let tmp = try TempDirectory("cli-serve-port")
        defer { tmp.remove() }
        let root = tmp.url
        // Every stage off: only the HTTP server would run, and nothing touches the network.
        let off = ["seeder", "finder", "validator", "monitor", "synchronizer"].map { "\($0):\n  enabled: false\n" }.joined()
        try (off + "http:\n  listen: 127.0.0.1:\(port)\n").write(to: root.appendingPathComponent("brotr.yaml"), atomically: true, encoding: .utf8)
        let result = try await BrotrCLI.run(["serve", "--data", root.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(port) (http.listen): the address is in use"), "\(result.stderr)")
    }
}
