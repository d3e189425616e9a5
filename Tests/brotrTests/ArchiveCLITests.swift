import BrotrTestSupport
import Dispatch
import Foundation
import Glibc
import Nostr
import Synchronization
import Testing

/// The archive through the `brotr` binary: import, export, stats, reindex and check, with
/// crashes (SIGKILL), torn tails, hot copies and a second writer. Serialized: several of
/// these time a child process, and all of them keep the machine's two cores busy.
/// Relay URLs are loopback strings; nothing connects anywhere.
@Suite(.serialized)
struct ArchiveCLITests {
    /// Events for the reindex equivalence test.
    static let reindexCount = 100_000

    // MARK: Helpers

    /// Writes JSON lines, each followed by a newline.
    static func writeLines(_ lines: some Collection<[UInt8]>, to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8 << 20)
        for line in lines {
            buffer += line
            buffer.append(0x0A)
            if buffer.count >= 8 << 20 {
                try handle.write(contentsOf: Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(buffer))
    }

    /// The id of an event's JSON line (`{"id":"<64 hex>",...`, as brotr writes them).
    static func id(ofLine line: some Collection<UInt8>) -> String? {
        let prefix = Array(#"{"id":""#.utf8)
        guard line.count >= prefix.count + 64, line.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        return String(decoding: line.dropFirst(prefix.count).prefix(64), as: UTF8.self)
    }

    /// The lines of a file's bytes (without their newlines), as byte ranges.
    static func lineRanges(_ data: Data) -> [Range<Int>] {
        data.withUnsafeBytes { buffer -> [Range<Int>] in
            guard let base = buffer.baseAddress else { return [] }
            var ranges: [Range<Int>] = []
            var start = 0
            while start < buffer.count {
                let rest = buffer.count - start
                if let hit = memchr(base + start, 0x0A, rest) {
                    let end = base.distance(to: UnsafeRawPointer(hit))
                    ranges.append(start..<end)
                    start = end + 1
                } else {
                    ranges.append(start..<buffer.count)
                    break
                }
            }
            return ranges
        }
    }

    /// The ids of `brotr export --data DIR`, in order. Fails the test if the export fails.
    static func exportedIDs(_ directory: URL, scratch: URL) throws -> [String] {
        let file = scratch.appendingPathComponent("export-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try BrotrCLI.run(["export", "--data", directory.path], stdoutTo: file)
        #expect(result.status == 0, "export: \(result.stderr)")
        let data = try Data(contentsOf: file)
        return lineRanges(data).map { range in id(ofLine: data[range]) ?? "?" }
    }

    /// Milliseconds on a monotonic clock.
    static func now() -> Int { ChildProcess.now() }

    /// Polls `condition` every 20 ms for up to `milliseconds`.
    static func wait(upTo milliseconds: Int, for condition: () -> Bool) -> Bool {
        let deadline = now() + milliseconds
        while now() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// A parsed `ack <n> <id>` line.
    struct Ack: Equatable {
        let count: Int
        let id: String
    }

    /// Small, quick events, distinct per seed.
    static func events(_ count: Int, seed: UInt64) -> [Event] {
        var generator = CorpusGenerator(seed: seed)
        return (0..<count).map { _ in generator.next() }
    }

    /// The fields of `brotr stats --json`.
    static func statsJSON(_ text: String) throws -> [String: Int64] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw CLIFixtureError("stats --json is not an object: \(text)")
        }
        return object.compactMapValues { value -> Int64? in
            if let n = value as? Int { return Int64(n) }
            if let n = value as? NSNumber { return n.int64Value }
            return nil
        }
    }

    /// `accepted A, duplicate D, rejected R` from an import's summary line.
    static func summary(_ stdout: String) -> (accepted: Int, duplicate: Int, rejected: Int)? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("accepted ") }) else { return nil }
        let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        guard numbers.count >= 3 else { return nil }
        return (numbers[0], numbers[1], numbers[2])
    }

    // MARK: 1. Reindex equivalence

    @Test func reindexFromSegmentsAloneAnswersTheSame() throws {
        let tmp = try TempDirectory("cli-reindex")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let lines = CLICorpus.lines(Self.reindexCount)
        let n = lines.count
        // Three overlapping parts, each seen at its own relay.
        let parts = [(0, n * 45 / 100), (n * 35 / 100, n * 75 / 100), (n * 65 / 100, n)]
        var observations = 0
        var seen = 0
        for (x, (from, to)) in parts.enumerated() {
            let file = root.appendingPathComponent("part\(x).jsonl")
            try Self.writeLines(lines[from..<to], to: file)
            let result = try BrotrCLI.run([
                "import", "--data", data.path, "--relay", "ws://127.0.0.1:1700\(x)", "--allow-loopback", file.path,
            ])
            #expect(result.status == 0, "import part \(x): \(result.stderr)")
            let newOnes = max(0, to - max(from, seen))
            let s = Self.summary(result.stdout)
            #expect(s?.accepted == newOnes && s?.duplicate == (to - from) - newOnes && s?.rejected == 0, "part \(x): \(result.stdout)")
            observations += to - from
            seen = max(seen, to)
            try FileManager.default.removeItem(at: file)
        }

        func stats() throws -> [String: Int64] {
            let result = try BrotrCLI.run(["stats", "--data", data.path, "--json"])
            #expect(result.status == 0, "stats: \(result.stderr)")
            return try Self.statsJSON(result.stdout)
        }
        let before = try stats()
        #expect(before["events"] == Int64(n))
        #expect(before["relays"] == 3)
        #expect(before["observations"] == Int64(observations))
        let exportBefore = root.appendingPathComponent("before.jsonl")
        #expect(try BrotrCLI.run(["export", "--data", data.path], stdoutTo: exportBefore).status == 0)

        // Only the segments remain.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: data.appendingPathComponent("index.sqlite" + suffix).path)
        }
        let reindex = try BrotrCLI.run(["reindex", "--data", data.path])
        #expect(reindex.status == 0, "reindex: \(reindex.stderr)")
        #expect(reindex.stdout.contains("reindexed \(n) events"), "\(reindex.stdout)")

        let after = try stats()
        // The index's own size depends on SQLite's page layout, not on what it holds;
        // everything about content must match.
        let contentKeys = ["events", "relays", "observations", "metadata", "segments", "segment_bytes", "segment_bytes_per_event"]
        for key in contentKeys {
            #expect(after[key] != nil && after[key] == before[key], "stats \(key): \(String(describing: before[key])) then \(String(describing: after[key]))")
        }
        #expect(Set(after.keys) == Set(before.keys))

        let exportAfter = root.appendingPathComponent("after.jsonl")
        #expect(try BrotrCLI.run(["export", "--data", data.path], stdoutTo: exportAfter).status == 0)
        let a = try Data(contentsOf: exportBefore), b = try Data(contentsOf: exportAfter)
        #expect(a.count == b.count)
        #expect(a == b, "export differs after reindex")
        #expect(Self.lineRanges(a).count == n)
        // The parts were imported in file order, so the export is the corpus itself, byte for byte.
        var original: [UInt8] = []
        original.reserveCapacity(a.count)
        for line in lines { original += line + [0x0A] }
        #expect(a == Data(original), "export is not the imported JSON byte for byte")
    }

    // MARK: 2. Crash safety

    @Test func killedImportsLoseNoAcknowledgedEvent() throws {
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
        #expect(try BrotrCLI.run(["import", "--data", data.path, "/dev/null"]).status == 0)

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

            let delay = 20 + Int(rng.next() % 381)
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

            let check = try BrotrCLI.run(["check", "--data", data.path])
            #expect(check.status == 0, "iteration \(iteration), killed after \(delay) ms: check failed:\n\(check.stdout)\(check.stderr)")
            let exported = try Self.exportedIDs(data, scratch: root)
            let exportedSet = Set(exported)
            #expect(exportedSet.count == exported.count, "iteration \(iteration): an event is exported twice")
            let missing = durable.subtracting(exportedSet)
            #expect(missing.isEmpty, "iteration \(iteration): \(missing.count) acknowledged events are missing, e.g. \(missing.first ?? "")")
            #expect(exportedSet.isSubset(of: known), "iteration \(iteration): an event from nowhere")
        }
        // Some runs lived long enough to acknowledge batches.
        #expect(acksSeen > 0, "no run lived long enough to acknowledge a batch")

        let final = try BrotrCLI.run(["import", "--data", data.path, "--batch-size", "200", file.path])
        #expect(final.status == 0, "final import: \(final.stderr)")
        let exported = try Self.exportedIDs(data, scratch: root)
        #expect(exported.count == ids.count)
        #expect(Set(exported) == known)
        let check = try BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
    }

    // MARK: 3. Torn tails and truncation

    @Test func aTornTailIsCutOnTheNextOpen() throws {
        let tmp = try TempDirectory("cli-torn")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(301, seed: 303)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(events.prefix(300).map(\.jsonBytes), to: file)
        let first = try BrotrCLI.run(["import", "--data", data.path, "--batch-size", "50", file.path])
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
        let next = try BrotrCLI.run(["import", "--data", data.path, one.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("torn tail"), "the log says what was dropped: \(next.stderr)")
        #expect(try Self.fileSize(segment) > size)
        let check = try BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(try Self.exportedIDs(data, scratch: root) == events.map(\.id.hex))
    }

    @Test func aTruncatedActiveSegmentNeedsReindexThenRecovers() throws {
        let tmp = try TempDirectory("cli-truncated")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(301, seed: 304)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(events.prefix(300).map(\.jsonBytes), to: file)
        #expect(try BrotrCLI.run(["import", "--data", data.path, "--batch-size", "50", file.path]).status == 0)
        // Cut 10 bytes off acknowledged, indexed data: the index now leads the segment.
        let segment = try Self.lastSegment(data)
        let size = try Self.fileSize(segment)
        #expect(Glibc.truncate(segment, off_t(size - 10)) == 0)

        let one = root.appendingPathComponent("one.jsonl")
        try Self.writeLines([events[300].jsonBytes], to: one)
        let refused = try BrotrCLI.run(["import", "--data", data.path, one.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(segment), "the error names the segment: \(refused.stderr)")
        #expect(refused.stderr.contains("reindex"), "the error says what to do: \(refused.stderr)")
        let damaged = try BrotrCLI.run(["check", "--data", data.path])
        #expect(damaged.status != 0, "check sees the cut frame: \(damaged.stdout)")

        let reindex = try BrotrCLI.run(["reindex", "--data", data.path])
        #expect(reindex.status == 0, "\(reindex.stderr)")
        #expect(reindex.stdout.contains("torn tail"), "\(reindex.stdout)")
        let next = try BrotrCLI.run(["import", "--data", data.path, one.path])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("torn tail"), "\(next.stderr)")
        let check = try BrotrCLI.run(["check", "--data", data.path])
        #expect(check.status == 0, "\(check.stdout)")
        // The cut frame's events are gone; everything before it and the new event are there.
        let exported = try Self.exportedIDs(data, scratch: root)
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

    @Test func aCopyTakenDuringAnImportIsAConsistentPrefix() throws {
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
        child.read(forUpTo: 120_000) { c in Self.now() - started >= 300 && !c.acks.isEmpty }
        let ackedBeforeCopy = child.acks.reduce(0) { $0 + $1.count }
        let hot = child.process.isRunning
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = ["-a", data.path, copy.path]
        try cp.run()
        cp.waitUntilExit()
        #expect(cp.terminationStatus == 0)
        child.read(forUpTo: 300_000)
        let status = child.finish()
        #expect(status == 0, "\(child.stderr)")
        #expect(ackedBeforeCopy > 0)
        if !hot { print("note: the import finished before the copy; the copy was not hot") }

        // Open the copy once for recovery. If cp caught the index ahead of the segment
        // (index copied after the segment, with a batch committed in between), the open
        // refuses and says to reindex; a backup then needs exactly that.
        var recovered = try BrotrCLI.run(["import", "--data", copy.path, "-"], stdin: "")
        if recovered.status != 0 {
            #expect(recovered.stderr.contains("reindex") || recovered.stderr.contains("SQLite"), "\(recovered.stderr)")
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(atPath: copy.appendingPathComponent("index.sqlite" + suffix).path)
            }
            let reindex = try BrotrCLI.run(["reindex", "--data", copy.path])
            #expect(reindex.status == 0, "\(reindex.stderr)")
            recovered = try BrotrCLI.run(["import", "--data", copy.path, "-"], stdin: "")
        }
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stdout.contains("accepted 0, duplicate 0, rejected 0"), "\(recovered.stdout)")
        let check = try BrotrCLI.run(["check", "--data", copy.path])
        #expect(check.status == 0, "\(check.stdout)")

        let full = root.appendingPathComponent("full.jsonl"), partial = root.appendingPathComponent("partial.jsonl")
        #expect(try BrotrCLI.run(["export", "--data", data.path], stdoutTo: full).status == 0)
        #expect(try BrotrCLI.run(["export", "--data", copy.path], stdoutTo: partial).status == 0)
        let fullData = try Data(contentsOf: full), partialData = try Data(contentsOf: partial)
        #expect(Self.lineRanges(fullData).count == lines.count)
        let copied = Self.lineRanges(partialData).count
        #expect(copied >= ackedBeforeCopy, "the copy holds \(copied) events; \(ackedBeforeCopy) were acknowledged before it began")
        // The copy is the original's history up to some point: a prefix, line for line.
        #expect(partialData.count <= fullData.count)
        #expect(fullData.prefix(partialData.count) == partialData, "the copy's export is not a prefix of the original's")

        // Reindexing the copy changes nothing it answers.
        let reindex = try BrotrCLI.run(["reindex", "--data", copy.path])
        #expect(reindex.status == 0, "\(reindex.stderr)")
        let again = root.appendingPathComponent("again.jsonl")
        #expect(try BrotrCLI.run(["export", "--data", copy.path], stdoutTo: again).status == 0)
        #expect(try Data(contentsOf: again) == partialData)
    }

    // MARK: 5. Segments are standard LZ4

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lz4"), "needs /usr/bin/lz4"))
    func segmentsPassLZ4sOwnTest() throws {
        let tmp = try TempDirectory("cli-lz4")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(400, seed: 505)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(events.map(\.jsonBytes), to: file)
        let imported = try BrotrCLI.run(["import", "--data", data.path, "--relay", "ws://127.0.0.1:17005", "--allow-loopback", "--batch-size", "100", file.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let folder = data.appendingPathComponent("segments")
        let segments = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".seg") }.sorted()
            .map { folder.appendingPathComponent($0).path }
        try #require(!segments.isEmpty)

        let test = Process()
        test.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        test.arguments = ["-t", "-m"] + segments
        let err = Pipe()
        test.standardError = err
        test.standardOutput = FileHandle.nullDevice
        try test.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        test.waitUntilExit()
        #expect(test.terminationStatus == 0, "lz4 -t: \(String(decoding: message, as: UTF8.self))")

        // lz4 itself decompresses the records: every event's raw 32-byte id is in there.
        let decompressed = root.appendingPathComponent("decompressed.bin")
        _ = FileManager.default.createFile(atPath: decompressed.path, contents: nil)
        let out = try FileHandle(forWritingTo: decompressed)
        let unpack = Process()
        unpack.executableURL = URL(fileURLWithPath: "/usr/bin/lz4")
        unpack.arguments = ["-d", "-c"] + [segments[0]]
        unpack.standardOutput = out
        unpack.standardError = FileHandle.nullDevice
        try unpack.run()
        unpack.waitUntilExit()
        try out.close()
        #expect(unpack.terminationStatus == 0)
        let raw = try Data(contentsOf: decompressed)
        #expect(raw.count > 400 * 160)
        let found = raw.withUnsafeBytes { buffer in events.filter { Self.occurs($0.id.bytes, in: buffer) }.count }
        #expect(found == events.count)
    }

    /// Whether `needle` occurs in `buffer` (memchr for its first byte, memcmp for the rest).
    static func occurs(_ needle: [UInt8], in buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress, let first = needle.first, needle.count <= buffer.count else { return false }
        return needle.withUnsafeBytes { n in
            guard let pattern = n.baseAddress else { return false }
            var start = 0
            let last = buffer.count - needle.count
            while start <= last, let hit = memchr(base + start, Int32(first), last - start + 1) {
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, pattern, needle.count) == 0 { return true }
                start = at + 1
            }
            return false
        }
    }

    // MARK: 6. Rejections

    @Test func importReportsRejectionsWithReasonsAndLineNumbers() throws {
        let tmp = try TempDirectory("cli-reject")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let key = try SecretKey(hex: "00000000000000000000000000000000000000000000000000000000000000a7")
        let valid = try (1...3).map { try Event.sign(kind: 1, content: "valid \($0)", createdAt: 1_700_000_000 + Int64($0), with: key) }
        let signed = try Event.sign(kind: 1, content: "signed", createdAt: 1_700_000_010, with: key)
        let original = try Event.sign(kind: 1, content: "original content", createdAt: 1_700_000_011, with: key)

        // One hex digit of the signature changed.
        var badSig = signed.jsonText
        let sigStart = try #require(badSig.range(of: #""sig":""#)).upperBound
        let digit = badSig.index(sigStart, offsetBy: 10)
        badSig.replaceSubrange(digit...digit, with: badSig[digit] == "0" ? "1" : "0")
        // The content changed after signing.
        let tampered = original.jsonText.replacingOccurrences(of: "original content", with: "tampered content")
        #expect(tampered != original.jsonText && badSig != signed.jsonText)

        let text = [valid[0].jsonText, "this is not json", valid[1].jsonText, badSig, valid[2].jsonText, tampered].joined(separator: "\n") + "\n"
        let file = root.appendingPathComponent("mixed.jsonl")
        try text.write(to: file, atomically: true, encoding: .utf8)

        let result = try BrotrCLI.run(["import", "--data", data.path, file.path])
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("accepted 3, duplicate 0, rejected 3"), "\(out)")
        #expect(out.contains("rejected 1: bad signature"), "\(out)")
        #expect(out.contains("rejected 1: bad id"), "\(out)")
        let lines = out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains { $0.hasPrefix("line 2:") }, "\(out)")
        #expect(lines.contains { $0.hasPrefix("line 4: bad signature") }, "\(out)")
        #expect(lines.contains { $0.hasPrefix("line 6: bad id") }, "\(out)")
        #expect(!lines.contains { $0.hasPrefix("line 1:") || $0.hasPrefix("line 3:") || $0.hasPrefix("line 5:") }, "\(out)")
        // One batch: one ack, naming its count and last valid event.
        let acks = lines.filter { $0.hasPrefix("ack ") }
        #expect(acks == ["ack 3 \(valid[2].id.hex)"], "\(out)")

        #expect(try Self.exportedIDs(data, scratch: root) == valid.map(\.id.hex))
        // Again: all duplicates, the same rejections.
        let again = try BrotrCLI.run(["import", "--data", data.path, file.path])
        #expect(again.stdout.contains("accepted 0, duplicate 3, rejected 3"), "\(again.stdout)")
    }

    // MARK: 7. One writer

    @Test func aSecondWriterIsRefusedWhileReadersWork() throws {
        let tmp = try TempDirectory("cli-lock")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(12, seed: 707)
        let seedFile = root.appendingPathComponent("seed.jsonl")
        try Self.writeLines(events.prefix(5).map(\.jsonBytes), to: seedFile)
        #expect(try BrotrCLI.run(["import", "--data", data.path, seedFile.path]).status == 0)

        // The first writer reads standard input, which stays open.
        let child = try BrotrCLI.start(["import", "--data", data.path, "-"], stderrFile: root.appendingPathComponent("writer.log"), keepStdinOpen: true)
        defer {
            child.kill()
            child.finish()
        }
        let lockFile = data.appendingPathComponent("lock").path
        let holds = Self.wait(upTo: 60_000) {
            ((try? String(contentsOfFile: lockFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) == "\(child.pid)"
        }
        try #require(holds, "the writer never took the lock: \(child.stderr)")

        let other = root.appendingPathComponent("other.jsonl")
        try Self.writeLines(events[5..<7].map(\.jsonBytes), to: other)
        let refused = try BrotrCLI.run(["import", "--data", data.path, other.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("in use by another brotr process (PID \(child.pid))"), "\(refused.stderr)")
        let reindex = try BrotrCLI.run(["reindex", "--data", data.path])
        #expect(reindex.status != 0)
        #expect(reindex.stderr.contains("PID \(child.pid)"), "\(reindex.stderr)")

        // Readers are not in the way.
        let stats = try BrotrCLI.run(["stats", "--data", data.path, "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(try Self.statsJSON(stats.stdout)["events"] == 5, "\(stats.stdout)")
        #expect(try Self.exportedIDs(data, scratch: root) == events.prefix(5).map(\.id.hex))
        #expect(try BrotrCLI.run(["check", "--data", data.path]).status == 0)

        // The first writer finishes its input and exits cleanly.
        child.input.fileHandleForWriting.write(Data((events[7..<10].map(\.jsonText).joined(separator: "\n") + "\n").utf8))
        try child.input.fileHandleForWriting.close()
        let status = child.finish()
        #expect(status == 0, "\(child.stderr)")
        #expect(child.completeLines.contains("ack 3 \(events[9].id.hex)"), "\(child.completeLines)")
        #expect(child.completeLines.contains { $0.hasPrefix("accepted 3, duplicate 0, rejected 0") }, "\(child.completeLines)")

        // Now the second writer gets in.
        let later = try BrotrCLI.run(["import", "--data", data.path, other.path])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try Self.exportedIDs(data, scratch: root) == (Array(events.prefix(5)) + events[7..<10] + events[5..<7]).map(\.id.hex))
    }
}

struct CLIFixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Corpus JSON lines shared by the tests of this file, generated once, in chunks of
/// 10 000 events with their own seeds, on all cores. The first `n` lines are always the
/// same whatever asked for them first.
enum CLICorpus {
    static let chunk = 10_000
    private static let chunks = Mutex<[Int: [[UInt8]]]>([:])

    static func lines(_ count: Int) -> [[UInt8]] {
        let needed = (count + chunk - 1) / chunk
        let missing = chunks.withLock { have in (0..<needed).filter { have[$0] == nil } }
        if !missing.isEmpty {
            DispatchQueue.concurrentPerform(iterations: missing.count) { i in
                let made = CorpusGenerator.jsonLines(count: chunk, seed: 9000 + UInt64(missing[i]))
                chunks.withLock { $0[missing[i]] = made }
            }
        }
        let parts = chunks.withLock { have in (0..<needed).map { have[$0] ?? [] } }
        return Array(parts.joined().prefix(count))
    }
}

extension ChildProcess {
    /// The `ack <n> <id>` lines printed so far.
    var acks: [ArchiveCLITests.Ack] {
        completeLines.compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "ack", let n = Int(parts[1]), parts[2].count == 64 else { return nil }
            return ArchiveCLITests.Ack(count: n, id: String(parts[2]))
        }
    }
}
