import ArgumentParser

/// `brotr relays`: work with relay URLs and the relay table.
struct RelaysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relays", abstract: "Normalize relay URLs, and list or add relays in the archive.",
        subcommands: [RelaysNormalizeCommand.self, RelaysAddCommand.self, RelaysListCommand.self])
}

/// `brotr relays add`: put relays straight into the relay table (local testbeds).
struct RelaysAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add relays straight to the relay table, skipping validation.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions
    @Argument(help: "Relay URLs.") var urls: [String]

    func run() async throws {
        _ = try options.load(data: data.directory, network: network)
        throw NotImplemented.fail("relays add")
    }
}

/// `brotr relays list`: the relays (or candidates) in the archive.
struct RelaysListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List validated relays, or validation candidates with --candidates.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @Flag(help: "List validation candidates instead of relays.") var candidates = false

    func run() async throws {
        _ = try options.load(data: data.directory)
        throw NotImplemented.fail("relays list")
    }
}
