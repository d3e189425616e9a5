import BrotrTestSupport
import Dispatch
import Foundation
import Glibc
import Nostr
import Synchronization
import Testing

/// What the importer refuses, and the one writer a directory allows.
extension ArchiveCLITests {
    // MARK: 6. Rejections

    @Test func importReportsRejectionsWithReasonsAndLineNumbers() async throws {
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

        let result = try await BrotrCLI.run(["import", "--data", data.path, file.path])
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

        #expect(try await Self.exportedIDs(data, scratch: root) == valid.map(\.id.hex))
        // Again: all duplicates, the same rejections.
        let again = try await BrotrCLI.run(["import", "--data", data.path, file.path])
        #expect(again.stdout.contains("accepted 0, duplicate 3, rejected 3"), "\(again.stdout)")
    }

    // MARK: 7. One writer

    @Test func aSecondWriterIsRefusedWhileReadersWork() async throws {
        let tmp = try TempDirectory("cli-lock")
        defer { tmp.remove() }
        let root = tmp.url
        let data = root.appendingPathComponent("data")
        let events = Self.events(12, seed: 707)
        let seedFile = root.appendingPathComponent("seed.jsonl")
        try Self.writeLines(events.prefix(5).map(\.jsonBytes), to: seedFile)
        #expect(try await BrotrCLI.run(["import", "--data", data.path, seedFile.path]).status == 0)

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
        let refused = try await BrotrCLI.run(["import", "--data", data.path, other.path])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("in use by another brotr process (PID \(child.pid))"), "\(refused.stderr)")
        let reindex = try await BrotrCLI.run(["reindex", "--data", data.path])
        #expect(reindex.status != 0)
        #expect(reindex.stderr.contains("PID \(child.pid)"), "\(reindex.stderr)")

        // Readers are not in the way.
        let stats = try await BrotrCLI.run(["stats", "--data", data.path, "--json"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(try Self.statsJSON(stats.stdout)["events"] == 5, "\(stats.stdout)")
        #expect(try await Self.exportedIDs(data, scratch: root) == events.prefix(5).map(\.id.hex))
        #expect(try await BrotrCLI.run(["check", "--data", data.path]).status == 0)

        // The first writer finishes its input and exits cleanly.
        child.input.fileHandleForWriting.write(Data((events[7..<10].map(\.jsonText).joined(separator: "\n") + "\n").utf8))
        try child.input.fileHandleForWriting.close()
        let status = child.finish()
        #expect(status == 0, "\(child.stderr)")
        #expect(child.completeLines.contains("ack 3 \(events[9].id.hex)"), "\(child.completeLines)")
        #expect(child.completeLines.contains { $0.hasPrefix("accepted 3, duplicate 0, rejected 0") }, "\(child.completeLines)")

        // Now the second writer gets in.
        let later = try await BrotrCLI.run(["import", "--data", data.path, other.path])
        #expect(later.status == 0, "\(later.stderr)")
        #expect(try await Self.exportedIDs(data, scratch: root) == (Array(events.prefix(5)) + events[7..<10] + events[5..<7]).map(\.id.hex))
    }
}
