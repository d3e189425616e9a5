import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// A data directory written by an earlier brotr (Tests/Fixtures/upgrade-*, made by
/// tools/fixtures/make_upgrade_fixture.sh at that version): this build opens it read-write
/// (migrating it when the schema has moved on), checks it clean, exports the same events,
/// and keeps every cursor, learned quirk and insecure mark it held. Release 0.1.0 kept them
/// as Synchronizer state (`cursor:`, `quirks:` as JSON, `insecure:`); they are relay state
/// now.
@Suite(.serialized)
struct UpgradeTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// The SHA-256 of a file, by coreutils.
    static func sha256(_ file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix { $0 != " " })
    }

    @Test(arguments: ["upgrade-0.1.0"])
    func anEarlierReleasesDirectoryOpensWithEveryValue(_ name: String) async throws {
        let fixture = Self.fixtures.appendingPathComponent(name)
        let tmp = try TempDirectory("upgrade")
        defer { tmp.remove() }
        let data = tmp.file("data")
        try FileManager.default.copyItem(at: fixture, to: data)
        let open = try await BrotrCLI.run(["import", "--data", data.path, "/dev/null"])
        #expect(open.status == 0, "\(open.stderr)")
        let check = try await BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
        let export = tmp.file("export.jsonl")
        #expect(try await BrotrCLI.run(["export", "--data", data.path], stdoutTo: export).status == 0)
        let expected = try String(contentsOf: fixture.appendingPathComponent("export.sha256"), encoding: .utf8)
        #expect(try Self.sha256(export) == expected.trimmingCharacters(in: .whitespacesAndNewlines))

        // What the release recorded, as `service|key|value` lines.
        let recorded = try String(contentsOf: fixture.appendingPathComponent("state.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "|", maxSplits: 2).map(String.init) }
        #expect(recorded.count == 5 && recorded.allSatisfy { $0.count == 3 })
        let archive = try Archive.open(DataDirectory(path: data.path), mode: .readOnly)
        let states = try archive.relayStates()
        let left = try archive.state(service: "synchronizer")
        for row in recorded where row.count == 3 {
            let (key, value) = (row[1], row[2])
            let prefix = String(key.prefix { $0 != ":" })
            let url = String(key.dropFirst(prefix.count + 1))
            let state = try #require(states[url], "\(key)")
            switch prefix {
            case "cursor": #expect(state.syncThrough == Int64(value), "\(key)")
            case "insecure": #expect(state.insecure, "\(key)")
            case "quirks":
                let json = try #require(try JSONSerialization.jsonObject(with: Data(value.utf8)) as? [String: Any])
                #expect(state.quirks.untilExclusive == json["untilExclusive"] as? Bool, "\(key)")
                #expect(state.quirks.pageCap == json["pageCap"] as? Int, "\(key)")
                #expect(state.quirks.confirmedPage == json["confirmedPage"] as? Int, "\(key)")
                #expect(state.quirks.ignoresLimit == json["ignoresLimit"] as? Bool, "\(key)")
                #expect(state.quirks.unordered == json["unordered"] as? Bool, "\(key)")
                #expect(state.quirks.requiresAuth == json["requiresAuth"] as? Bool, "\(key)")
            default: Issue.record("unexpected state \(key) in the fixture")
            }
            #expect(left[key] == nil, "\(key) is still kept as Synchronizer state")
        }
        // The relay learned to cap pages, and the one reached without certificate checks.
        #expect(states.values.contains { $0.quirks.pageCap == 100 } && states.values.contains { $0.insecure })
    }

    /// A reindex keeps the same relay state: of the earlier release's index, never opened by
    /// this build (its Synchronizer state becomes relay state as the migration makes it), and
    /// of the migrated one.
    @Test(arguments: ["upgrade-0.1.0"])
    func reindexingKeepsTheRelayState(_ name: String) async throws {
        let fixture = Self.fixtures.appendingPathComponent(name)
        let tmp = try TempDirectory("upgrade-reindex")
        defer { tmp.remove() }
        let migrated = tmp.file("migrated"), reindexed = tmp.file("reindexed")
        for copy in [migrated, reindexed] { try FileManager.default.copyItem(at: fixture, to: copy) }
        #expect(try await BrotrCLI.run(["import", "--data", migrated.path, "/dev/null"]).status == 0)
        let reindex = try await BrotrCLI.run(["reindex", "--data", reindexed.path])
        #expect(reindex.status == 0, "\(reindex.stderr)")
        func states(_ url: URL) throws -> [String: RelayState] {
            try Archive.open(DataDirectory(path: url.path), mode: .readOnly).relayStates()
        }
        let expected = try states(migrated)
        #expect(expected.count == 2)
        #expect(try states(reindexed) == expected)
        #expect(try await BrotrCLI.run(["reindex", "--data", migrated.path]).status == 0)
        #expect(try states(migrated) == expected)
    }
}
