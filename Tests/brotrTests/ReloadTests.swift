import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// SIGHUP to `brotr serve`, through the real binary: a changed config takes effect without
/// a restart; a broken one is refused with its error and the old one stays in force.
@Suite(.serialized)
struct ReloadTests {
    /// With `monitorKey`, the monitor runs too, with that key file.
    static func config(port: Int, synchronizer: Bool, monitorKey: String? = nil) -> String {
        let monitor = monitorKey.map { "monitor:\n  key_file: \($0)\n" } ?? ""
        return TestbedConfig.yaml(httpPort: port, running: monitorKey == nil ? ["refresher", "synchronizer"] : ["refresher", "synchronizer", "monitor"])
            + monitor + """
            runtime:
              shutdown_grace: 5s
            refresher:
              interval: 1h
            synchronizer:
              enabled: \(synchronizer)
              interval: 1s
              end_lag: 0s

            """
    }

    static func archived(_ data: String) -> Int {
        (try? Archive.open(DataDirectory(path: data), mode: .readOnly).stats().events) ?? -1
    }

    @Test func sighupAppliesAChangedConfigAndRefusesABrokenOne() async throws {
        var generator = CorpusGenerator(seed: 515, authors: 10, start: 1_700_000_000)
        let events = (0..<300).map { _ in generator.next() }
        let relay = try await TestRelay(events: events)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("reload")
        defer { tmp.remove() }
        let data = tmp.file("data").path
        let file = data + "/brotr.yaml"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let port = try ServeCLITests.freePort()
        try Self.config(port: port, synchronizer: false).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await BrotrCLI.run(["relays", "add", "--data", data, "--allow-loopback", relay.url.url]).status == 0)
        let serve = try BrotrCLI.start(["serve", "--data", data], stderrFile: tmp.file("serve.log"))
        defer { serve.kill() }

        var up = false
        for _ in 0..<120 where serve.process.isRunning && !up {
            try await Task.sleep(for: .milliseconds(500))
            up = (try? await ServeCLITests.get("http://127.0.0.1:\(port)/health"))?.status == 200
        }
        #expect(up, "\(serve.stderr.suffix(2000))")
        try await Task.sleep(for: .seconds(2))
        #expect(Self.archived(data) == 0, "the synchronizer is off")

        // The synchronizer turned on: it runs in the same process.
        try Self.config(port: port, synchronizer: true).write(toFile: file, atomically: true, encoding: .utf8)
        let pid = serve.pid
        serve.send(SIGHUP)
        var synced = false
        for _ in 0..<120 where serve.process.isRunning && !synced {
            try await Task.sleep(for: .milliseconds(500))
            synced = Self.archived(data) == 300
        }
        #expect(synced && serve.process.isRunning && serve.pid == pid, "\(serve.stderr.suffix(2000))")
        #expect(serve.stderr.contains("configuration reloaded"))
        let health = try await ServeCLITests.get("http://127.0.0.1:\(port)/health")
        #expect(health.status == 200 && health.body.contains("\"synchronizer\""), "\(health)")

        // Valid YAML that cannot run (the monitor's key file is not there): refused with the
        // reason, and the settings in force start again.
        try Self.config(port: port, synchronizer: true, monitorKey: tmp.file("no-such-key").path).write(toFile: file, atomically: true, encoding: .utf8)
        serve.send(SIGHUP)
        var unrunnable = false
        for _ in 0..<60 where serve.process.isRunning && !unrunnable {
            try await Task.sleep(for: .milliseconds(500))
            unrunnable = serve.stderr.contains("configuration not reloaded")
        }
        #expect(unrunnable && serve.stderr.contains("no-such-key") && serve.process.isRunning, "\(serve.stderr.suffix(2000))")

        // A broken file: refused with what is wrong, and the running settings stay.
        try (Self.config(port: port, synchronizer: true) + "synchronizer_typo: 1\n").write(toFile: file, atomically: true, encoding: .utf8)
        serve.send(SIGHUP)
        var refused = false
        for _ in 0..<60 where serve.process.isRunning && !refused {
            try await Task.sleep(for: .milliseconds(500))
            refused = serve.stderr.contains("synchronizer_typo")
        }
        #expect(refused && serve.stderr.components(separatedBy: "configuration not reloaded").count == 3, "\(serve.stderr.suffix(2000))")
        // New events (the cursor is at the present): the synchronizer still runs.
        let key = SecretKey.generate()
        let now = Int64(Date().timeIntervalSince1970)
        relay.add(try (0..<20).map { try Event.sign(kind: 1, content: "after \($0)", createdAt: now + 1, with: key) })
        var still = false
        for _ in 0..<120 where serve.process.isRunning && !still {
            try await Task.sleep(for: .milliseconds(500))
            still = Self.archived(data) == 320
        }
        #expect(still, "the old settings stopped: \(serve.stderr.suffix(2000))")

        serve.send(SIGTERM)
        #expect(try await offThePool { serve.waitForExit(upTo: 30_000) })
        #expect(serve.finish() == 0, "\(serve.stderr.suffix(2000))")
        #expect(serve.stderr.components(separatedBy: "configuration reloaded").count == 2)
    }
}
