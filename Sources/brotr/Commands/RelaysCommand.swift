import ArgumentParser
import Archive
import Services
import Glibc
import Nostr
import Transport

/// `brotr relays`: work with relay URLs and the relay table.
struct RelaysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relays", abstract: "Normalize relay URLs, list or add relays in the archive, or sync them again.",
        subcommands: [RelaysNormalizeCommand.self, RelaysAddCommand.self, RelaysListCommand.self, RelaysResyncCommand.self])
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
        let config = try options.load(data: data.directory, network: network)
        var relays: [RelayURL] = []
        var rejected = 0
        for url in urls {
            do {
                relays.append(try RelayURL(url, allowLoopback: config.network.allowLoopback))
            } catch let error as NostrError {
                printError("\(url): rejected: \(error.message)")
                rejected += 1
            }
        }
        let archive = try Archive.open(data.directory, configuration: config.archive)
        guard let writer = archive.writer else { throw CLIFailure("the archive is not writable") }
        let added = try await writer.addRelays(relays, discoveredAt: Int64(time(nil)))
        for relay in added { print("added\t\(relay.url)\t\(relay.network.rawValue)") }
        print("\(added.count) added, \(relays.count - added.count) already known, \(rejected) rejected")
        if rejected > 0 { throw ExitCode(1) }
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
        let archive = try Archive.open(data.directory, mode: .readOnly)
        if candidates {
            // url, failures, last attempt (unix seconds, "-" when never tried)
            for candidate in try CandidateStore(archive: archive).all().sorted(by: { $0.url < $1.url }) {
                print("\(candidate.url)\t\(candidate.failures)\t\(candidate.lastAttempt.map(String.init) ?? "-")")
            }
            return
        }
        for relay in try archive.relays() {
            print("\(relay.url)\t\(relay.network)\t\(relay.discoveredAt)")
        }
    }
}

/// `brotr relays resync`: move relays' sync cursors back, so that the next cycle verifies
/// their events again (events published late with old timestamps are found this way; with
/// NIP-77 the check costs little more than the ids).
struct RelaysResyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync", abstract: "Make the next sync cycle verify relays' events again, from --since on.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions
    @Option(help: "Verify events from this Unix time on (default: all of them).") var since: Int64 = 0
    @Argument(help: "Relay URLs, as the archive holds them.") var urls: [String]

    func run() async throws {
        let config = try options.load(data: data.directory, network: network)
        let archive = try Archive.open(data.directory, configuration: config.archive)
        guard let writer = archive.writer else { throw CLIFailure("the archive is not writable") }
        let states = try archive.relayStates()
        var updates: [RelayStateUpdate] = []
        var unknown = 0
        for url in urls {
            let relay = (try? RelayURL(url, allowLoopback: true))?.url ?? url
            guard let cursor = states[relay]?.syncThrough else {
                printError("\(url): never synced, nothing to rewind (the next cycle syncs it from synchronizer.start)")
                unknown += 1
                continue
            }
            updates.append(.rewound(relay: relay, since: since))
            print("\(relay)\tcursor \(cursor) -> \(min(cursor, since - 1))")
        }
        _ = try await writer.addRelays([], discoveredAt: 0, relayUpdates: updates)
        if unknown > 0 { throw ExitCode(1) }
    }
}
