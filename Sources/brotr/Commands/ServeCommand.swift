import ArgumentParser
import Archive
import Logging
import Services
import Transport

/// `brotr serve`: every enabled stage, as actors, in one process.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run every enabled pipeline stage and the HTTP server in one process.",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT (exit 0) after at most runtime.shutdown_grace. SIGHUP reads the \
            configuration again and restarts the stages with it; an invalid file is refused and the old settings stay.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    func run() async throws {
        // Before anything else: a SIGTERM during start-up (recovery of a large archive, say)
        // still ends in a clean stop.
        let control = await ServeControl.trapping(reload: options.reloader(data: data.directory, network: network))
        let loaded = try options.loadWithSource(data: data.directory, network: network)
        Logger(label: "brotr").info(
            "configuration loaded",
            metadata: [
                "data": "\(data.directory.path)", "config": "\(loaded.file ?? "defaults")",
                "allow_loopback": "\(loaded.config.network.allowLoopback)",
            ])
        let archive = try Archive.open(data.directory, configuration: loaded.config.archive)
        try await ServeRuntime.run(StageFactory.available, archive: archive, config: loaded.config, http: true, control: control)
    }
}
