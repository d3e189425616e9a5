import ArgumentParser

/// `brotr reindex`: rebuild the SQLite index from the segment files alone.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reindex", abstract: "Rebuild the SQLite index from the segment files alone.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try options.load(data: data.directory)
        throw NotImplemented.fail("reindex")
    }
}
