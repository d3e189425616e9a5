import BrotrTestSupport
import Dispatch
import Foundation
import Glibc
import Nostr
import Synchronization
import Testing

/// The index rebuilt from the segments alone answers the same, and the segments are
/// standard LZ4 that the lz4 tool reads.
extension ArchiveCLITests {
    // MARK: 1. Reindex equivalence

    @Test func reindexFromSegmentsAloneAnswersTheSame() async throws {
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
            let result = try await BrotrCLI.run([
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

        func stats() async throws -> [String: Int64] {
            let result = try await BrotrCLI.run(["stats", "--data", data.path, "--json"])
            #expect(result.status == 0, "stats: \(result.stderr)")
            return try Self.statsJSON(result.stdout)
        }
        let before = try await stats()
        #expect(before["events"] == Int64(n))
        #expect(before["relays"] == 3)
        #expect(before["observations"] == Int64(observations))
        let exportBefore = root.appendingPathComponent("before.jsonl")
        #expect(try await BrotrCLI.run(["export", "--data", data.path], stdoutTo: exportBefore).status == 0)

        // Only the segments remain.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: data.appendingPathComponent("index.sqlite" + suffix).path)
        }
        let reindex = try await BrotrCLI.run(["reindex", "--data", data.path])
        #expect(reindex.status == 0, "reindex: \(reindex.stderr)")
        #expect(reindex.stdout.contains("reindexed \(n) events"), "\(reindex.stdout)")

        let after = try await stats()
        // The index's own size depends on SQLite's page layout, not on what it holds;
        // everything about content must match.
        let contentKeys = ["events", "relays", "observations", "metadata", "segments", "segment_bytes", "segment_bytes_per_event"]
        for key in contentKeys {
            #expect(after[key] != nil && after[key] == before[key], "stats \(key): \(String(describing: before[key])) then \(String(describing: after[key]))")
        }
        #expect(Set(after.keys) == Set(before.keys))

        let exportAfter = root.appendingPathComponent("after.jsonl")
        #expect(try await BrotrCLI.run(["export", "--data", data.path], stdoutTo: exportAfter).status == 0)
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


    // MARK: 5. Segments are standard LZ4

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lz4"), "needs /usr/bin/lz4"))
    func segmentsPassLZ4sOwnTest() async throws {
        let tmp = try TempDirectory("cli-lz4")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(400, seed: 505)
        let file = root.appendingPathComponent("events.jsonl")
        try Self.writeLines(events.map(\.jsonBytes), to: file)
        let imported = try await BrotrCLI.run(["import", "--data", data.path, "--relay", "ws://127.0.0.1:17005", "--allow-loopback", "--batch-size", "100", file.path])
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
}
