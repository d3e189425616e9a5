import ArgumentParser
import Archive
import Logging

/// `brotr serve`: every enabled stage, as actors, in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run every enabled pipeline stage and the HTTP server in one process.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    func run() async throws {
        // Validate the configuration first, so a broken file is reported even now.
        let loaded = try options.loadWithSource(data: data.directory, network: network)
        let logger = Logger(label: "brotr")
        logger.info(
            "configuration loaded",
            metadata: [
                "data": "\(data.directory.path)", "config": "\(loaded.file ?? "defaults")",
                "allow_loopback": "\(loaded.config.network.allowLoopback)",
            ])
        throw NotImplemented.fail("serve")
    }
}
