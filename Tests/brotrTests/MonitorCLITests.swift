import Archive
import BrotrTestSupport
import Foundation
import Glibc
import Nostr
import Testing

/// `brotr run monitor --once` as a user runs it: the key from a file or the environment,
/// publishing to a relay, and a kill -9 in the middle of a cycle.
struct MonitorCLITests {
    /// A config that checks loopback relays with generous waits, publishing to `publish`.
    static func config(_ data: URL, publish: [RelayURL] = [], keyFile: String = "", chunk: Int = 200) throws {
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try """
        network:
          allow_loopback: true
        monitor:
          key_file: "\(keyFile)"
          chunk_size: \(chunk)
          connect_timeout: 30s
          publish_relays: [\(publish.map { "\"\($0.url)\"" }.joined(separator: ", "))]
        """.write(to: data.appendingPathComponent("brotr.yaml"), atomically: true, encoding: .utf8)
    }

    @Test func aKeyFileChecksAndPublishes() async throws {
        let tmp = try TempDirectory("cli-monitor")
        defer { tmp.remove() }
        let data = tmp.url.appendingPathComponent("data")
        let (relay, publish) = (try await TestRelay(), try await TestRelay())
        defer { Task { await relay.stop(); await publish.stop() } }
        let key = SecretKey.generate()
        let keyFile = tmp.url.appendingPathComponent("monitor.key")
        try "\(key.nsec)\n".write(to: keyFile, atomically: true, encoding: .utf8)
        try Self.config(data, publish: [publish.url], keyFile: keyFile.path)
        #expect(try await BrotrCLI.run(["relays", "add", "--data", data.path, "--allow-loopback", relay.url.url]).status == 0)

        let run = try await BrotrCLI.run(["run", "monitor", "--once", "--data", data.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("relays due 1, checked 1: up 1, down 0; metadata documents new 7, snapshots 7; events published 4, not published 0"), "\(run.stdout)")
        #expect(run.stdout.contains("check\tnip11\tpassed 0\tfailed 1"))  // the test relay serves no document by default
        #expect(run.stdout.contains("check\trtt\tpassed 1\tfailed 0"))
        // Signed by the key in the file, and the key never shows in the logs.
        let archive = try Archive.open(DataDirectory(path: data.path), mode: .readOnly)
        let published = try archive.events(matching: try Filter(kinds: [0, 10002, 10166, 30166]))
        #expect(published.count == 4 && published.allSatisfy { $0.pubkey == key.publicKey })
        #expect(!run.stderr.contains(key.nsec) && !run.stderr.contains(key.hex))
    }

    @Test func aBadKeySaysWhereItLookedAndNeverWhatItRead() async throws {
        let tmp = try TempDirectory("cli-monitor-key")
        defer { tmp.remove() }
        let data = tmp.url.appendingPathComponent("data")
        try Self.config(data)
        let secret = "nsec1notakeyatallbutsomethingsecretlooking"
        let env = try await BrotrCLI.run(["run", "monitor", "--once", "--data", data.path], environment: ["BROTR_MONITOR_KEY": secret])
        #expect(env.status == 1)
        #expect(env.stderr.contains("the environment variable BROTR_MONITOR_KEY holds no secret key"), "\(env.stderr)")
        #expect(!env.stderr.contains(secret))

        try Self.config(data, keyFile: tmp.url.appendingPathComponent("missing.key").path)
        let missing = try await BrotrCLI.run(["run", "monitor", "--once", "--data", data.path])
        #expect(missing.status == 1 && missing.stderr.contains("monitor.key_file: cannot read the monitor key file"), "\(missing.stderr)")
    }

    /// Killed mid-cycle, the archive checks clean, and the next cycle completes: the relays
    /// whose chunk was recorded are not due again, the others are checked.
    @Test func killedMidCycleTheArchiveChecksAndTheNextCycleCompletes() async throws {
        let tmp = try TempDirectory("cli-monitor-kill")
        defer { tmp.remove() }
        let data = tmp.url.appendingPathComponent("data")
        // Slower and slower relays: their checks end one after another, seconds apart.
        var started: [TestRelay] = []
        for i in 0..<12 {
            var slow = TestRelayBehavior()
            slow.answerDelayMilliseconds = 300 * (i + 1)
            started.append(try await TestRelay(behavior: slow))
        }
        let relays = started
        defer { Task { for relay in relays { await relay.stop() } } }
        try Self.config(data, chunk: 2)
        #expect(try await BrotrCLI.run(["relays", "add", "--data", data.path, "--allow-loopback"] + relays.map(\.url.url)).status == 0)

        let child = try BrotrCLI.start(["run", "monitor", "--once", "--data", data.path], stderrFile: tmp.url.appendingPathComponent("run.log"))
        // Kill once the first chunk is recorded (bounded: 120 s).
        var recorded = 0
        for _ in 0..<1200 where child.process.isRunning && recorded == 0 {
            try await Task.sleep(for: .milliseconds(100))
            recorded = (try? Archive.open(DataDirectory(path: data.path), mode: .readOnly).metadataSnapshotCount()) ?? 0
        }
        let killedWhileRunning = child.process.isRunning
        child.kill()
        _ = child.finish()
        #expect(recorded > 0 && recorded < relays.count * 6, "\(child.stderr.suffix(2000))")
        #expect(killedWhileRunning)

        let check = try await BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let next = try await BrotrCLI.run(["run", "monitor", "--once", "--data", data.path])
        #expect(next.status == 0, "\(next.stderr)")
        let archive = try Archive.open(DataDirectory(path: data.path), mode: .readOnly)
        let states = try archive.relayStates()
        #expect(relays.allSatisfy { states[$0.url.url]?.checkedAt != nil && states[$0.url.url]?.checkFailures == 0 })
        // Every relay has its seven snapshots from exactly one of the two runs.
        #expect(try archive.metadataSnapshotCount() == relays.count * 7)
    }
}
