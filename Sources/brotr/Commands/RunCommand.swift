import ArgumentParser
import Services

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
        _ = try options.load(data: data.directory, network: network)
        throw NotImplemented.fail("run \(stage)")
    }
}
