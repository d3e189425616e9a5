import BrotrTestSupport
import Foundation
import Logging
import Nostr
import Synchronization
import Testing

@testable import brotr

struct LoggingTests {
    /// Collects the lines a handler writes.
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    @Test func logfmtLinesAreKeyValuePairsWithQuoting() async throws {
        let captured = Lines()
        var handler = LogfmtLogHandler(label: "brotr.test", logLevel: .info)
        handler.sink = { captured.append($0) }
        handler.metadata["stage"] = "finder"
        let logger = Logger(label: "brotr.test") { _ in handler }
        logger.info("cycle done", metadata: ["relays": "12", "reason": "said \"no\"\nthen left", "empty": ""])
        logger.debug("not shown at info")
        let line = try #require(captured.all.first)
        #expect(captured.all.count == 1)
        #expect(line.hasPrefix("ts="))
        #expect(line.contains(" level=info logger=brotr.test msg=\"cycle done\""))
        #expect(line.contains(" relays=12"))
        #expect(line.contains(" stage=finder"))
        #expect(line.contains(" reason=\"said \\\"no\\\"\\nthen left\""))
        #expect(line.contains(" empty=\"\""))
        #expect(!line.contains("\n"))
        // Metadata keys come sorted, so lines are stable.
        let positions = [" empty=", " reason=", " relays=", " stage="].compactMap { line.range(of: $0)?.lowerBound }
        #expect(positions.count == 4)
        #expect(positions == positions.sorted())
    }

    @Test func jsonLinesAreObjectsWithEveryField() async throws {
        let captured = Lines()
        var handler = JSONLogHandler(label: "brotr.test", logLevel: .debug)
        handler.sink = { captured.append($0) }
        let logger = Logger(label: "brotr.test") { _ in handler }
        logger.warning("relay \"x\" failed", metadata: ["relay": "wss://a.example.com", "attempt": "3"])
        let line = try #require(captured.all.first)
        guard case .object(let fields) = try JSONValue(parsing: line) else { Issue.record("not an object"); return }
        #expect(fields["level"] == .string("warning"))
        #expect(fields["logger"] == .string("brotr.test"))
        #expect(fields["msg"] == .string("relay \"x\" failed"))
        #expect(fields["relay"] == .string("wss://a.example.com"))
        #expect(fields["attempt"] == .string("3"))
        #expect(fields["ts"]?.stringValue?.hasSuffix("Z") == true)
    }

    @Test func theFormatFlagChoosesTheFormat() async throws {
        let tmp = try TempDirectory("log")
        defer { tmp.remove() }
        let dir = tmp.path
        // Every stage and the HTTP server off: serve logs its configuration, finds nothing
        // to run, and exits, without touching the network.
        let off = ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher", "dvm", "http"].map { "\($0):\n  enabled: false\n" }.joined()
        try off.write(toFile: dir + "/brotr.yaml", atomically: true, encoding: .utf8)
        let json = try await BrotrCLI.run(["serve", "--data", dir, "--log-format", "json"])
        #expect(json.status == 1 && json.stderr.contains("nothing to run"))
        let first = try #require(json.stderr.split(separator: "\n").first)
        guard case .object(let fields) = try JSONValue(parsing: String(first)) else { Issue.record("not JSON: \(first)"); return }
        #expect(fields["msg"] == .string("configuration loaded"))
        #expect(fields["config"]?.stringValue?.hasSuffix("/brotr.yaml") == true)
        let text = try await BrotrCLI.run(["serve", "--data", dir])
        #expect(text.stderr.contains("level=info logger=brotr msg=\"configuration loaded\""))
        let quiet = try await BrotrCLI.run(["serve", "--data", dir, "--log-level", "error"])
        #expect(!quiet.stderr.contains("configuration loaded"))
    }
}
