import ArgumentParser
import Archive

/// The `brotr` command: a Nostr relay observatory and event archive in one binary.
@main
struct Brotr: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brotr",
        abstract: "Map and archive the Nostr relay network from one small machine.",
        discussion: """
            brotr discovers Nostr relays, validates them, checks their health (NIP-11, NIP-66), \
            archives their events with completeness-verified sync, and serves it all over HTTP. \
            Data lives in one directory (--data): append-only LZ4 segments plus a SQLite index.
            """,
        version: BrotrVersion.current,
        subcommands: [
            ServeCommand.self, RunCommand.self, ReindexCommand.self, CheckCommand.self, StatsCommand.self,
            ImportCommand.self, ExportCommand.self, RelaysCommand.self, BackupCommand.self, KeygenCommand.self,
        ]
    )

    static func main() async {
        MallocTuning.apply()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
