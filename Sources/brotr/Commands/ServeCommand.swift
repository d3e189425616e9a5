import ArgumentParser

/// `brotr serve`: every enabled stage, as actors, in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run every enabled pipeline stage and the HTTP server in one process.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    func run() async throws {
        // Validate the configuration first, so a broken file is reported even now.
        _ = try options.load(data: data.directory, network: network)
        throw NotImplemented.fail("serve")
    }
}
