import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// A relay that sends more than it is asked for, faster than the archive writes it, against
/// `brotr run synchronizer --once` as a user runs it.
@Suite(.serialized)
struct SyncFloodTests {
    /// Peak resident memory of a running process so far, in bytes (VmHWM), or nil once it
    /// has exited.
    static func peakRSS(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kib * 1024
    }

    @Test func aFloodingRelayIsHeldBackNotBuffered() async throws {
        // 4000 events of 24-40 KB: 125 MB, and the relay sends every event of a window
        // whatever the REQ's limit.
        let events = try await offThePool { () -> [Event] in
            let key = SecretKey.generate()
            var generator = SplitMix64(seed: 909)
            return try (0..<4000).map { i in
                let size = 24_000 + Int(generator.next() % 16_000)
                let content = String(repeating: "flood \(i % 10) ", count: size / 8)
                return try Event.sign(kind: 1, content: content, createdAt: 1_700_000_000 + Int64(i / 4), with: key)
            }
        }
        let corpusBytes = events.reduce(0) { $0 + $1.jsonBytes.count }
        var behavior = TestRelayBehavior()
        behavior.ignoreLimit = true
        // The first connection stops sending midway (a whole sync sends about 10,000), so
        // that the kill below lands mid-flood however fast the machine is.
        behavior.stallAfter = 6000
        behavior.misbehavingConnections = 1
        let relay = try await TestRelay(events: events, behavior: behavior)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("cli-sync-flood")
        defer { tmp.remove() }
        let workspace = try await SyncWorkspace(
            in: tmp,
            config: """
                synchronizer:
                  end_lag: 0s
                  page_size: 200
                  batch_size: 50
                  read_timeout: 10m
                """, relay: relay)
        let (directory, command) = (workspace.directory, workspace.command)

        // Killed mid-flood: the cursor never passes what is durable.
        let child = try BrotrCLI.start(command, stderrFile: tmp.file("killed.log"))
        let seen = try await workspace.kill(child, onceArchived: 300)
        #expect(seen != nil, "the cycle ended before the kill: \(child.stderr.suffix(1000))")
        do {
            let archive = try Archive.open(directory, mode: .readOnly)
            let archived = try SyncWorkspace.ids(archive)
            if let cursor = try archive.relayStates()[relay.url.url]?.syncThrough {
                #expect(Set(events.filter { $0.createdAt <= cursor }.map(\.id)).isSubset(of: archived))
            }
            #expect(archived.count < events.count)
        }

        // The rest of the flood: everything archived once, in bounded memory.
        let sentBefore = relay.eventsSent
        let rest = try BrotrCLI.start(command, stderrFile: tmp.file("flood.log"))
        var peak = 0
        for _ in 0..<12_000 where rest.process.isRunning {
            peak = max(peak, Self.peakRSS(rest.pid) ?? 0)
            try await Task.sleep(for: .milliseconds(25))
        }
        let status = try await offThePool { rest.finish() }
        #expect(status == 0, "\(rest.stderr.suffix(2000))")
        let sentBytes = (relay.eventsSent - sentBefore) * corpusBytes / events.count
        print("flood: the relay sent \(sentBytes >> 20) MiB of events (the corpus is \(corpusBytes >> 20) MiB); brotr's peak RSS \(peak >> 20) MiB")
        #expect(sentBytes > corpusBytes, "the relay did not flood")
        // Pages are cut at 8 MiB and one batch is in flight: brotr holds a few pages'
        // worth, however much the relay sends.
        #expect(peak > 0 && peak < sentBytes / 2)
        let archive = try Archive.open(directory, mode: .readOnly)
        #expect(try SyncWorkspace.ids(archive) == Set(events.map(\.id)))
        let cursor = try archive.relayStates()[relay.url.url]?.syncThrough
        #expect(cursor != nil && cursor! >= events.map(\.createdAt).max()!)
    }
}
