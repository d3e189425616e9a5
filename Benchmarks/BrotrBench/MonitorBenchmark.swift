import BrotrTestSupport
import Foundation
import Glibc
import Nostr

/// `brotr run monitor --once` with every check on and publishing, against a loopback
/// testbed: `live` test relays serving a NIP-11 document, slow relays (every answer
/// `slowMilliseconds` late), and dead ones (ports where nothing listens), each group in an
/// archive of its own and then all together. Prints relays checked per minute, brotr's
/// CPU seconds and peak RSS (its own: brotr runs as a child process, the relays in this
/// one).
struct MonitorBenchmark {
    let live: Int
    let slow = 10
    let dead = 20
    let slowMilliseconds = 2000

    func run() async throws {
        let root = NSTemporaryDirectory() + "brotr-monitor-bench-\(getpid())"
        try? FileManager.default.removeItem(atPath: root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("brotr")

        let document = #"{"name":"brotr bench","supported_nips":[1,11,42,77],"limitation":{"max_message_length":65536}}"#
        var behavior = TestRelayBehavior()
        behavior.information = ("application/nostr+json", Array(document.utf8))
        let note = try Event.sign(kind: 1, content: "hello", createdAt: 1_700_000_000, with: SecretKey.generate())
        var liveRelays: [TestRelay] = []
        for _ in 0..<live { liveRelays.append(try await TestRelay(events: [note], behavior: behavior)) }
        var slowBehavior = behavior
        slowBehavior.answerDelayMilliseconds = slowMilliseconds
        var slowRelays: [TestRelay] = []
        for _ in 0..<slow { slowRelays.append(try await TestRelay(events: [note], behavior: slowBehavior)) }
        let publish = try await TestRelay()
        // Port 1 (tcpmux) is privileged and unused: refused at once. The paths tell them apart.
        let deadURLs = (0..<dead).map { "ws://127.0.0.1:1/dead\($0)" }
        let keyFile = root + "/monitor.key"
        try SecretKey.generate().hex.write(toFile: keyFile, atomically: true, encoding: .utf8)
        // GeoIP files (GeoLite2 City from PyPI, an ASN file written for the tests) and a DNS
        // server on 127.0.0.1 (dnslib), which answers for localhost: a tenth of the live relays
        // are reached by that name, so that the dns check runs too.
        let geoip = try await GeoIPFixtures(directory: URL(fileURLWithPath: root))
        let dns = try await TestDNSServer()
        defer { dns.stop() }
        let liveURLs = liveRelays.enumerated().map { $0.offset % 10 == 0 ? "ws://localhost:\($0.element.port)" : $0.element.url.url }
        print("monitor benchmark: \(live) live relays (NIP-11 served, \(live / 10) by name), \(slow) slow (every answer \(slowMilliseconds) ms late), \(dead) dead; every check on but ssl (no wss relay), publishing to one relay")

        let groups: [(name: String, urls: [String])] = [
            ("live", liveURLs), ("slow", slowRelays.map(\.url.url)), ("dead", deadURLs), ("all", liveURLs + slowRelays.map(\.url.url) + deadURLs),
        ]
        for group in groups {
            let data = root + "/\(group.name)"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            try """
            network:
              allow_loopback: true
            monitor:
              key_file: \(keyFile)
              publish_relays: ["\(publish.url.url)"]
              geoip_city: \(geoip.cityPath)
              geoip_asn: \(geoip.asnPath)
              dns_server: 127.0.0.1:\(dns.port)
            """.write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
            try ServeBenchmark.runToEnd(binary, ["relays", "add", "--data", data, "--allow-loopback"] + group.urls)
            let clock = ContinuousClock()
            let start = clock.now
            let run = try await offThePool { try ChildRun(binary, ["run", "monitor", "--once", "--data", data], stdout: data + "/run.out") }
            let seconds = ServeBenchmark.seconds(clock.now - start)
            let output = (try? String(contentsOfFile: data + "/run.out", encoding: .utf8))?.split(separator: "\n") ?? []
            guard run.status == 0 else { throw BenchError("brotr run monitor --once failed (\(run.status)) for \(group.name)") }
            print(
                String(
                    format: "%@: %d relays in %.2f s = %.0f relays/min; CPU %.2f s; peak RSS %d MiB", group.name, group.urls.count, seconds,
                    Double(group.urls.count) / seconds * 60, run.cpu, run.maxRSSKiB >> 10))
            for line in output { print("  \(line.replacingOccurrences(of: "\t", with: " "))") }
        }
        for relay in liveRelays + slowRelays + [publish] { await relay.stop() }
    }
}
