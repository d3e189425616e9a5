import ArgumentParser
import Archive

/// `brotr backup`: a consistent copy of a data directory, while brotr runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the data directory consistently while brotr runs.",
        discussion: """
            Copies the index as one SQLite snapshot, then the segments, into a new directory. \
            The copy opens like an archive after a crash: its first read-write open replays or \
            cuts whatever the segments hold past the copied index.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    @Option(help: ArgumentHelp("The new data directory (must not exist, or be empty).", valueName: "dir"))
    var to: String

    func run() async throws {
        _ = try options.load(data: data.directory)
        let summary = try Archive.backup(data.directory, to: DataDirectory(path: to))
        print("copied the index (\(summary.indexBytes) bytes) and \(summary.segments) segments (\(summary.segmentBytes) bytes) to \(to)")
    }
}
