import Archive
import BrotrTestSupport
import Foundation
import Testing

/// A data directory written by an earlier brotr (Tests/Fixtures/upgrade-*, made by
/// tools/fixtures/make_upgrade_fixture.sh at that version): this build opens it read-write
/// (migrating it when the schema has moved on), checks it clean, exports the same events,
/// and keeps every cursor, learned quirk and insecure mark it held.
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
    func anEarlierReleasesDirectoryOpensWithEveryValue(_ name: String) throws {
        let fixture = Self.fixtures.appendingPathComponent(name)
        let tmp = try TempDirectory("upgrade")
        defer { tmp.remove() }
        let data = tmp.file("data")
        try FileManager.default.copyItem(at: fixture, to: data)
        let open = try BrotrCLI.run(["import", "--data", data.path, "/dev/null"])
        #expect(open.status == 0, "\(open.stderr)")
        let check = try BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
        let export = tmp.file("export.jsonl")
        #expect(try BrotrCLI.run(["export", "--data", data.path], stdoutTo: export).status == 0)
        let expected = try String(contentsOf: fixture.appendingPathComponent("export.sha256"), encoding: .utf8)
        #expect(try Self.sha256(export) == expected.trimmingCharacters(in: .whitespacesAndNewlines))

        // What the release recorded, as `service|key|value` lines.
        let recorded = try String(contentsOf: fixture.appendingPathComponent("state.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "|", maxSplits: 2).map(String.init) }
        #expect(recorded.count == 5 && recorded.allSatisfy { $0.count == 3 })
        let archive = try Archive.open(DataDirectory(path: data.path), mode: .readOnly)
        for row in recorded where row.count == 3 {
            #expect(try archive.state(service: row[0])[row[1]] == row[2], "\(row[1])")
        }
    }
}
