import ArgumentParser
import Archive
import Foundation

/// `brotr reindex`: rebuild the index from the segments alone.
struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex", abstract: "Rebuild the SQLite index from the segment files alone.",
        discussion: "Builds index.sqlite.reindex, then renames it over index.sqlite. Keeps stage state from the old index when it is readable.")

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try options.load(data: data.directory)
        var progress = Progress("reindexing")
        let summary = try Archive.reindex(data.directory) { done, total in
            progress.update(done: done >> 20, total: total >> 20, unit: "MiB")
        }
        progress.finish()
        var line = "reindexed \(summary.events) events (\(summary.records) records) from \(summary.frames) frames in \(summary.segments) segments"
        line += "; kept \(summary.keptState) state rows; analytics rebuilt in \(String(format: "%.1f", summary.analyticsSeconds)) s"
        if summary.tornTailBytes > 0 { line += "; a torn tail of \(summary.tornTailBytes) bytes is left for the next open" }
        print(line)
    }
}
