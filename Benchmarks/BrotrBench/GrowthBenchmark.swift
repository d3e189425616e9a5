import Archive
import BrotrTestSupport
import Foundation
import Glibc
import Logging
import Nostr
import Services
import Transport

/// Grows one archive to `count` events of the network-shaped corpus (``NetworkCorpus``),
/// importing as `brotr import` does, and prints per `step` events: the import rate, the
/// bytes the process wrote to disk per event (write_bytes in /proc/self/io, so WAL,
/// checkpoints and segments alike) and the index's size per event. Generating and signing
/// the corpus happens between the timed imports. Then the query shapes at 100k events and
/// at the end, side by side; the archive's figures (what /metrics, /health and `brotr
/// stats` read); and one sync of `syncCount` new events from a loopback relay into the
/// grown archive and into an empty one.
struct GrowthBenchmark {
    let count: Int
    let step: Int
    let syncCount: Int
    let directory: String?

    func run() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let scratch = BenchDirectory("growth", given: directory)
        defer { scratch.remove() }
        let root = scratch.root, dir = scratch.data
        print("growth benchmark: \(count) events in steps of \(step), \(cores) cores, data in \(root)")
        var t = Clock.now()
        var corpus = NetworkCorpus(seed: 2026)
        print(String(format: "corpus: %d authors' keys in %.1f s", corpus.authors, Clock.now() - t))

        let archive = try Archive.open(dir)
        guard let writer = archive.writer else { throw ArchiveError(.io, "no writer") }
        var ids: [EventID] = [], sample: [Event] = []
        var early: [QueryShapes.Timing] = []
        var done = 0, generateSeconds = 0.0
        var stepImport = 0.0, stepWritten: Int64 = 0, stepRaw = 0, stepEvents = 0
        var totalWritten: Int64 = 0, totalRaw = 0, totalImport = 0.0
        var rows: [(rate: Double, written: Double)] = []
        print("events          events/s   written B/event   index B/event   JSON B/event")
        while done < count {
            let n = min(100_000, count - done, step - done % step)
            t = Clock.now()
            let lines = corpus.next(n, parallelism: cores)
            generateSeconds += Clock.now() - t
            if done < 100_000 {
                for (i, line) in lines.enumerated() where i % 50 == 0 {
                    if let event = try? Event(json: line) {
                        ids.append(event.id)
                        sample.append(event)
                    }
                }
            }
            let written0 = Self.writeBytes()
            t = Clock.now()
            try await ArchiveBenchmark.importLines(lines, writer: writer, cores: cores)
            stepImport += Clock.now() - t
            stepWritten += Self.writeBytes() - written0
            stepRaw += lines.reduce(0) { $0 + $1.count + 1 }
            stepEvents += n
            done += n
            if done == 100_000 || (done == count && early.isEmpty) {
                early = try QueryShapes(ids: ids, sample: sample).measure(try Self.reader(dir))
            }
            if done % step == 0 || done == count {
                let index = Self.fileSize(dir.indexFile) + Self.fileSize(dir.indexFile + "-wal")
                let rate = Double(stepEvents) / stepImport
                let written = Double(stepWritten) / Double(stepEvents)
                rows.append((rate, written))
                print(
                    "\((String(done - stepEvents) + "-" + String(done)).padding(toLength: 16, withPad: " ", startingAt: 0))"
                        + String(format: "%8.0f   %15.0f   %13.0f   %12.0f", rate, written, Double(index) / Double(done), Double(stepRaw) / Double(stepEvents)))
                totalWritten += stepWritten
                totalRaw += stepRaw
                totalImport += stepImport
                (stepImport, stepWritten, stepRaw, stepEvents) = (0, 0, 0, 0)
            }
        }
        print(String(format: "generating and signing the corpus took %.0f s (not counted)", generateSeconds))
        if let first = rows.first, let last = rows.last {
            print(String(format: "whole import: %.0f events/s; %.0f bytes written per event = %.2fx the JSON bytes (target <= 3x)", Double(count) / totalImport, Double(totalWritten) / Double(count), Double(totalWritten) / Double(totalRaw)))
            print(String(format: "last step / first step: rate %.2fx (target >= 0.7), bytes written per event %.2fx (target <= 1.5)", last.rate / first.rate, last.written / first.written))
        }

        // Reads at this size, from a read-only open as `brotr stats` and the API make them.
        let reader = try Self.reader(dir)
        var statsTimes: [Double] = []
        for _ in 0..<5 {
            t = Clock.now()
            _ = try reader.stats()
            statsTimes.append((Clock.now() - t) * 1000)
        }
        let stats = try reader.stats()
        print(String(format: "stats (what /metrics and brotr stats read): best %.1f ms, worst %.1f ms; %d events, %d observations", statsTimes.min() ?? 0, statsTimes.max() ?? 0, stats.events, stats.observations))
        print(String(format: "on disk: segments %.0f B/event, index %.0f B/event = %.2fx the JSON lines (target <= 0.8)", Double(stats.segmentBytes) / Double(count), Double(stats.indexBytes) / Double(count), Double(stats.segmentBytes + stats.indexBytes) / Double(totalRaw)))
        // Twice: the first pass reads parts of segments written long ago, which the page
        // cache may no longer hold (at 100k it holds them all); the second, the same picks,
        // reads them warm.
        let shapes = QueryShapes(ids: ids, sample: sample)
        let first = try shapes.measure(reader), second = try shapes.measure(reader)
        print("queries (median / p95 of 200, microseconds)   at 100k          at \(count / 1000)k, first pass   again            p95 ratio (target <= 2)")
        for ((a, b), c) in zip(zip(early, first), second) {
            print(
                "  \(a.name.padding(toLength: 32, withPad: " ", startingAt: 0)) "
                    + String(format: "%7.0f / %7.0f   %7.0f / %7.0f   %7.0f / %7.0f   %5.2f, again %5.2f", a.median, a.p95, b.median, b.p95, c.median, c.p95, b.p95 / a.p95, c.p95 / a.p95))
        }

        // One sync of new events by the same authors, into this archive and into an empty one.
        guard syncCount > 0 else { return }
        var fresh = NetworkCorpus(seed: 2026, stream: 1, start: corpus.clock + 1)
        let events = fresh.next(syncCount, parallelism: cores).compactMap { try? Event(json: $0) }
        let relay = try await TestRelay(events: events)
        let intoGrown = try await Self.sync(from: relay.url, into: archive)
        let emptyRoot = root + "-empty"
        try? FileManager.default.removeItem(atPath: emptyRoot)
        defer { try? FileManager.default.removeItem(atPath: emptyRoot) }
        let intoEmpty = try await Self.sync(from: relay.url, into: try Archive.open(DataDirectory(path: emptyRoot)))
        let ratio = intoGrown / intoEmpty
        print("sync of \(syncCount) new events from a loopback relay: into the \(count / 1000)k archive \(Int(intoGrown)) events/s, into an empty one \(Int(intoEmpty)) events/s: " + String(format: "%.2fx (target >= 0.7)", ratio))
    }

    /// The query shapes alone on an archive the growth benchmark grew (`--dir`): the
    /// sample is drawn from the first 100k events of the same corpus.
    static func queries(directory: String) throws {
        var corpus = NetworkCorpus(seed: 2026)
        var ids: [EventID] = [], sample: [Event] = []
        for (i, line) in corpus.next(100_000, parallelism: ProcessInfo.processInfo.activeProcessorCount).enumerated() where i % 50 == 0 {
            if let event = try? Event(json: line) {
                ids.append(event.id)
                sample.append(event)
            }
        }
        let reader = try Self.reader(DataDirectory(path: directory))
        print("queries (median / p95 of 200, microseconds) on \(try reader.stats().events) events:")
        for t in try QueryShapes(ids: ids, sample: sample).measure(reader) {
            print("  \(t.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(String(format: "%7.0f / %7.0f", t.median, t.p95))")
        }
    }

    /// A read-only open ready for many lookups, as a server holds it (its id filters built
    /// before the timing starts).
    static func reader(_ dir: DataDirectory) throws -> Archive {
        let reader = try Archive.open(dir, mode: .readOnly)
        try reader.prepareForLookups()
        return reader
    }

    /// One Synchronizer cycle against `url`: new events per second.
    static func sync(from url: RelayURL, into archive: Archive) async throws -> Double {
        _ = try await archive.writer?.addRelays([url], discoveredAt: 1)
        var settings = SynchronizerSettings()
        settings.endLag = 0
        let synchronizer = try Synchronizer(archive: archive, settings: settings, network: NetworkConfiguration(allowLoopback: true), logger: Logger(label: "bench"))
        let t = Clock.now()
        let report = try await synchronizer.runCycle()
        return Double(report.eventsNew) / (Clock.now() - t)
    }

    /// Bytes this process has caused to be written to storage (proc(5) write_bytes).
    static func writeBytes() -> Int64 {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int64(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
