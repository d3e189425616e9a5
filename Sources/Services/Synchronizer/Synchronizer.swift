public import Archive
import Foundation
public import Logging
import Nostr
public import Transport

/// Archives the events of every known relay, completely, from each relay's cursor to
/// now minus the end lag (BigBrotr's Synchronizer, in one actor).
///
/// A relay's cursor is the last second whose events are all archived. It is written in
/// the same transaction as the events it covers, so it is never ahead of the archive, and
/// a cycle killed at any point resumes where the last acknowledged batch ended.
public actor Synchronizer {
    public static let service = "synchronizer"

    let archive: Archive
    let writer: ArchiveWriter
    let settings: SynchronizerSettings
    /// Which relays are admitted, and how overlay networks are reached.
    let network: NetworkConfiguration
    let logger: Logger

    public init(archive: Archive, settings: SynchronizerSettings, network: NetworkConfiguration, logger: Logger) throws {
        guard let writer = archive.writer else { throw ArchiveError(.invalidRequest, "the Synchronizer needs a writable archive") }
        self.archive = archive
        self.writer = writer
        // A relay that demands NIP-42 AUTH gets an answer signed by this key: the configured
        // one, or one made for this Synchronizer.
        var settings = settings
        if settings.stream.authKey == nil { settings.stream.authKey = SecretKey.generate() }
        self.settings = settings
        self.network = network
        self.logger = logger
    }

    /// One cycle: every relay in the archive, shuffled, several at once.
    public func runCycle() async throws -> SynchronizerReport {
        let relays = try archive.relays().compactMap { try? RelayURL($0.url, allowLoopback: network.allowLoopback) }.shuffled()
        let states = try archive.relayStates()
        let end = Int64(Date().timeIntervalSince1970) - settings.endLag
        let limits = NetworkLimits(total: settings.concurrency, perNetwork: settings.networkConcurrency)
        var report = SynchronizerReport()
        report.relaysTotal = relays.count
        await limits.forEach(relays, network: \.network) { relay in
            let state = states[relay.url] ?? RelayState()
            return await self.sync(
                relay, cursor: state.syncThrough, quirks: state.quirks, insecure: state.insecure, negentropy: self.settings.usesNegentropy(relay, nip77: state.nip77),
                end: end)
        } collect: { report.add($0) }
        return report
    }
}

/// Concurrency limits: in total and per network.
struct NetworkLimits: Sendable {
    let total: Int
    let perNetwork: [RelayNetwork: Int]

    func admits(_ network: RelayNetwork, running: [RelayNetwork]) -> Bool {
        running.count < max(1, total) && running.filter { $0 == network }.count < max(1, perNetwork[network] ?? total)
    }

    /// Runs `work` for every item, as many at once as the limits admit (items whose network
    /// is full wait while later ones start), and hands each result to `collect` as it ends.
    /// When `collect` throws, the work under way is cancelled and the error rethrown.
    func forEach<Item: Sendable, Result: Sendable, Failure: Error>(
        _ items: [Item], network: (Item) -> RelayNetwork, _ work: @escaping @Sendable (Item) async -> Result,
        collect: (Result) async throws(Failure) -> Void, isolation: isolated (any Actor)? = #isolation
    ) async throws(Failure) {
        var failure: Failure?
        await withTaskGroup(of: (RelayNetwork, Result).self) { group in
            var pending = items[...]
            var running: [RelayNetwork] = []
            func startMore() {
                while let index = pending.firstIndex(where: { admits(network($0), running: running) }) {
                    let item = pending.remove(at: index)
                    let net = network(item)
                    running.append(net)
                    group.addTask { (net, await work(item)) }
                }
            }
            startMore()
            while let (net, result) = await group.next() {
                if let i = running.firstIndex(of: net) { running.remove(at: i) }
                do throws(Failure) {
                    try await collect(result)
                } catch {
                    failure = error
                    group.cancelAll()
                    return
                }
                startMore()
            }
        }
        if let failure { throw failure }
    }
}
