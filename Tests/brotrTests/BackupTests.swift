import BrotrTestSupport
import Foundation
import Testing

/// `brotr backup`, run as a user would, on a quiet archive and beside a running import.
@Suite(.serialized)
struct BackupTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("brotr-\(name)-\(UUID().uuidString)").path
    }

    static func corpus(_ count: Int, seed: UInt64) throws -> String {
        let path = temporaryPath("corpus") + ".jsonl"
        let lines = CorpusGenerator.jsonLines(count: count, seed: seed)
        try Data(lines.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aBackupOfAQuietArchiveHoldsTheSameEvents() throws {
        let source = Self.temporaryPath("src"), copy = Self.temporaryPath("copy")
        let file = try Self.corpus(1500, seed: 11)
        defer { for p in [source, copy, file] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(try CLITests.run(["import", "--data", source, file]).status == 0)
        let backup = try CLITests.run(["backup", "--data", source, "--to", copy])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("copied the index"))
        #expect(try CLITests.run(["check", "--data", copy]).status == 0)
        #expect(try CLITests.run(["export", "--data", copy]).stdout == (try CLITests.run(["export", "--data", source]).stdout))
        #expect(!FileManager.default.fileExists(atPath: copy + "/lock"))
        // A second backup into a directory that is not empty is refused.
        let again = try CLITests.run(["backup", "--data", source, "--to", copy])
        #expect(again.status != 0)
        #expect(again.stderr.contains("not empty"))
    }

    @Test func aBackupTakenDuringAnImportOpensAndHoldsOnlyArchivedEvents() throws {
        let source = Self.temporaryPath("src"), copy = Self.temporaryPath("copy")
        let file = try Self.corpus(12_000, seed: 12)
        defer { for p in [source, copy, file] { try? FileManager.default.removeItem(atPath: p) } }
        let importer = Process()
        importer.executableURL = CLITests.binary
        importer.arguments = ["import", "--data", source, "--batch-size", "300", file]
        importer.standardOutput = FileHandle.nullDevice
        importer.standardError = FileHandle.nullDevice
        try importer.run()
        // Wait (bounded) until the import has created the index, then back up mid-run.
        for _ in 0..<3000 where !FileManager.default.fileExists(atPath: source + "/index.sqlite") { usleep(10_000) }
        usleep(200_000)
        let backup = try CLITests.run(["backup", "--data", source, "--to", copy])
        importer.waitUntilExit()
        #expect(importer.terminationStatus == 0)
        #expect(backup.status == 0, "\(backup.stderr)")

        // The copy's first read-write open recovers it; then it checks clean.
        #expect(try CLITests.run(["import", "--data", copy, "/dev/null"]).status == 0)
        let check = try CLITests.run(["check", "--data", copy])
        #expect(check.status == 0, "\(check.stdout)")
        let copied = Set(try CLITests.run(["export", "--data", copy]).stdout.split(separator: "\n"))
        let all = Set(try CLITests.run(["export", "--data", source]).stdout.split(separator: "\n"))
        #expect(!copied.isEmpty)
        #expect(copied.isSubset(of: all))
        #expect(all.count == 12_000)
    }
}
