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
