import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// `brotr run synchronizer --once` as a user runs it, against a relay on 127.0.0.1.
@Suite(.serialized)
struct SyncCLITests {
    static func ids(_ archive: Archive) throws -> Set<EventID> {
        var ids = Set<EventID>()
        try archive.forEachEvent { ids.insert($0.id) }
        return ids
    }

    @Test func killedMidCycleLosesNothingAndTheRerunCompletes() async throws {
        // Signing thousands of events is seconds of CPU in a debug build: off the pool.
        let events = try await offThePool { () -> [Event] in
            var generator = CorpusGenerator(seed: 4242)
            return (0..<3000).map { _ in generator.next() }
        }
        // The relay stops sending after 2200 events on the first connection, so the kill
        // lands in the middle of the cycle however fast the machine is.
        var behavior = TestRelayBehavior()
        behavior.stallAfter = 2200
        behavior.misbehavingConnections = 1
        let relay = try await TestRelay(events: events, behavior: behavior)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("cli-sync-kill")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data(
            """
            synchronizer:
              end_lag: 0s
              page_size: 200
              batch_size: 100
              read_timeout: 10m
            """.utf8
        ).write(to: data.appendingPathComponent("brotr.yaml"))
        let add = try await offThePool { try BrotrCLI.run(["relays", "add", "--data", data.path, "--allow-loopback", relay.url.url]) }
        #expect(add.status == 0, "\(add.stderr)")
        let directory = DataDirectory(path: data.path)
        let command = ["run", "synchronizer", "--once", "--data", data.path, "--allow-loopback"]

        let child = try BrotrCLI.start(command, stderrFile: root.appendingPathComponent("first.log"))
        // Acknowledged means committed: what a reader sees before the kill must survive it.
        // The wait is async: the relay runs in this process and needs the threads.
        var acknowledged = Set<EventID>()
        var midCycle = false
        for _ in 0..<3000 where child.process.isRunning && !midCycle {
            if let archive = try? Archive.open(directory, mode: .readOnly), (try? archive.stats().events) ?? 0 >= 1000 {
                acknowledged = try Self.ids(archive)
                midCycle = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(midCycle && child.process.isRunning, "the cycle ended before the kill: \(child.stderr.suffix(1000))")
        child.kill()
        _ = try await offThePool { child.finish() }
        #expect(child.process.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 1000)

        // The index as the killed process left it: nothing acknowledged lost, and the
        // cursor never ahead of what is archived.
        do {
            let archive = try Archive.open(directory, mode: .readOnly)
            let archived = try Self.ids(archive)
            #expect(acknowledged.isSubset(of: archived))
            let cursor = try #require(try archive.relayStates()[relay.url.url]?.syncThrough)
            #expect(archived == Set(events.filter { $0.createdAt <= cursor }.map(\.id)))
            #expect(archived.count < events.count)
        }

        // The rerun recovers the archive and completes the relay.
        let rerun = try await offThePool { try BrotrCLI.run(command) }
        #expect(rerun.status == 0, "\(rerun.stdout)\n\(rerun.stderr.suffix(2000))")
        #expect(rerun.stdout.contains("relays synced 1, failed 0"))
        let archive = try Archive.open(directory, mode: .readOnly)
        #expect(try Self.ids(archive) == Set(events.map(\.id)))
        #expect(try archive.stats().observations == events.count)
        let check = try await offThePool { try BrotrCLI.run(["check", "--data", data.path]) }
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
