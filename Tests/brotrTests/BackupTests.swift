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

    @Test func aBackupOfAQuietArchiveHoldsTheSameEvents() throws {
        let tmp = try TempDirectory("backup")
        defer { tmp.remove() }
        let source = tmp.file("src").path, copy = tmp.file("copy").path
        let file = try Self.corpus(1500, seed: 11, in: tmp)
        #expect(try BrotrCLI.run(["import", "--data", source, file]).status == 0)
        let backup = try BrotrCLI.run(["backup", "--data", source, "--to", copy])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("copied the index"))
        #expect(try BrotrCLI.run(["check", "--data", copy]).status == 0)
        #expect(try BrotrCLI.run(["export", "--data", copy]).stdout == (try BrotrCLI.run(["export", "--data", source]).stdout))
        #expect(!FileManager.default.fileExists(atPath: copy + "/lock"))
        // A second backup into a directory that is not empty is refused.
        let again = try BrotrCLI.run(["backup", "--data", source, "--to", copy])
        #expect(again.status != 0)
        #expect(again.stderr.contains("not empty"))
    }

    @Test func aBackupTakenDuringAnImportOpensAndHoldsOnlyArchivedEvents() throws {
        let tmp = try TempDirectory("backup")
        defer { tmp.remove() }
        let source = tmp.file("src").path, copy = tmp.file("copy").path
        let file = try Self.corpus(12_000, seed: 12, in: tmp)
        let importer = try BrotrCLI.start(["import", "--data", source, "--batch-size", "300", file], stderrFile: tmp.file("import.log"))
        // Wait (bounded) until the import has created the index, then back up mid-run.
        for _ in 0..<3000 where !FileManager.default.fileExists(atPath: source + "/index.sqlite") { usleep(10_000) }
        usleep(200_000)
        let backup = try BrotrCLI.run(["backup", "--data", source, "--to", copy])
        importer.read(forUpTo: 600_000)  // to its end, bounded
        #expect(importer.finish() == 0)
        #expect(backup.status == 0, "\(backup.stderr)")

        // The copy's first read-write open recovers it; then it checks clean.
        #expect(try BrotrCLI.run(["import", "--data", copy, "/dev/null"]).status == 0)
        let check = try BrotrCLI.run(["check", "--data", copy])
        #expect(check.status == 0, "\(check.stdout)")
        let copied = Set(try BrotrCLI.run(["export", "--data", copy]).stdout.split(separator: "\n"))
        let all = Set(try BrotrCLI.run(["export", "--data", source]).stdout.split(separator: "\n"))
        #expect(!copied.isEmpty)
        #expect(copied.isSubset(of: all))
        #expect(all.count == 12_000)
    }
}
