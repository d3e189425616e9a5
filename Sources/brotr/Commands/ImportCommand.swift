import ArgumentParser

/// `brotr import`: NIP-01 events as JSON lines into the archive.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import NIP-01 events from JSON lines (a file or - for stdin), verifying each.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    @Option(help: ArgumentHelp("Record each event as seen at this relay.", valueName: "url"))
    var relay: String?

    @Argument(help: ArgumentHelp("JSON lines file, or - for standard input.", valueName: "file"))
    var file: String

    func run() async throws {
        _ = try options.load(data: data.directory, network: network)
        throw NotImplemented.fail("import")
    }
}
