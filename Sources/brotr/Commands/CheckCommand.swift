import ArgumentParser

/// `brotr check`: verify every segment frame, every record, and that index and segments agree.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Verify every segment frame, every record, and that index and segments agree.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try options.load(data: data.directory)
        throw NotImplemented.fail("check")
    }
}
