import ArgumentParser

/// `brotr backup`: copy the data directory consistently while brotr runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backup", abstract: "Copy the data directory consistently while brotr runs.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try options.load(data: data.directory)
        throw NotImplemented.fail("backup")
    }
}
