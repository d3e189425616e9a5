import Archive
import BrotrTestSupport
import Foundation
import Glibc

/// `brotr check` on the generated corpus: the archive is imported once, then checked
/// `rounds` times; the best round is kept (on a shared machine, the least disturbed).
struct CheckBenchmark {
    let count: Int
    let directory: String?
    let rounds: Int

    func run() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let scratch = BenchDirectory("check", given: directory)
        defer { scratch.remove() }
        let root = scratch.root, dir = scratch.data
        print("check benchmark: \(count) events, \(cores) cores, data in \(root)")
        try await ArchiveBenchmark.importCorpus(CorpusGenerator.jsonLines(count: count, seed: 2026), into: dir, cores: cores)
        var best = Double.infinity
        for round in 0..<rounds {
            let start = Clock.now()
            let cpu0 = SyncBenchmark.ownCPUSeconds()
            let report = try Archive.check(dir)
            let seconds = Clock.now() - start
            let cpu = SyncBenchmark.ownCPUSeconds() - cpu0
            guard report.isHealthy, report.events == count else {
                throw ArchiveError(.inconsistent, "check found \(report.problems.count) problem(s) in a fresh archive: \(report.problems.prefix(3))")
            }
            print(String(format: "round %d: %.2f s, %.0f events/s, CPU %.2f s (%.1f cores busy)", round + 1, seconds, Double(count) / seconds, cpu, cpu / seconds))
            best = min(best, seconds)
        }
        print(String(format: "check, best of %d: %.2f s, %.0f events/s", rounds, best, Double(count) / best))
    }
}
