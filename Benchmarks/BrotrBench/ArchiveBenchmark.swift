import Archive
import BrotrTestSupport
import CSecp256k1
import Foundation
import Glibc
import Nostr

/// The archive on a generated, realistic corpus: import with verification, reindex,
/// queries by the filter shapes the pipeline and API use, and bytes on disk per event.
struct ArchiveBenchmark {
    let count: Int
    let directory: String?
    let rounds: Int

    func run() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let scratch = BenchDirectory("bench", given: directory)
        defer { scratch.remove() }
        let root = scratch.root, dir = scratch.data

        print("archive benchmark: \(count) events, \(cores) cores, data in \(root)")
        var t = Clock.now()
        let lines = CorpusGenerator.jsonLines(count: count, seed: 2026)
        let rawBytes = lines.reduce(0) { $0 + $1.count + 1 }
        print("corpus: generated in \(String(format: "%.1f", Clock.now() - t)) s, \(rawBytes / count) bytes of JSON per event, \(rawBytes >> 20) MiB as JSON lines")

        // Each round: two passes of raw all-core verification (the yardstick for import), then
        // import and reindex into a fresh directory. The best of each is kept: on a shared
        // machine the best run is the one least disturbed by other load, and taking the
        // yardstick in the same rounds exposes it to the same load as the import.
        let raw = RawVerify(lines: Array(lines.prefix(20_000)))
        var rawVerify = 0.0, importSeconds = Double.infinity, reindexSeconds = Double.infinity
        // The index part of a reindex, and the analytics rebuilt after it from the new index.
        var indexSeconds = Double.infinity, analyticsSeconds = Double.infinity
        for round in 0..<rounds {
            let rawRate = max(raw.rate(cores: cores), raw.rate(cores: cores))  // two passes: the second runs warm
            rawVerify = max(rawVerify, rawRate)
            try? FileManager.default.removeItem(atPath: root)
            t = Clock.now()
            try await Self.importCorpus(lines, into: dir, cores: cores)
            let imported = Clock.now() - t
            t = Clock.now()
            let summary = try Archive.reindex(dir)
            let reindexed = Clock.now() - t
            print(
                "round \(round + 1): raw verify \(Int(rawRate))/s, import \(String(format: "%.2f", imported)) s, reindex \(String(format: "%.2f", reindexed)) s"
                    + " (of which analytics \(String(format: "%.2f", summary.analyticsSeconds)) s)")
            importSeconds = min(importSeconds, imported)
            reindexSeconds = min(reindexSeconds, reindexed)
            indexSeconds = min(indexSeconds, reindexed - summary.analyticsSeconds)
            analyticsSeconds = min(analyticsSeconds, summary.analyticsSeconds)
        }
        let importRate = Double(count) / importSeconds
        let reindexRate = Double(count) / reindexSeconds
        var ids: [EventID] = []
        var sample: [Event] = []
        let sampler = try Archive.open(dir, mode: .readOnly)
        try sampler.forEachEvent { event in
            ids.append(event.id)
            if ids.count % 50 == 0 { sample.append(event) }
        }
        let after = try Archive.open(dir, mode: .readOnly).stats()

        print("")
        print("import (parse + verify + write), best of \(rounds): \(Int(importRate)) events/s, \(String(format: "%.2f", importSeconds)) s")
        print("  all-core raw secp256k1 verify, best of \(rounds): \(Int(rawVerify))/s; import/raw = \(String(format: "%.2f", importRate / rawVerify)) (target >= 0.50)")
        print("reindex, best of \(rounds): \(Int(reindexRate)) events/s, \(String(format: "%.2f", reindexSeconds)) s = \(String(format: "%.1f", reindexRate / importRate))x import")
        print(
            "  the index, best of \(rounds): \(String(format: "%.2f", indexSeconds)) s = \(String(format: "%.1f", importSeconds / indexSeconds))x import (target >= 5x);"
                + " then the analytics tables: \(String(format: "%.2f", analyticsSeconds)) s")

        // Queries, on the reindexed archive.
        let reader = try GrowthBenchmark.reader(dir)
        print("queries (median / p95 / p99 of 200, microseconds):")
        for t in try QueryShapes(ids: ids, sample: sample).measure(reader) {
            print("  \(t.name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(Int(t.median)) / \(Int(t.p95)) / \(Int(t.p99))")
        }

        let seg = Double(after.segmentBytes), idx = Double(after.indexBytes)
        print("on disk: \(Int(seg) / count) B/event in segments + \(Int(idx) / count) B/event in the index = \(Int(seg + idx) / count) B/event")
        print("  vs raw JSON lines (\(rawBytes / count) B/event): segments \(String(format: "%.2f", seg / Double(rawBytes)))x (target <= 0.50), segments + index \(String(format: "%.2f", (seg + idx) / Double(rawBytes)))x (target <= 0.80)")
        print("  events \(after.events), observations \(after.observations), relays \(after.relays) (after the last reindex)")
    }

    /// Imports `lines` as `brotr import` does: verification on all cores, overlapped with
    /// the writer, every event seen at one relay.
    static func importCorpus(_ lines: [[UInt8]], into dir: DataDirectory, cores: Int) async throws {
        let archive = try Archive.open(dir)
        guard let writer = archive.writer else { throw ArchiveError(.io, "no writer") }
        try await importLines(lines, writer: writer, cores: cores)
    }

    /// Imports `lines` through an open archive's writer, seen at the corpus's first relay.
    static func importLines(_ lines: [[UInt8]], writer: ArchiveWriter, cores: Int, relay: RelayURL? = nil) async throws {
        let relay = try relay ?? RelayURL(CorpusGenerator.relays[0], allowLoopback: true)
        let pipeline = IngestPipeline(writer: writer, parallelism: cores)
        var outcomes: [IngestOutcome] = []
        for start in stride(from: 0, to: lines.count, by: IngestPipeline.defaultBatchSize) {
            let end = min(lines.count, start + IngestPipeline.defaultBatchSize)
            let batch = (start..<end).map { IngestBatch.Line(bytes: lines[$0], number: $0 + 1) }
            outcomes += try await pipeline.submit(IngestBatch(.json(batch), relay: relay, seenAt: 1_700_000_000))
        }
        outcomes += try await pipeline.finish()
        precondition(outcomes.allSatisfy { $0.rejected.isEmpty }, "corpus event failed to verify")
    }

    /// All-core x-only key parse + schnorrsig_verify straight through libsecp256k1, as the
    /// verify benchmark measures it (no cache of parsed keys).
    struct RawVerify {
        let ids: [[UInt8]], pubkeys: [[UInt8]], sigs: [[UInt8]]
        let context = Corpus.Context()

        init(lines: [[UInt8]]) {
            let events = lines.compactMap { try? Event(json: $0) }
            ids = events.map(\.id.bytes)
            pubkeys = events.map(\.pubkey.bytes)
            sigs = events.map(\.sig.bytes)
        }

        /// Events per second in one pass over the sample on `cores` threads.
        func rate(cores: Int) -> Double {
            let start = Clock.now()
            DispatchQueue.concurrentPerform(iterations: cores) { t in
                var i = t
                while i < ids.count {
                    var xonly = secp256k1_xonly_pubkey()
                    if secp256k1_xonly_pubkey_parse(context.pointer, &xonly, pubkeys[i]) == 1 {
                        _ = secp256k1_schnorrsig_verify(context.pointer, sigs[i], ids[i], 32, &xonly)
                    }
                    i += cores
                }
            }
            return Double(ids.count) / (Clock.now() - start)
        }
    }
}
