import ArgumentParser
import Archive
import Transport

/// `--data DIR`, for every command that opens the archive.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The data directory.", valueName: "dir"))
    var data: String

    var directory: DataDirectory { DataDirectory(path: data) }
}

/// Config file and logging flags. Flags win over the file; the file wins over defaults.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Config file (default: <data>/brotr.yaml when present).", valueName: "file"))
    var config: String?

    @Option(name: .long, help: "Log format: logfmt (default) or json.")
    var logFormat: LogFormat?

    @Option(name: .long, help: "Log level: trace, debug, info (default), notice, warning, error, critical.")
    var logLevel: LogLevel?
}

/// `--allow-loopback`, on every command that touches relays.
struct NetworkOptions: ParsableArguments {
    @Flag(name: .long, help: "Admit loopback relays (127.0.0.0/8, ::1, localhost), for local testbeds.")
    var allowLoopback = false
}

extension LogFormat: ExpressibleByArgument {}
extension LogLevel: ExpressibleByArgument {}

extension ConfigOptions {
    /// Loads the config, applies command-line overrides, and installs logging.
    /// - Throws: a ValidationError-style failure with the config file's problem.
    func load(data: DataDirectory?, network: NetworkOptions? = nil) throws -> BrotrConfig {
        try loadWithSource(data: data, network: network).config
    }

    /// Like ``load(data:network:)``, also returning the file read (nil: all defaults).
    func loadWithSource(data: DataDirectory?, network: NetworkOptions? = nil) throws -> ConfigLoader.Loaded {
        var loaded: ConfigLoader.Loaded
        do {
            loaded = try Self.read(explicit: config, data: data, allowLoopback: network?.allowLoopback == true)
        } catch let error as ConfigError {
            throw CLIFailure("invalid configuration: \(error)\nFix the file, or see config/brotr.yaml for every option and its default.")
        }
        if let logFormat { loaded.config.log.format = logFormat }
        if let logLevel { loaded.config.log.level = logLevel }
        LoggingSetup.bootstrap(format: loaded.config.log.format, level: loaded.config.log.level)
        return loaded
    }

    /// Reads the config again as ``loadWithSource(data:network:)`` does, for SIGHUP: the
    /// same file and flags, but logging stays as it was installed (once per process).
    func reloader(data: DataDirectory?, network: NetworkOptions?) -> @Sendable () throws -> BrotrConfig {
        let explicit = config
        let allowLoopback = network?.allowLoopback == true
        return { try Self.read(explicit: explicit, data: data, allowLoopback: allowLoopback).config }
    }

    /// The config file (or the defaults) with `--allow-loopback` applied.
    private static func read(explicit: String?, data: DataDirectory?, allowLoopback: Bool) throws -> ConfigLoader.Loaded {
        var loaded = try ConfigLoader.load(explicit: explicit, data: data)
        if allowLoopback { loaded.config.network.allowLoopback = true }
        return loaded
    }
}

/// A command failure with a message for the user; exits 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
