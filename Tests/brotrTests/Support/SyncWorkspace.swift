import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// A data directory for `brotr run synchronizer --once` against one test relay: the config
/// written, the relay added, as a user would.
struct SyncWorkspace {
    let data: URL
    var directory: DataDirectory { DataDirectory(path: data.path) }
    var command: [String] { ["run", "synchronizer", "--once", "--data", data.path, "--allow-loopback"] }

    /// Makes `data` under `tmp` with `config` as its brotr.yaml, and adds `relay`.
    init(in tmp: TempDirectory, config: String, relay: TestRelay) async throws {
        data = tmp.file("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data(config.utf8).write(to: data.appendingPathComponent("brotr.yaml"))
        let path = data.path
        let add = try await offThePool { try BrotrCLI.run(["relays", "add", "--data", path, "--allow-loopback", relay.url.url]) }
        #expect(add.status == 0, "\(add.stderr)")
    }

    /// Every event id the archive holds.
    static func ids(_ archive: Archive) throws -> Set<EventID> {
        var ids = Set<EventID>()
        try archive.forEachEvent { ids.insert($0.id) }
        return ids
    }

    /// Waits, asynchronously (a relay in this process needs the threads), until a reader
    /// sees at least `count` events, then kills `child`. Returns the ids seen then (what was
    /// acknowledged, which the kill must not lose), or nil when `child` ended first.
    func kill(_ child: ChildProcess, onceArchived count: Int) async throws -> Set<EventID>? {
        var seen: Set<EventID>?
        for _ in 0..<3000 where child.process.isRunning && seen == nil {
            if let archive = try? Archive.open(directory, mode: .readOnly), (try? archive.stats().events) ?? 0 >= count {
                seen = try Self.ids(archive)
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let killed = seen != nil && child.process.isRunning
        child.kill()
        _ = try await offThePool { child.finish() }
        return killed ? seen : nil
    }
}
