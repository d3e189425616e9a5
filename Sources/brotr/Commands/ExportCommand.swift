import ArgumentParser

/// `brotr export`: archived events as JSON lines.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export archived events as NIP-01 JSON lines, optionally filtered.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    @Option(help: "Only events created at or after this Unix time.") var since: Int64?
    @Option(help: "Only events created at or before this Unix time.") var until: Int64?
    @Option(help: ArgumentHelp("Only these kinds (comma-separated).", valueName: "k,...")) var kinds: String?
    @Option(help: ArgumentHelp("Only these authors (hex pubkeys, comma-separated).", valueName: "hex,...")) var authors: String?

    func run() async throws {
        _ = try options.load(data: data.directory)
        throw NotImplemented.fail("export")
    }
}
