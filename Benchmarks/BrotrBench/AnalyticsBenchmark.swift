import Archive
import BrotrTestSupport
import Foundation
import Glibc
import Nostr

/// The Refresher and the REST API on a grown archive: `count` events of the network-shaped
/// corpus seen at 16 loopback relays (each batch at one relay, a third of it again at the
/// next), a full rebuild of the analytics tables, then incremental cycles after 10k new
/// events each, as ratios to the rebuild; then `brotr serve` on the archive and the API's
/// latency over HTTP for a list, a filtered and sorted list, a detail, and /v1/events by
/// author and by tag.
struct AnalyticsBenchmark {
    let count: Int
    let directory: String?

    static let relays = (0..<16).compactMap { try? RelayURL("ws://127.0.0.1:\(18100 + $0)", allowLoopback: true) }

    func run() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let scratch = BenchDirectory("analytics", given: directory)
        defer { scratch.remove() }
        let dir = scratch.data
        print("analytics benchmark: \(count) events at \(Self.relays.count) relays, \(cores) cores, data in \(scratch.root)")
        // The archive is let go (and its lock with it) before `brotr serve` opens it.
        let sample = try await refresher(dir, cores: cores)
        try await apiLatencies(data: scratch.root, sample: sample)
    }

    /// Builds the archive, then times the full rebuild and incremental cycles; returns
    /// some of its events, for the API's requests.
    func refresher(_ dir: DataDirectory, cores: Int) async throws -> [Event] {
        var corpus = NetworkCorpus(seed: 2026)
        let archive = try Archive.open(dir)
        guard let writer = archive.writer else { throw ArchiveError(.io, "no writer") }
        var done = 0, batch = 0
        var t = Clock.now()
        var sample: [Event] = []
        while done < count {
            let lines = corpus.next(min(100_000, count - done), parallelism: cores)
            try await Self.importAtRelays(lines, batch: batch, writer: writer, cores: cores)
            if sample.count < 200 { sample += lines.prefix(20).compactMap { try? Event(json: $0) } }
            done += lines.count
            batch += 1
        }
        let stats = try archive.stats()
        print(String(format: "archive: %d events, %d observations, built in %.0f s", stats.events, stats.observations, Clock.now() - t))

        let now = Int64(Date().timeIntervalSince1970)
        t = Clock.now()
        let full = try await writer.refreshAnalytics(full: true, now: now)
        let fullSeconds = Clock.now() - t
        print(String(format: "full rebuild: %.2f s (%d events, %d observations)", fullSeconds, full.events, full.observations))
        for table in AnalyticsTables.names {
            print("  " + table.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %9d rows  %6.2f s", full.rowsChanged[table] ?? 0, full.seconds[table] ?? 0))
        }
        var incremental: [Double] = []
        for round in 0..<3 {
            let lines = corpus.next(10_000, parallelism: cores)
            try await Self.importAtRelays(lines, batch: batch + round, writer: writer, cores: cores)
            t = Clock.now()
            let report = try await writer.refreshAnalytics(now: now + Int64(round + 1) * 300)
            incremental.append(Clock.now() - t)
            print(String(format: "incremental cycle after 10k new events: %.3f s (%d events, %d observations, %d rows changed)", incremental.last ?? 0, report.events, report.observations, report.rowsChanged.values.reduce(0, +)))
        }
        let median = incremental.sorted()[incremental.count / 2]
        print(String(format: "incremental / full: %.1fx faster (target >= 20x)", fullSeconds / median))
        t = Clock.now()
        let idle = try await writer.refreshAnalytics(now: now + 3600)
        print(String(format: "a cycle with nothing new (windows only): %.3f s, %d rows changed", Clock.now() - t, idle.rowsChanged.values.reduce(0, +)))
        return sample
    }

    /// Imports `lines` as seen at one relay, and a third of them again at the next.
    static func importAtRelays(_ lines: [[UInt8]], batch: Int, writer: ArchiveWriter, cores: Int) async throws {
        let first = relays[batch % relays.count], second = relays[(batch + 1) % relays.count]
        try await ArchiveBenchmark.importLines(lines, writer: writer, cores: cores, relay: first)
        try await ArchiveBenchmark.importLines(Array(lines.prefix(lines.count / 3)), writer: writer, cores: cores, relay: second)
    }

    /// GETs `url`; an error answer stops the benchmark.
    static func get(_ url: String) async throws {
        let body = try await ServeBenchmark.get(url)
        guard body.hasPrefix(#"{"data""#) else { throw BenchError("\(url): \(body.prefix(300))") }
    }

    /// `brotr serve` on the archive (stages off), and each request shape 200 times.
    func apiLatencies(data: String, sample: [Event]) async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent().appendingPathComponent("brotr")
        let port = 18000 + Int(getpid() % 900)
        let off = ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher"].map { "\($0):\n  enabled: false\n" }.joined()
        try (off + "http:\n  listen: 127.0.0.1:\(port)\n").write(toFile: data + "/brotr.yaml", atomically: true, encoding: .utf8)
        let serve = Process()
        serve.executableURL = binary
        serve.arguments = ["serve", "--data", data]
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<300 where !ready {
            try await Task.sleep(for: .milliseconds(100))
            ready = (try? await ServeBenchmark.get(base + "/v1/schema")) != nil
        }
        guard ready else { throw ArchiveError(.io, "brotr serve did not answer on \(base)") }
        let author = sample.first?.pubkey.hex ?? ""
        let tagged = sample.first { $0.tags.contains { $0.first == "p" && $0.count > 1 } }
        let tag = tagged?.tags.first { $0.first == "p" }?[1] ?? author
        let relay = Self.relays[0].url
        let shapes: [(String, String)] = [
            ("list (pubkey_counts, page 1)", "/v1/pubkey_counts"),
            ("filtered + sorted list", "/v1/pubkey_counts?event_count=%3E%3D:5&sort=event_count:desc&limit=50"),
            ("list by relay, sorted", "/v1/kind_counts_by_relay?relay_url=\(relay)&sort=event_count:desc"),
            ("detail (pubkey_counts)", "/v1/pubkey_counts/\(author)"),
            ("detail (relay_stats, URL key)", "/v1/relay_stats/\(relay)"),
            ("/v1/events by author", "/v1/events?authors=\(author)&limit=50"),
            ("/v1/events by tag", "/v1/events?%23p=\(tag)&limit=50"),
        ]
        print("API over HTTP (200 requests each, milliseconds)   p50      p95   (target p95 < 20 ms for lists and details)")
        for (name, path) in shapes {
            var times: [Double] = []
            for _ in 0..<200 {
                let t = Clock.now()
                try await Self.get(base + path)
                times.append((Clock.now() - t) * 1000)
            }
            times.sort()
            print("  " + name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: " %6.2f   %6.2f", times[times.count / 2], times[times.count * 95 / 100]))
        }
    }
}
