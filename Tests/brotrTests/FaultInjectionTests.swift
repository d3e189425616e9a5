import Archive
import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// Writes and syncs that fail, at many points of the write path: an LD_PRELOAD shim built
/// here (tools/testbed/faultfs.c) fails the Nth write, fsync or truncate on a file of the
/// data directory with EIO or ENOSPC while `brotr import` runs. After each, the import has
/// finished or stopped with a clear error, `brotr check` passes, every acknowledged event
/// is there, and the same import run again completes.
@Suite(.serialized)
struct FaultInjectionTests {
    struct Counts: CustomStringConvertible {
        var writes = 0, syncs = 0, truncates = 0
        var description: String { "\(writes) writes, \(syncs) syncs, \(truncates) truncates" }
    }

    /// Compiles the shim with the C compiler at hand (the Swift toolchain's clang will do).
    static func buildShim(into dir: TempDirectory) async throws -> String {
        let source = ThirdPartyRelay.repositoryRoot.appendingPathComponent("tools/testbed/faultfs.c").path
        let library = dir.file("faultfs.so").path
        let shell = "cc=$(command -v cc || command -v clang) && \"$cc\" -shared -fPIC -O2 -o '\(library)' '\(source)' -ldl 2>&1"
        let child = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", shell], stderrFile: dir.file("cc.stderr"))
        let status = try await offThePool { child.finish() }
        guard status == 0 else { throw ThirdPartyRelay.SetupError(description: "cannot build the fault shim: \(child.completeLines.joined(separator: "\n"))") }
        return library
    }

    @Test func everyInjectedFaultLeavesACheckedArchiveWithEveryAcknowledgedEvent() async throws {
        let tmp = try TempDirectory("faults")
        defer { tmp.remove() }
        let shim = try await Self.buildShim(into: tmp)
        var generator = CorpusGenerator(seed: 7070, authors: 40, start: 1_700_000_000)
        let events = (0..<1000).map { _ in generator.next() }
        let input = tmp.file("events.jsonl")
        try Data(events.map { $0.jsonText + "\n" }.joined().utf8).write(to: input)
        let importArguments = { (data: String) in ["import", "--data", data, "--batch-size", "100", input.path] }

        // A run without faults counts the calls there are to fail.
        let counting = tmp.file("counting").path
        let report = tmp.file("report").path
        let clean = try await BrotrCLI.run(
            importArguments(counting), environment: ["LD_PRELOAD": shim, "BROTR_FAULT_DIR": counting, "BROTR_FAULT_REPORT": report])
        #expect(clean.status == 0, "\(clean.stderr.suffix(1000))")
        let figures = try String(contentsOfFile: report, encoding: .utf8).split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(figures.count == 4, "the shim's report: \(figures)")
        let counts = Counts(writes: figures[1], syncs: figures[2], truncates: figures[3])
        #expect(counts.writes > 100 && counts.syncs >= 10, "\(counts)")

        // Every sync and truncate, and writes spread over the whole import.
        var points: [(kind: String, at: Int)] = (1...counts.syncs).map { ("sync", $0) } + (1...max(1, counts.truncates)).map { ("truncate", $0) }
        let stride = max(1, counts.writes / 60)
        points += Swift.stride(from: 1, through: counts.writes, by: stride).map { ("write", $0) }
        var stopped = 0
        var absorbed: [String] = []
        for (i, point) in points.enumerated() {
            let data = tmp.file("run-\(i)").path
            let label = "\(point.kind) \(point.at)"
            let errno = i % 2 == 0 ? "5" : "28"  // EIO, ENOSPC
            let run = try await BrotrCLI.run(
                importArguments(data),
                environment: [
                    "LD_PRELOAD": shim, "BROTR_FAULT_DIR": data, "BROTR_FAULT_ONLY": point.kind, "BROTR_FAULT_AT": "\(point.at)",
                    "BROTR_FAULT_ERRNO": errno,
                ])
            if run.status == 0 {
                absorbed.append("\(label) (\(run.stderr.split(separator: "\n").first { $0.hasPrefix("faultfs:") }.map { $0.split(separator: "/").last.map(String.init) ?? "" } ?? "?"))")
            } else {
                stopped += 1
                // Stopped, not crashed: exit status 1 and what went wrong.
                #expect(run.status == 1 && run.stderr.contains("Error: "), "\(label): status \(run.status): \(run.stderr.suffix(800))")
            }
            let check = try await BrotrCLI.run(["check", "--data", data])
            #expect(check.status == 0, "\(label): brotr check: \(check.stdout.suffix(600)) \(check.stderr.suffix(600))")
            let acked = run.stdout.split(separator: "\n").filter { $0.hasPrefix("ack ") }.compactMap { $0.split(separator: " ").last.map(String.init) }
            if let last = acked.last, let position = events.firstIndex(where: { $0.id.hex == last }) {
                var archived = Set<EventID>()
                try Archive.open(DataDirectory(path: data), mode: .readOnly).forEachEvent { archived.insert($0.id) }
                #expect(Set(events[...position].map(\.id)).isSubset(of: archived), "\(label): an acknowledged event is missing")
            }
            // The same import again, without the fault: it completes.
            let again = try await BrotrCLI.run(importArguments(data))
            #expect(again.status == 0, "\(label): the second import: \(again.stderr.suffix(800))")
            try FileManager.default.removeItem(atPath: data)
        }
        print("fault injection: \(points.count) fault points tried (of \(counts)); \(stopped) stopped the import, \(absorbed.count) were absorbed")
        print("absorbed: \(absorbed.joined(separator: ", "))")
        #expect(stopped > points.count / 2, "most faults must reach the writer: \(stopped) of \(points.count)")
    }
}
