import ArgumentParser

/// `brotr stats`: print counts and sizes of the archive.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Print counts and sizes of the archive.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try options.load(data: data.directory)
        throw NotImplemented.fail("stats")
    }
}
