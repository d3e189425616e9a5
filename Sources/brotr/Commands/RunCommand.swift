import ArgumentParser
import Archive
import Logging
import Services
import Transport

/// `brotr run STAGE --once`: one cycle of one stage.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run one pipeline stage by itself (with --once: a single cycle).",
        discussion: Stage.allCases.map { "\($0.rawValue): \($0.purpose)" }.joined(separator: "\n"))

    @Argument(help: "The stage: \(Stage.allCases.map(\.rawValue).joined(separator: ", ")).")
    var stage: String

    @Flag(help: "Run a single cycle, print a summary and exit.")
    var once = false

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    func validate() throws {
        guard Stage(rawValue: stage) != nil else {
            throw ValidationError("unknown stage '\(stage)'; stages: \(Stage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let config = try options.load(data: data.directory, network: network)
        guard once, Stage(rawValue: stage) == .synchronizer else { throw NotImplemented.fail("run \(stage)\(once ? " --once" : "")") }
        let archive = try Archive.open(data.directory, configuration: config.archive.configuration)
        let synchronizer = try Synchronizer(
            archive: archive, settings: try config.synchronizer.settings(allowLoopback: config.network.allowLoopback),
            allowLoopback: config.network.allowLoopback, logger: Logger(label: "brotr.synchronizer"))
        let report = try await synchronizer.runCycle()
        print(
            "relays synced \(report.relaysSynced), failed \(report.relaysFailed), partial \(report.relaysPartial); "
                + "events new \(report.eventsNew), duplicate \(report.eventsDuplicate), invalid \(report.eventsInvalid); "
                + "bytes received \(report.bytesReceived); requests \(report.stream.requests)")
        for (relay, failure) in report.failures.sorted(by: { $0.key < $1.key }) { print("failed\t\(relay)\t\(failure)") }
        if report.relaysFailed > 0 { throw ExitCode(2) }
    }
}
