import BrotrTestSupport
import Foundation
import Testing

/// `brotr backup`, run as a user would, on a quiet archive and beside a running import.
@Suite(.serialized)
struct BackupTests {
    static func corpus(_ count: Int, seed: UInt64, in tmp: TempDirectory) throws -> String {
        let path = tmp.file("corpus.jsonl").path
        let lines = CorpusGenerator.jsonLines(count: count, seed: seed)
        try Data(lines.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aBackupOfAQuietArchiveHoldsTheSameEvents() async throws {
        let tmp = try TempDirectory("backup")
        defer { tmp.remove() }
        let source = tmp.file("src").path, copy = tmp.file("copy").path
        let file = try Self.corpus(1500, seed: 11, in: tmp)
        #expect(try await BrotrCLI.run(["import", "--data", source, file]).status == 0)
        let backup = try await BrotrCLI.run(["backup", "--data", source, "--to", copy])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("copied the index"))
        #expect(try await BrotrCLI.run(["check", "--data", copy]).status == 0)
        #expect(try await BrotrCLI.run(["export", "--data", copy]).stdout == (try await BrotrCLI.run(["export", "--data", source]).stdout))
        #expect(!FileManager.default.fileExists(atPath: copy + "/lock"))
        // A second backup into a directory that is not empty is refused.
        let again = try await BrotrCLI.run(["backup", "--data", source, "--to", copy])
        #expect(again.status != 0)
        #expect(again.stderr.contains("not empty"))
    }

    @Test func aBackupTakenDuringAnImportOpensAndHoldsOnlyArchivedEvents() async throws {
        let tmp = try TempDirectory("backup")
        defer { tmp.remove() }
        let source = tmp.file("src").path, copy = tmp.file("copy").path
        let file = try Self.corpus(12_000, seed: 12, in: tmp)
        let importer = try BrotrCLI.start(["import", "--data", source, "--batch-size", "300", file], stderrFile: tmp.file("import.log"))
        // Wait (bounded) until the import has acknowledged a batch, then back up mid-run.
        _ = try await offThePool { importer.read(forUpTo: 120_000) { !$0.acks.isEmpty } }
        let backup = try await BrotrCLI.run(["backup", "--data", source, "--to", copy])
        let imported = try await offThePool { () -> Int32 in
            importer.read(forUpTo: 600_000)  // to its end, bounded
            return importer.finish()
        }
        #expect(imported == 0)
        #expect(backup.status == 0, "\(backup.stderr)")

        // The copy's first read-write open recovers it; then it checks clean.
        #expect(try await BrotrCLI.run(["import", "--data", copy, "/dev/null"]).status == 0)
        let check = try await BrotrCLI.run(["check", "--data", copy])
        #expect(check.status == 0, "\(check.stdout)")
        let copied = Set(try await BrotrCLI.run(["export", "--data", copy]).stdout.split(separator: "\n"))
        let all = Set(try await BrotrCLI.run(["export", "--data", source]).stdout.split(separator: "\n"))
        #expect(!copied.isEmpty)
        #expect(copied.isSubset(of: all))
        #expect(all.count == 12_000)
    }
}
