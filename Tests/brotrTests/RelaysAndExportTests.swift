import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// `relays add` / `relays list`, and export round trips, through the binary.
@Suite(.serialized)
struct RelaysAndExportTests {
    @Test func relaysAddPutsNormalizedRelaysInTheTableOnce() async throws {
        let tmp = try TempDirectory("relays")
        defer { tmp.remove() }
        let data = tmp.file("data").path
        let add = try await BrotrCLI.run(["relays", "add", "--data", data, "--allow-loopback", "ws://127.0.0.1:7001/", "ws://LOCALHOST:7002", "wss://relay.example.com"])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("3 added, 0 already known, 0 rejected"))
        let again = try await BrotrCLI.run(["relays", "add", "--data", data, "--allow-loopback", "ws://127.0.0.1:7001", "ws://10.0.0.1"])
        #expect(again.status == 1)
        #expect(again.stdout.contains("0 added, 1 already known, 1 rejected"))
        #expect(again.stderr.contains("ws://10.0.0.1: rejected"))
        let list = try await BrotrCLI.run(["relays", "list", "--data", data])
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.map { $0.first ?? "" } == ["ws://127.0.0.1:7001", "ws://localhost:7002", "wss://relay.example.com"])
        #expect(rows.map { $0.count > 1 ? $0[1] : "" } == ["loopback", "loopback", "clearnet"])
        // Relay records are in the segments: a reindex keeps them.
        #expect(try await BrotrCLI.run(["reindex", "--data", data]).status == 0)
        #expect(try await BrotrCLI.run(["relays", "list", "--data", data]).stdout == list.stdout)
        // Without --allow-loopback, loopback relays are refused.
        let refused = try await BrotrCLI.run(["relays", "add", "--data", data, "ws://127.0.0.1:7009"])
        #expect(refused.status == 1)
    }

    /// Events published late with old timestamps lie behind the cursor: `relays resync`
    /// moves it back, and the next cycle (NIP-77 here) fetches exactly those.
    @Test func resyncFindsEventsPublishedLateWithOldTimestamps() async throws {
        var generator = CorpusGenerator(seed: 77, authors: 10, start: 1_700_000_000)
        let events = (0..<400).map { _ in generator.next() }
        let late = stride(from: 5, to: 400, by: 10).map { events[$0] }
        let lateIDs = Set(late.map(\.id))
        var behavior = TestRelayBehavior()
        behavior.negentropy = .answers
        let relay = try await TestRelay(events: events.filter { !lateIDs.contains($0.id) }, behavior: behavior)
        defer { Task { await relay.stop() } }
        let tmp = try TempDirectory("resync")
        defer { tmp.remove() }
        let data = tmp.file("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try "synchronizer:\n  end_lag: 0s\n  overrides:\n    \"\(relay.url.url)\":\n      negentropy: true\n".write(
            toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        #expect(try await BrotrCLI.run(["relays", "add", "--data", data, "--allow-loopback", relay.url.url]).status == 0)
        let first = try await BrotrCLI.run(["run", "synchronizer", "--once", "--data", data, "--allow-loopback"])
        #expect(first.status == 0 && first.stdout.contains("events new 360,"), "\(first.stdout)\(first.stderr)")

        relay.add(late)
        let behind = try await BrotrCLI.run(["run", "synchronizer", "--once", "--data", data, "--allow-loopback"])
        #expect(behind.stdout.contains("events new 0,"), "the cursor is past them: \(behind.stdout)")
        let resync = try await BrotrCLI.run(["relays", "resync", "--data", data, "--allow-loopback", relay.url.url])
        #expect(resync.status == 0 && resync.stdout.contains("\(relay.url.url)\tcursor "), "\(resync.stdout)\(resync.stderr)")
        #expect(resync.stdout.hasSuffix("-> -1\n"), "\(resync.stdout)")
        let again = try await BrotrCLI.run(["run", "synchronizer", "--once", "--data", data, "--allow-loopback"])
        #expect(again.stdout.contains("events new 40,") && again.stdout.contains("ids fetched 40,"), "\(again.stdout)")
        let exported = try await BrotrCLI.run(["export", "--data", data])
        #expect(Set(exported.stdout.split(separator: "\n").compactMap { try? Event(json: String($0)).id }) == Set(events.map(\.id)))

        // A relay never synced has no cursor to move: said, and a non-zero exit.
        let unknown = try await BrotrCLI.run(["relays", "resync", "--data", data, "--allow-loopback", "ws://127.0.0.1:1"])
        #expect(unknown.status == 1 && unknown.stderr.contains("never synced"), "\(unknown.stderr)")
    }

    @Test func reimportingAnExportGivesTheSameArchive() async throws {
        let tmp = try TempDirectory("export")
        defer { tmp.remove() }
        let first = tmp.file("first").path, second = tmp.file("second").path
        let file = tmp.file("corpus.jsonl").path, exported = tmp.file("export.jsonl").path
        try Data(CorpusGenerator.jsonLines(count: 3000, seed: 99).flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: file))
        #expect(try await BrotrCLI.run(["import", "--data", first, file]).status == 0)
        let export = try await BrotrCLI.run(["export", "--data", first])
        try Data(export.stdout.utf8).write(to: URL(fileURLWithPath: exported))
        let reimport = try await BrotrCLI.run(["import", "--data", second, exported])
        #expect(reimport.stdout.contains("accepted 3000, duplicate 0, rejected 0"))
        #expect(try await BrotrCLI.run(["export", "--data", second]).stdout == export.stdout)
        let stats = { (dir: String) async throws -> [String] in
            try await BrotrCLI.run(["stats", "--data", dir]).stdout.split(separator: "\n").filter { $0.hasPrefix("events") || $0.hasPrefix("segment_bytes ") }.map(String.init)
        }
        #expect(try await stats(first) == (try stats(second)))
    }

    @Test func exportFiltersByTimeKindAndAuthor() async throws {
        let tmp = try TempDirectory("filters")
        defer { tmp.remove() }
        let data = tmp.file("data").path, file = tmp.file("corpus.jsonl").path
        var generator = CorpusGenerator(seed: 5)
        let events = (0..<1500).map { _ in generator.next() }
        try Data(events.flatMap { $0.jsonBytes + [0x0A] }).write(to: URL(fileURLWithPath: file))
        #expect(try await BrotrCLI.run(["import", "--data", data, file]).status == 0)
        let middle = events[750].createdAt, author = events[10].pubkey
        let expected = events.filter { $0.kind == 1 || $0.kind == 7 }.filter { $0.createdAt >= middle && $0.createdAt <= middle + 100 }
            .filter { $0.pubkey == author }.map(\.id.hex)
        let out = try await BrotrCLI.run([
            "export", "--data", data, "--kinds", "1,7", "--since", "\(middle)", "--until", "\(middle + 100)", "--authors", author.hex,
        ])
        #expect(out.status == 0)
        let ids = out.stdout.split(separator: "\n").compactMap { line in line.range(of: "\"id\":\"").map { String(line[$0.upperBound...].prefix(64)) } }
        #expect(ids == expected)
        let bad = try await BrotrCLI.run(["export", "--data", data, "--kinds", "x"])
        #expect(bad.status == 64)
    }
}

extension RelaysAndExportTests {
    @Test func seederThenCandidatesListThroughTheCLI() async throws {
        let tmp = try TempDirectory("seed")
        defer { tmp.remove() }
        let data = tmp.file("data").path
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try "ws://127.0.0.1:7301\n# comment\nbogus\nws://127.0.0.1:7302\n".write(toFile: data + "/seeds.txt", atomically: true, encoding: .utf8)
        try "seeder:\n  builtin: false\n  file: \(data)/seeds.txt\n".write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        let seed = try await BrotrCLI.run(["run", "seeder", "--once", "--data", data, "--allow-loopback"])
        #expect(seed.status == 0, "\(seed.stderr)")
        #expect(seed.stdout.contains("seeded: 2 added, 1 lines rejected"))
        #expect(seed.stdout.contains("rejected\tline 3\tbogus"))
        let list = try await BrotrCLI.run(["relays", "list", "--data", data, "--candidates"])
        #expect(list.stdout == "ws://127.0.0.1:7301\t0\t-\nws://127.0.0.1:7302\t0\t-\n")
        let again = try await BrotrCLI.run(["run", "seeder", "--once", "--data", data, "--allow-loopback"])
        #expect(again.stdout.contains("already seeded"))
    }
}
