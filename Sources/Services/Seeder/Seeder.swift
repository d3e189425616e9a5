public import Archive
import Foundation
public import Logging
public import Transport
import Nostr

/// What the Seeder reads, and where it puts what it reads.
public struct SeederSettings: Sendable, Equatable {
    /// Use the list compiled into brotr.
    public var builtin = true
    /// A seed file: one relay URL per line, `#` comments.
    public var file: String?
    /// Put seeds straight into the relay table instead of validating them first.
    public var toRelays = false

    public init(builtin: Bool = true, file: String? = nil, toRelays: Bool = false) {
        self.builtin = builtin
        self.file = file
        self.toRelays = toRelays
    }
}

/// Loads the seed list on first start: when the archive knows no relay and no candidate.
/// Later cycles find the archive seeded and do nothing.
public actor Seeder: CycleStage {
    public nonisolated let stage = Stage.seeder

    /// One cycle's outcome.
    public struct Report: Sendable, Equatable {
        /// False when the archive already had relays or candidates.
        public var seeded = false
        public var added = 0
        public var rejected: [SeedList.Rejected] = []
    }

    let archive: Archive
    let settings: SeederSettings
    /// Which relays are admitted, and how overlay networks are reached.
    let network: NetworkConfiguration
    let logger: Logger

    public init(archive: Archive, settings: SeederSettings, network: NetworkConfiguration, logger: Logger) {
        self.archive = archive
        self.settings = settings
        self.network = network
        self.logger = logger
    }

    public func cycle() async throws -> CycleFigures {
        let report = try await runCycle()
        return CycleFigures(gauges: ["seeded": report.seeded ? 1 : 0], counters: ["relays_added": Double(report.added), "lines_rejected": Double(report.rejected.count)])
    }

    public func runCycle() async throws -> Report {
        var report = Report()
        let candidates = CandidateStore(archive: archive)
        guard try archive.relays().isEmpty, try candidates.all().isEmpty else { return report }
        var seeds: [RelayURL] = []
        if settings.builtin {
            seeds += SeedList(parsing: BuiltinSeeds.text, allowLoopback: false).relays
        }
        if let file = settings.file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw StageError("cannot read the seed file \(file): \(error.localizedDescription); fix seeder.file in the config")
            }
            let list = SeedList(parsing: text, allowLoopback: network.allowLoopback)
            for rejected in list.rejected {
                logger.warning("seed line skipped", metadata: ["file": "\(file)", "line": "\(rejected.line)", "text": "\(rejected.text)", "reason": "\(rejected.reason)"])
            }
            seeds += list.relays
            report.rejected = list.rejected
        }
        let now = Int64(Date().timeIntervalSince1970)
        if settings.toRelays {
            guard let writer = archive.writer else { throw StageError.readOnlyArchive }
            report.added = try await writer.addRelays(seeds, discoveredAt: now).count
        } else {
            report.added = try await candidates.add(seeds, at: now)
        }
        report.seeded = true
        logger.info("seeded", metadata: ["added": "\(report.added)", "rejected": "\(report.rejected.count)", "as": "\(settings.toRelays ? "relays" : "candidates")"])
        return report
    }
}
