import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// `brotr run synchronizer --once` as a user runs it, against a relay on 127.0.0.1.
@Suite(.serialized)
struct SyncCLITests {
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
        let workspace = try await SyncWorkspace(
            in: tmp,
            config: """
                synchronizer:
                  end_lag: 0s
                  page_size: 200
                  batch_size: 100
                  read_timeout: 10m
                """, relay: relay)
        let (data, directory, command) = (workspace.data, workspace.directory, workspace.command)

        let child = try BrotrCLI.start(command, stderrFile: tmp.file("first.log"))
        // Acknowledged means committed: what a reader sees before the kill must survive it.
        let seen = try await workspace.kill(child, onceArchived: 1000)
        let midCycle = seen != nil
        let acknowledged = seen ?? []
        #expect(midCycle, "the cycle ended before the kill: \(child.stderr.suffix(1000))")
        #expect(child.process.terminationReason == .uncaughtSignal)
        #expect(acknowledged.count >= 1000)

        // The index as the killed process left it: nothing acknowledged lost, and the
        // cursor never ahead of what is archived.
        do {
            let archive = try Archive.open(directory, mode: .readOnly)
            let archived = try SyncWorkspace.ids(archive)
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
        #expect(try SyncWorkspace.ids(archive) == Set(events.map(\.id)))
        #expect(try archive.stats().observations == events.count)
        let check = try await offThePool { try BrotrCLI.run(["check", "--data", data.path]) }
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    }
}
