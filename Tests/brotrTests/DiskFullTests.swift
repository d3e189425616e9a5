import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// Running out of disk for real, on a small tmpfs: an import stops with a clear error and
/// a non-zero exit; `brotr serve` keeps running with /health at 503 and the reason, and
/// finishes the work by itself once there is room. Nothing acknowledged is lost, and
/// `brotr check` passes at every step.
@Suite(.serialized)
struct DiskFullTests {
    /// 12,000 events, about 10 MiB in an archive: more than the 8 MiB file systems hold.
    static let events: [Event] = {
        var generator = CorpusGenerator(seed: 4040, authors: 60, start: 1_700_000_000)
        return (0..<12_000).map { _ in generator.next() }
    }()

    static func archivedIDs(_ data: String) throws -> Set<EventID> {
        var ids = Set<EventID>()
        try Archive.open(DataDirectory(path: data), mode: .readOnly).forEachEvent { ids.insert($0.id) }
        return ids
    }

    static func checkPasses(_ data: String) async throws {
        let check = try await BrotrCLI.run(["check", "--data", data])
        #expect(check.status == 0, "brotr check: \(check.stdout.suffix(1500)) \(check.stderr.suffix(1500))")
    }

    @Test func anImportStopsOnAFullDiskAndLosesNothingAcknowledged() async throws {
        let disk = try SmallFileSystem(megabytes: 8)
        defer { disk.remove() }
        let tmp = try TempDirectory("diskfull-import")
        defer { tmp.remove() }
        let input = tmp.file("events.jsonl")
        try Data(Self.events.map { $0.jsonText + "\n" }.joined().utf8).write(to: input)
        let data = disk.path + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        // Writing up to the last byte: the failure is the file system's own ENOSPC.
        try "archive:\n  min_free_bytes: 0\n".write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)

        let full = try await BrotrCLI.run(["import", "--data", data, "--batch-size", "500", input.path])
        #expect(full.status != 0, "the import went through: \(full.stdout.suffix(500))")
        #expect(full.stderr.contains("import stopped") && full.stderr.contains("space"), "\(full.stderr.suffix(1500))")
        // Every event up to the last acknowledged one is archived.
        let acks = full.stdout.split(separator: "\n").filter { $0.hasPrefix("ack ") }
        let lastAcked = try #require(acks.last.flatMap { $0.split(separator: " ").last.map(String.init) }, "no batch was acknowledged")
        let position = try #require(Self.events.firstIndex { $0.id.hex == lastAcked })
        let archived = try Self.archivedIDs(data)
        #expect(Set(Self.events[...position].map(\.id)).isSubset(of: archived), "an acknowledged event is missing")
        #expect(archived.count < Self.events.count)
        try await Self.checkPasses(data)

        // With room again, the same import completes; what was archived is a duplicate.
        try disk.resize(megabytes: 64)
        let again = try await BrotrCLI.run(["import", "--data", data, input.path])
        #expect(again.status == 0, "\(again.stderr.suffix(1500))")
        #expect(again.stdout.contains("accepted \(Self.events.count - archived.count), duplicate \(archived.count),"), "\(again.stdout.suffix(300))")
        #expect(try Self.archivedIDs(data) == Set(Self.events.map(\.id)))
        try await Self.checkPasses(data)

        // archive.min_free_bytes stops writing before the file system is full, with its name.
        try "archive:\n  min_free_bytes: 1073741824\n".write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        let kept = try await BrotrCLI.run(["import", "--data", data, input.path])
        #expect(kept.status != 0 && kept.stderr.contains("below archive.min_free_bytes"), "\(kept.stderr.suffix(800))")
    }

    /// Under archive.min_free_bytes the writer refuses before writing anything, and is
    /// writable again as soon as there is room, with no write needed to find out.
    @Test func writingPausesUnderTheMinimumAndResumesWhenSpaceReturns() async throws {
        let disk = try SmallFileSystem(megabytes: 16)
        defer { disk.remove() }
        let data = DataDirectory(path: disk.path + "/data")
        let archive = try Archive.open(data, configuration: ArchiveConfiguration(minFreeBytes: 8 << 20))
        let writer = try #require(archive.writer)
        _ = try await writer.write(EventBatch(events: Array(Self.events.prefix(100)), seenAt: 1))
        // Fill the file system to under 8 MiB free.
        let filler = disk.path + "/filler"
        let free = try #require(data.freeBytes)
        try Data(count: Int(free) - (4 << 20)).write(to: URL(fileURLWithPath: filler))
        let refused = await #expect(throws: ArchiveError.self) { try await writer.ensureWritable() }
        #expect(refused?.message.contains("below archive.min_free_bytes (8 MiB)") == true, "\(String(describing: refused))")
        await #expect(throws: ArchiveError.self) { _ = try await writer.write(EventBatch(events: Array(Self.events[100..<200]), seenAt: 1)) }
        #expect(await writer.isWritable == false)
        #expect(try archive.stats().events == 100)

        try FileManager.default.removeItem(atPath: filler)
        try await writer.ensureWritable()
        let failure = await writer.writeFailure
        #expect(await writer.isWritable && failure == nil)
        #expect(try await writer.write(EventBatch(events: Array(Self.events[100..<200]), seenAt: 1)).new == 100)
    }

    @Test func serveWaitsOutAFullDiskAndResumesByItself() async throws {
        let disk = try SmallFileSystem(megabytes: 8)
        defer { disk.remove() }
        let relay = try await TestRelay(events: Self.events)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("diskfull-serve")
        defer { tmp.remove() }
        let data = disk.path + "/data"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let port = try ServeCLITests.freePort()
        try (TestbedConfig.yaml(httpPort: port, running: ["synchronizer"]) + """
            archive:
              min_free_bytes: 0
            runtime:
              shutdown_grace: 5s
              max_backoff: 2s
            synchronizer:
              interval: 1s
              end_lag: 0s
              batch_size: 500
            """).write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        #expect(try await BrotrCLI.run(["relays", "add", "--data", data, "--allow-loopback", relay.url.url]).status == 0)
        let serve = try BrotrCLI.start(["serve", "--data", data], stderrFile: tmp.file("serve.log"))
        defer { serve.kill() }

        // The disk fills: /health says so, with the reason, and serve keeps running.
        var health = (status: 0, body: "")
        for _ in 0..<240 where serve.process.isRunning {
            try await Task.sleep(for: .milliseconds(500))
            guard let answer = try? await ServeCLITests.get("http://127.0.0.1:\(port)/health") else { continue }
            health = answer
            if health.status == 503 { break }
        }
        #expect(health.status == 503 && health.body.contains("space"), "\(health) \(serve.stderr.suffix(2000))")
        #expect(serve.process.isRunning)
        let metrics = try await ServeCLITests.get("http://127.0.0.1:\(port)/metrics")
        #expect(metrics.body.contains(#"service_gauge{service="archive",name="writable"} 0"#))
        #expect(serve.stderr.contains("archive writes failing"))

        // Room again: the same process finishes the relay with no restart.
        try disk.resize(megabytes: 64)
        var complete = false
        for _ in 0..<240 where serve.process.isRunning && !complete {
            try await Task.sleep(for: .milliseconds(500))
            let answer = try? await ServeCLITests.get("http://127.0.0.1:\(port)/health")
            let count = try? Archive.open(DataDirectory(path: data), mode: .readOnly).stats().events
            complete = answer?.status == 200 && count == Self.events.count
        }
        #expect(complete, "\(serve.stderr.suffix(2000))")
        // One line per change of state, not one per failed write (a nearly full disk may
        // take a small write or two between failures).
        let failing = serve.stderr.components(separatedBy: "archive writes failing").count - 1
        let resumed = serve.stderr.components(separatedBy: "archive writes resumed").count - 1
        #expect(failing >= 1 && failing < 10 && resumed == failing, "\(failing) failing, \(resumed) resumed")
        serve.send(SIGTERM)
        #expect(try await offThePool { serve.waitForExit(upTo: 30_000) })
        #expect(serve.finish() == 0)
        #expect(try Self.archivedIDs(data) == Set(Self.events.map(\.id)))
        try await Self.checkPasses(data)
    }
}
