import ArgumentParser
import Archive
import Foundation
import Glibc
import Nostr
import Transport

/// `brotr import`: NIP-01 events as JSON lines into the archive.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import NIP-01 events from JSON lines (a file or - for stdin), verifying each.",
        discussion: """
            Every event's id and signature are verified, on all cores. For each batch made durable, \
            a line `ack <events> <id of the batch's last event>` goes to standard output; at the end, \
            a summary of accepted, duplicate and rejected events, with reasons and the first rejected lines.
            """)

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions
    @OptionGroup var network: NetworkOptions

    @Option(help: ArgumentHelp("Record each event as seen at this relay.", valueName: "url"))
    var relay: String?

    @Option(help: "Events per durable batch.")
    var batchSize = IngestPipeline.defaultBatchSize

    @Argument(help: ArgumentHelp("JSON lines file, or - for standard input.", valueName: "file"))
    var file: String

    func validate() throws {
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...100000") }
    }

    func run() async throws {
        let config = try options.load(data: data.directory, network: network)
        var relayURL: RelayURL?
        if let relay {
            do {
                relayURL = try RelayURL(relay, allowLoopback: config.network.allowLoopback)
            } catch let error as NostrError {
                throw CLIFailure("--relay \(relay): \(error.message)")
            }
        }
        let archive = try Archive.open(data.directory, configuration: config.archive)
        guard let writer = archive.writer else { throw CLIFailure("the archive is not writable") }
        let reader = try LineReader.open(file)
        var summary = ImportSummary()
        var progress = Progress("importing")
        let pipeline = IngestPipeline(writer: writer, parallelism: ProcessInfo.processInfo.activeProcessorCount)
        let seenAt = Int64(time(nil))
        let maxLine = reader.maxLine
        func report(_ outcomes: [IngestOutcome]) {
            for outcome in outcomes {
                for rejection in outcome.rejected {
                    summary.reject(line: rejection.line?.number ?? 0, text: rejection.line?.bytes ?? [], error: rejection.error)
                }
                summary.accepted += outcome.result.new
                summary.duplicates += outcome.result.duplicates
                summary.observations += outcome.result.observations
                if let last = outcome.lastID {
                    // Unbuffered: a test that kills this process must see every ack written.
                    StandardOutput.writeLine("ack \(outcome.accepted) \(last.hex)")
                }
                progress.update(done: Int64(summary.total), total: nil, unit: "events")
            }
        }
        do {
            while true {
                var lines: [IngestBatch.Line] = []
                while lines.count < batchSize, let line = try reader.next() {
                    if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                    if line.truncated {
                        summary.reject(line: line.number, text: line.bytes, error: NostrError(.invalidEvent, "line longer than \(maxLine) bytes"))
                        continue
                    }
                    lines.append(.init(bytes: line.bytes, number: line.number))
                }
                if lines.isEmpty { break }
                report(try await pipeline.submit(IngestBatch(.json(lines), relay: relayURL, seenAt: seenAt)))
            }
            report(try await pipeline.finish())
        } catch {
            progress.finish()
            StandardOutput.writeLine(summary.report)
            throw CLIFailure(
                "import stopped: \(error)\nThe events acknowledged above (ack lines) are archived. Fix the cause and run the same "
                    + "import again: what is archived already counts as duplicate.")
        }
        progress.finish()
        StandardOutput.writeLine(summary.report)
    }
}

/// Counts and the first rejections of an import.
struct ImportSummary {
    var accepted = 0, duplicates = 0, observations = 0, rejected = 0
    var reasons: [String: Int] = [:]
    var examples: [String] = []

    var total: Int { accepted + duplicates + rejected }

    mutating func reject(line: Int, text: [UInt8], error: NostrError) {
        rejected += 1
        let reason = error.field.map { "\(error.code): \($0)" } ?? "\(error.code)"
        reasons[reason, default: 0] += 1
        if examples.count < 5 {
            let shown = String(decoding: text.prefix(100), as: UTF8.self)
            examples.append("  line \(line): \(error)\n    \(shown)\(text.count > 100 ? "..." : "")")
        }
    }

    var report: String {
        var out = "accepted \(accepted), duplicate \(duplicates), rejected \(rejected)"
        if observations > 0 { out += ", observations \(observations)" }
        for (reason, n) in reasons.sorted(by: { $0.value > $1.value }) { out += "\n  rejected \(n): \(reason)" }
        if !examples.isEmpty { out += "\nfirst rejected lines:\n" + examples.joined(separator: "\n") }
        return out
    }
}
