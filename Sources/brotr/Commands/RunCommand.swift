import ArgumentParser
import Archive
import Foundation
import Logging
import Services
import Transport

/// `brotr run STAGE [--once]`: one stage by itself, for one cycle or until stopped.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run one pipeline stage by itself (with --once: a single cycle).",
        discussion: Stage.allCases.map { "\($0.rawValue): \($0.purpose)" }.joined(separator: "\n"))

    @Argument(help: "The stage: \(Stage.allCases.map(\.rawValue).joined(separator: ", ")).")
    var stage: String

    @Flag(help: "Run a single cycle, print a summary and exit.")
    var once = false

    @Flag(help: "With refresher --once: rebuild every analytics table from the whole archive.")
    var full = false

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard Stage(rawValue: stage) != nil else {
            throw ValidationError("unknown stage '\(stage)'; stages: \(Stage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if full, stage != Stage.refresher.rawValue || !once { throw ValidationError("--full goes with `run refresher --once`") }
        if once, stage == Stage.api.rawValue { throw ValidationError("the api serves until stopped: run it without --once") }
    }

    func run() async throws {
        guard let stage = Stage(rawValue: stage) else { throw ValidationError("unknown stage '\(self.stage)'") }
        // Without --once, signals are trapped first, as for serve.
        var control: ServeControl?
        if !once {
            let reload = options.reloader(data: data.directory, network: network)
            control = await ServeControl.trapping(reload: {
                var next = try reload()
                next.enable(stage)
                return next
            })
        }
        let config = try options.load(data: data.directory, network: network)
        let archive = try Archive.open(data.directory, configuration: config.archive)
        if let control {
            // Until SIGTERM/SIGINT, at the stage's interval, even when the config disables it.
            var config = config
            config.enable(stage)
            return try await ServeRuntime.run([stage], archive: archive, config: config, http: stage == .api, control: control)
        }
        let made = try StageFactory.make(stage, archive: archive, config: config)
        switch made.stage {
        case let synchronizer as Synchronizer:
            let report = try await synchronizer.runCycle()
            print(
                "relays synced \(report.relaysSynced), failed \(report.relaysFailed), partial \(report.relaysPartial); "
                    + "events new \(report.eventsNew), duplicate \(report.eventsDuplicate), invalid \(report.eventsInvalid); "
                    + "bytes received \(report.bytesReceived); requests \(report.stream.requests)")
            if report.negentropyWindows > 0 || !report.negentropyFallbacks.isEmpty {
                print(
                    "negentropy: windows reconciled \(report.negentropyWindows), messages \(report.negentropyMessages), ids fetched \(report.negentropyFetched), "
                        + "already archived \(report.negentropyObserved); fallbacks \(report.negentropyFallbacks.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
            }
            for (relay, failure) in report.failures.sorted(by: { $0.key < $1.key }) { print("failed\t\(relay)\t\(failure)") }
            if report.relaysFailed > 0 { throw ExitCode(2) }
        case let seeder as Seeder:
            let report = try await seeder.runCycle()
            print(report.seeded ? "seeded: \(report.added) added, \(report.rejected.count) lines rejected" : "already seeded: the archive has relays or candidates")
            for line in report.rejected { print("rejected\tline \(line.line)\t\(line.text)\t\(line.reason)") }
        case let finder as Finder:
            let report = try await finder.runCycle()
            print("events scanned \(report.eventsScanned), relay URLs found \(report.urlsFound), candidates added \(report.candidatesAdded); position \(report.position)")
        case let validator as Validator:
            let report = try await validator.runCycle()
            print("candidates checked \(report.checked), promoted \(report.promoted), failed \(report.failed), dropped \(report.dropped); remaining \(report.remaining)")
        case let monitor as Monitor:
            let r = try await monitor.runCycle()
            print(
                "relays due \(r.due), checked \(r.checked): up \(r.succeeded), down \(r.failed); "
                    + "metadata documents new \(r.newDocuments), snapshots \(r.snapshots); events published \(r.published), not published \(r.publishFailed)")
            for check in MonitorCheck.allCases where r.checkSucceeded[check] != nil || r.checkFailed[check] != nil {
                print("check\t\(check.rawValue)\tpassed \(r.checkSucceeded[check] ?? 0)\tfailed \(r.checkFailed[check] ?? 0)")
            }
        case let dvm as DVM:
            let r = try await dvm.runCycle()
            print(
                "requests \(r.requests): answered \(r.answered), errors \(r.failed), payment required \(r.paymentRequired); ignored \(r.ignored); "
                    + "announced \(r.announced ? "yes" : "no")")
        case let refresher as Refresher:
            let r = try await refresher.runCycle(full: full)
            print("\(r.full ? "rebuilt" : "refreshed"): events \(r.events), observations \(r.observations), snapshots \(r.snapshots)")
            for table in AnalyticsTables.names {
                print("table\t\(table)\trows changed \(r.rowsChanged[table] ?? 0)\t\(String(format: "%.3f", r.seconds[table] ?? 0)) s")
            }
        default:
            let figures = try await made.stage.cycle()
            print((figures.gauges.merging(figures.counters) { a, _ in a }).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}

extension BrotrConfig {
    /// Turns `stage` on (for `brotr run STAGE`, which runs what it is asked to).
    mutating func enable(_ stage: Stage) {
        switch stage {
        case .seeder: seeder.enabled = true
        case .finder: finder.enabled = true
        case .validator: validator.enabled = true
        case .monitor: monitor.enabled = true
        case .synchronizer: synchronizer.enabled = true
        case .refresher: refresher.enabled = true
        case .api: api.enabled = true
        case .dvm: dvm.enabled = true
        }
    }
}
