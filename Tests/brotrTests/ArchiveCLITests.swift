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
    static func exportedIDs(_ directory: URL, scratch: URL) async throws -> [String] {
        let file = scratch.appendingPathComponent("export-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await BrotrCLI.run(["export", "--data", directory.path], stdoutTo: file)
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
