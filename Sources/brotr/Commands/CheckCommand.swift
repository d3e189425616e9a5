import ArgumentParser
import Archive

/// `brotr check`: verify segments and their agreement with the index.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Verify every segment frame, every record, and that index and segments agree.",
        discussion: "Exits 0 only when all is well; otherwise lists each problem with its file and byte offset. Read-only.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try options.load(data: data.directory)
        let report = try Archive.check(data.directory)
        print(
            "checked \(report.segments) segments, \(report.frames) frames, \(report.records) records, \(report.events) events; "
                + "\(report.indexedEvents) indexed events")
        for note in report.notes { print("note: \(note)") }
        if report.isHealthy {
            print("ok")
            return
        }
        for problem in report.problems { print("problem: \(problem)") }
        print("\(report.problems.count) problem(s). `brotr reindex` rebuilds the index from the segments; a damaged segment needs a backup copy.")
        throw ExitCode(1)
    }
}
