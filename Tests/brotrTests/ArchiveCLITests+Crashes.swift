import BrotrTestSupport
import Dispatch
import Foundation
import Glibc
import Nostr
import Synchronization
import Testing

/// Crashes, torn tails, truncation and hot copies lose nothing that was acknowledged.
extension ArchiveCLITests {
    // MARK: 2. Crash safety

    @Test func killedImportsLoseNoAcknowledgedEvent() async throws {
        let tmp = try TempDirectory("cli-crash")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let lines = CLICorpus.lines(20_000)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(lines, to: file)
        let ids = lines.map { Self.id(ofLine: $0) ?? "" }
        let known = Set(ids)
        #expect(known.count == ids.count)

        // Create the archive first: a kill that lands before the child has created the
        // directory (a loaded machine, an early kill) would leave nothing to check.
        // How long starting a process and opening the archive takes here now: on a loaded
        // machine the kills wait longer, so that some runs still reach their first ack.
        let started = ContinuousClock.now
        #expect(try await BrotrCLI.run(["import", "--data", data.path, "/dev/null"]).status == 0)
        let startup = ContinuousClock.now - started
        let startupMilliseconds = Int(startup.components.seconds) * 1000 + Int(startup.components.attoseconds / 1_000_000_000_000_000)

        var rng = SplitMix64(seed: 4242)
        var durable = Set<String>()  // every event of every acknowledged batch
        var acksSeen = 0
        for iteration in 0..<20 {
            // Even runs import the whole file again (dedupe makes that safe; the first
            // batches are duplicates). Odd runs import only what is not yet known to be
            // durable, so that their kills land in real writes too.
            var runFile = file, runIDs = ids
            if iteration % 2 == 1 {
                let rest = lines.indices.filter { !durable.contains(ids[$0]) }
                if !rest.isEmpty {
                    runFile = root.appendingPathComponent("rest.jsonl")
                    try Self.writeLines(rest.map { lines[$0] }, to: runFile)
                    runIDs = rest.map { ids[$0] }
                }
            }
            var position: [String: Int] = [:]
            for (i, id) in runIDs.enumerated() { position[id] = i }

            let delay = 20 + Int(rng.next() % UInt64(381 + 2 * startupMilliseconds))
            let child = try BrotrCLI.start(
                ["import", "--data", data.path, "--batch-size", "200", runFile.path],
                stderrFile: root.appendingPathComponent("stderr-\(iteration).log"))
            child.read(forUpTo: delay)
            child.kill()
            // Acks written before the kill are durable even if read after it: drain them.
            // Only whole lines count.
            let status = child.finish()
            for ack in child.acks {
                guard let end = position[ack.id], ack.count >= 1, end + 1 >= ack.count else {
                    Issue.record("iteration \(iteration): ack of an unknown event \(ack.id)")
                    continue
                }
                // A batch is the run of lines ending at its last event (every line is valid).
                for i in (end + 1 - ack.count)...end { durable.insert(runIDs[i]) }
                acksSeen += 1
            }
            #expect(status == 0 || child.process.terminationReason == .uncaughtSignal, "iteration \(iteration): status \(status): \(child.stderr)")

            let check = try await BrotrCLI.run(["check", "--data", data.path])
            #expect(check.status == 0, "iteration \(iteration), killed after \(delay) ms: check failed:\n\(check.stdout)\(check.stderr)")
            let exported = try await Self.exportedIDs(data, scratch: root)
            let exportedSet = Set(exported)
            #expect(exportedSet.count == exported.count, "iteration \(iteration): an event is exported twice")
            let missing = durable.subtracting(exportedSet)
            #expect(missing.isEmpty, "iteration \(iteration): \(missing.count) acknowledged events are missing, e.g. \(missing.first ?? "")")
            #expect(exportedSet.isSubset(of: known), "iteration \(iteration): an event from nowhere")
        }
        // Some runs lived long enough to acknowledge batches.
        #expect(acksSeen > 0, "no run lived long enough to acknowledge a batch")

        let final = try await BrotrCLI.run(["import", "--data", data.path, "--batch-size", "200", file.path])
        #expect(final.status == 0, "final import: \(final.stderr)")
        let exported = try await Self.exportedIDs(data, scratch: root)
        #expect(exported.count == ids.count)
        #expect(Set(exported) == known)
        let check = try await BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
    }

    // MARK: 3. Torn tails and truncation

    @Test func aTornTailIsCutOnTheNextOpen() async throws {
        let tmp = try TempDirectory("cli-torn")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(301, seed: 303)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(events.prefix(300).map(\.jsonBytes), to: file)
        let first = try await BrotrCLI.run(["import", "--data", data.path, "--batch-size", "50", file.path])
        #expect(first.status == 0, "\(first.stderr)")
        let segment = try Self.lastSegment(data)
        let size = try Self.fileSize(segment)
        // A crash in the middle of writing a frame: the start of a real frame, appended.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: bytes[32..<132])
        try handle.close()

        let one = root.appendingPathComponent("one.jsonl")
        try Self.writeLines([events[300].jsonBytes], to: one)
        let next = try await BrotrCLI.run(["import", "--data", data.path, one.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("torn tail"), "the log says what was dropped: \(next.stderr)")
        #expect(try Self.fileSize(segment) > size)
        let check = try await BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(try await Self.exportedIDs(data, scratch: root) == events.map(\.id.hex))
    }

    @Test func aTruncatedActiveSegmentNeedsReindexThenRecovers() async throws {
        let tmp = try TempDirectory("cli-truncated")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(301, seed: 304)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(events.prefix(300).map(\.jsonBytes), to: file)
        #expect(try await BrotrCLI.run(["import", "--data", data.path, "--batch-size", "50", file.path]).status == 0)
        // Cut 10 bytes off acknowledged, indexed data: the index now leads the segment.
        let segment = try Self.lastSegment(data)
        let size = try Self.fileSize(segment)
        #expect(Glibc.truncate(segment, off_t(size - 10)) == 0)

        let one = root.appendingPathComponent("one.jsonl")
        try Self.writeLines([events[300].jsonBytes], to: one)
        let refused = try await BrotrCLI.run(["import", "--data", data.path, one.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(segment), "the error names the segment: \(refused.stderr)")
        #expect(refused.stderr.contains("reindex"), "the error says what to do: \(refused.stderr)")
        let damaged = try await BrotrCLI.run(["check", "--data", data.path])
        #expect(damaged.status != 0, "check sees the cut frame: \(damaged.stdout)")

        let reindex = try await BrotrCLI.run(["reindex", "--data", data.path])
        #expect(reindex.status == 0, "\(reindex.stderr)")
        #expect(reindex.stdout.contains("torn tail"), "\(reindex.stdout)")
        let next = try await BrotrCLI.run(["import", "--data", data.path, one.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("torn tail"), "\(next.stderr)")
        let check = try await BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
        // The cut frame's events are gone; everything before it and the new event are there.
        let exported = try await Self.exportedIDs(data, scratch: root)
        let all = events.map(\.id.hex)
        #expect(exported.count >= 251 && exported.count <= 301, "\(exported.count)")
        #expect(exported.last == all[300])
        #expect(Array(exported.dropLast()) == Array(all.prefix(exported.count - 1)))
    }

    static func lastSegment(_ data: URL) throws -> String {
        let folder = data.appendingPathComponent("segments")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".seg") }.sorted()
        guard let last = names.last else { throw CLIFixtureError("no segments in \(folder.path)") }
        return folder.appendingPathComponent(last).path
    }

    static func fileSize(_ path: String) throws -> Int64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.size] as? NSNumber)?.int64Value ?? -1
    }

    // MARK: 4. Hot copy

    @Test func aCopyTakenDuringAnImportIsAConsistentPrefix() async throws {
        let tmp = try TempDirectory("cli-hotcopy")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let copy = root.appendingPathComponent("copy")
        let lines = CLICorpus.lines(30_000)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(lines, to: file)

        let child = try BrotrCLI.start(["import", "--data", data.path, file.path], stderrFile: root.appendingPathComponent("import.log"))
        defer {
            child.kill()
            child.finish()
        }
        let started = Self.now()
        // At least 300 ms in, and once a batch is durable, so that the copy holds data.
        _ = try await offThePool { child.read(forUpTo: 120_000) { c in Self.now() - started >= 300 && !c.acks.isEmpty } }
        let ackedBeforeCopy = child.acks.reduce(0) { $0 + $1.count }
        let hot = child.process.isRunning
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = ["-a", data.path, copy.path]
        try cp.run()
        cp.waitUntilExit()
        #expect(cp.terminationStatus == 0)
        let status = try await offThePool { () -> Int32 in
            child.read(forUpTo: 300_000)
            return child.finish()
        }
        #expect(status == 0, "\(child.stderr)")
        #expect(ackedBeforeCopy > 0)
        if !hot { print("note: the import finished before the copy; the copy was not hot") }

        // Open the copy once for recovery. If cp caught the index ahead of the segment
        // (index copied after the segment, with a batch committed in between), the open
        // refuses and says to reindex; a backup then needs exactly that.
        var recovered = try await BrotrCLI.run(["import", "--data", copy.path, "-"], stdin: "")
        if recovered.status != 0 {
            #expect(recovered.stderr.contains("reindex") || recovered.stderr.contains("SQLite"), "\(recovered.stderr)")
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: copy.appendingPathComponent("index.sqlite" + suffix).path)
            }
            let reindex = try await BrotrCLI.run(["reindex", "--data", copy.path])
            #expect(reindex.status == 0, "\(reindex.stderr)")
            recovered = try await BrotrCLI.run(["import", "--data", copy.path, "-"], stdin: "")
        }
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stdout.contains("accepted 0, duplicate 0, rejected 0"), "\(recovered.stdout)")
        let check = try await BrotrCLI.run(["check", "--data", copy.path])
        #expect(check.status == 0, "\(check.stdout)")

        let full = root.appendingPathComponent("full.jsonl"), partial = root.appendingPathComponent("partial.jsonl")
        #expect(try await BrotrCLI.run(["export", "--data", data.path], stdoutTo: full).status == 0)
        #expect(try await BrotrCLI.run(["export", "--data", copy.path], stdoutTo: partial).status == 0)
        let fullData = try Data(contentsOf: full), partialData = try Data(contentsOf: partial)
        #expect(Self.lineRanges(fullData).count == lines.count)
        let copied = Self.lineRanges(partialData).count
        #expect(copied >= ackedBeforeCopy, "the copy holds \(copied) events; \(ackedBeforeCopy) were acknowledged before it began")
        // The copy is the original's history up to some point: a prefix, line for line.
        #expect(partialData.count <= fullData.count)
        #expect(fullData.prefix(partialData.count) == partialData, "the copy's export is not a prefix of the original's")

        // Reindexing the copy changes nothing it answers.
        let reindex = try await BrotrCLI.run(["reindex", "--data", copy.path])
        #expect(reindex.status == 0, "\(reindex.stderr)")
        let again = root.appendingPathComponent("again.jsonl")
        #expect(try await BrotrCLI.run(["export", "--data", copy.path], stdoutTo: again).status == 0)
        #expect(try Data(contentsOf: again) == partialData)
    }
}
